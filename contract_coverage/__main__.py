"""``python -m contract_coverage``: see :mod:`contract_coverage.cli`."""

import sys

from contract_coverage.cli import main

sys.exit(main())
