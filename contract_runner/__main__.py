"""``python -m contract_runner``: the contract run (``nox -s contract``)."""

import sys

from contract_runner.runner import main

if __name__ == "__main__":
    sys.exit(main())
