"""API credentials that keep the secret out of reprs, logs and tracebacks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from auth_plugin.errors import AuthPluginError

API_KEY_ENV = "SOLAPI_API_KEY"
API_SECRET_ENV = "SOLAPI_API_SECRET"  # noqa: S105 - the variable's name, not a secret


class MissingCredentialsError(AuthPluginError):
    """Raised when the key or the secret is not configured."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key and its secret.

    >>> Credentials("NCSXXXXXXXXXXXXX", "YOUR_API_SECRET")
    Credentials(api_key='NCSXXXXXXXXXXXXX', api_secret=<hidden>)
    """

    api_key: str
    api_secret: str

    def __post_init__(self) -> None:
        for name in ("api_key", "api_secret"):
            if not isinstance(getattr(self, name), str):
                kind = type(getattr(self, name)).__name__
                raise TypeError(f"{name} must be a str, got {kind}")  # never the value itself
        if not self.api_key:
            raise MissingCredentialsError("the API key is empty")
        if not self.api_secret:
            raise MissingCredentialsError("the API secret is empty")

    def __repr__(self) -> str:
        return f"Credentials(api_key={self.api_key!r}, api_secret=<hidden>)"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, api_key: str | None = None
    ) -> Credentials:
        """Read ``SOLAPI_API_KEY`` and ``SOLAPI_API_SECRET``; ``api_key`` overrides the key."""
        env = os.environ if environ is None else environ
        key = api_key or env.get(API_KEY_ENV, "")
        secret = env.get(API_SECRET_ENV, "")
        missing = [
            name for name, value in ((API_KEY_ENV, key), (API_SECRET_ENV, secret)) if not value
        ]
        if missing:
            raise MissingCredentialsError(f"set {' and '.join(missing)} in the environment")
        return cls(key, secret)
