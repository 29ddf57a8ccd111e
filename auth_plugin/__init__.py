"""HMAC-SHA256 authentication for the SOLAPI CRM Core API.

Client side: :class:`HmacAuth` (httpx), :class:`~auth_plugin.requests_auth.HmacRequestsAuth`
(requests), :func:`sign_request`. The server's side (the verifier, the replay memory) is
:mod:`hmac_verifier`, which the partner client wheel does not carry.

>>> import httpx
>>> from auth_plugin import HmacAuth
>>> client = httpx.Client(auth=HmacAuth("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET"))
"""

from auth_plugin.credentials import Credentials, MissingCredentialsError
from auth_plugin.errors import AuthError, ErrorCode
from auth_plugin.header import AuthorizationHeader, parse_header
from auth_plugin.httpx_auth import HmacAuth
from auth_plugin.signing import (
    RequestSigner,
    compute_signature,
    new_date,
    new_salt,
    sign_request,
)

__all__ = [
    "AuthError",
    "AuthorizationHeader",
    "Credentials",
    "ErrorCode",
    "HmacAuth",
    "MissingCredentialsError",
    "RequestSigner",
    "compute_signature",
    "new_date",
    "new_salt",
    "parse_header",
    "sign_request",
]
