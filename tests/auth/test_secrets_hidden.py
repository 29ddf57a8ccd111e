"""The API secret never shows in a repr, str, log line or exception."""

from __future__ import annotations

import logging

import httpx
import pytest

from auth_plugin import (
    AuthError,
    Credentials,
    HmacAuth,
    MissingCredentialsError,
    sign_request,
)
from auth_plugin.requests_auth import HmacRequestsAuth
from hmac_verifier import Verifier

SECRET = "s3cr3t-VALUE-never-shown"


def test_reprs_hide_the_secret() -> None:
    for thing in (
        Credentials("NCSXXXXXXXXXXXXX", SECRET),
        HmacAuth("NCSXXXXXXXXXXXXX", SECRET),
        HmacRequestsAuth("NCSXXXXXXXXXXXXX", SECRET),
        Verifier({"NCSXXXXXXXXXXXXX": SECRET}.get),
    ):
        assert SECRET not in repr(thing)
        assert SECRET not in str(thing)


def test_verifier_errors_do_not_carry_the_secret() -> None:
    verifier = Verifier({"NCSXXXXXXXXXXXXX": SECRET}.get)
    for header in (
        sign_request("NCSXXXXXXXXXXXXX", "wrong-secret"),
        sign_request("NCSXXXXXXXXXXXXX", SECRET, date="2020-01-01T00:00:00Z"),
        f"HMAC-SHA256 apiKey=NCSXXXXXXXXXXXXX, date=x, salt={SECRET}, signature=x",
    ):
        with pytest.raises(AuthError) as caught:
            verifier.verify(header)
        assert SECRET not in str(caught.value)
        assert SECRET not in repr(caught.value.args)


def test_missing_credentials_message_names_variables_not_values() -> None:
    with pytest.raises(MissingCredentialsError) as caught:
        Credentials.from_env({"SOLAPI_API_SECRET": SECRET})
    assert SECRET not in str(caught.value)


def test_httpx_debug_logs_do_not_show_the_secret(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={})

    caplog.set_level(logging.DEBUG)
    auth = HmacAuth("NCSXXXXXXXXXXXXX", SECRET)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        client.post("https://api.solapi.com/crm-core/v1/properties", json={})
    logging.getLogger("test").debug("auth in use: %r", auth)
    # httpx itself logged the signed request, and the auth's repr was logged:
    # neither shows the secret.
    assert any(record.name.startswith("httpx") for record in caplog.records)
    assert "api_secret=<hidden>" in caplog.text
    assert SECRET not in caplog.text


def test_repr_of_a_half_built_auth_never_raises() -> None:
    half_built = HmacAuth.__new__(HmacAuth)
    assert repr(half_built) == "HmacAuth(api_key=<unset>, api_secret=<hidden>)"


@pytest.mark.parametrize(("key", "secret"), [("NCSXXXXXXXXXXXXX", 12345), (b"NCSX", "s3cret")])
def test_credentials_refuse_non_strings_up_front_without_echoing_them(
    key: object, secret: object
) -> None:
    with pytest.raises(TypeError) as caught:
        Credentials(key, secret)  # type: ignore[arg-type]
    assert "must be a str" in str(caught.value)
    assert "12345" not in str(caught.value)
    assert "s3cret" not in str(caught.value)
