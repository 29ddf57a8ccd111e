"""Entry point of ``python -m validating_proxy`` (also ``python -m mock_server proxy``, for one release)."""

import sys

from validating_proxy.cli import main

sys.exit(main())
