"""Entry point of ``python -m mock_server``."""

import sys

from mock_server.cli import main

sys.exit(main())
