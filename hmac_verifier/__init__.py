"""The server's side of HMAC-SHA256 authentication: verifying a signed header, remembering signatures.

Not in the partner client wheel, which carries signing only (:mod:`auth_plugin`).
:class:`Verifier` runs the server's checks in the API's order; :class:`ReplayCache`
keeps the accepted signatures of the 15-minute window per API key, within a
budget per key. ``python -m hmac_verifier verify`` debugs a header offline.

>>> verifier = Verifier({"NCSXXXXXXXXXXXXX": "YOUR_API_SECRET"}.get)
"""

from hmac_verifier.replay_cache import DEFAULT_MAX_PER_KEY, WINDOW, ReplayCache
from hmac_verifier.verification import (
    VerifiedRequest,
    Verifier,
    outside_window,
    signature_matches,
)

__all__ = [
    "DEFAULT_MAX_PER_KEY",
    "WINDOW",
    "ReplayCache",
    "VerifiedRequest",
    "Verifier",
    "outside_window",
    "signature_matches",
]
