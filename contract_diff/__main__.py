import sys

from contract_diff.cli import main

sys.exit(main())
