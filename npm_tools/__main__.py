"""``python -m npm_tools TOOL [ARGS...]``: run a pinned publishing tool (Redocly, Spectral)."""

import sys

from npm_tools import main

if __name__ == "__main__":
    sys.exit(main())
