"""``python -m contract_impact``: see :mod:`contract_impact.cli`."""

import sys

from contract_impact.cli import main

sys.exit(main())
