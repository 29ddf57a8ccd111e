"""``HmacRequestsAuth``: the same signing for partners who use ``requests``.

``requests`` is an optional dependency (``pip install ".[requests]"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auth_plugin.credentials import Credentials
from auth_plugin.signing import RequestSigner

try:
    from requests.auth import AuthBase
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "HmacRequestsAuth needs the 'requests' package: pip install requests"
    ) from error

if TYPE_CHECKING:
    from requests import PreparedRequest


class HmacRequestsAuth(AuthBase):
    """A ``requests`` auth that signs every prepared request afresh.

    >>> import requests
    >>> session = requests.Session()
    >>> session.auth = HmacRequestsAuth("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET")
    >>> session.auth
    HmacRequestsAuth(api_key='NCSXXXXXXXXXXXXX', api_secret=<hidden>)
    """

    def __init__(self, api_key: str, api_secret: str) -> None:
        credentials = Credentials(api_key, api_secret)  # refuses empty values
        self._signer = RequestSigner(credentials.api_key, credentials.api_secret)

    def __repr__(self) -> str:
        return f"HmacRequestsAuth(api_key={self._signer.api_key!r}, api_secret=<hidden>)"

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers["Authorization"] = self._signer.header()
        return request
