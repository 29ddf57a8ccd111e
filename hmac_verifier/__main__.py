"""Entry point of ``python -m hmac_verifier``."""

import sys

from hmac_verifier.cli import main

sys.exit(main())
