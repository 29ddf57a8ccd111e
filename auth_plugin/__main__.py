"""Entry point of ``python -m auth_plugin``."""

import sys

from auth_plugin.cli import main

sys.exit(main())
