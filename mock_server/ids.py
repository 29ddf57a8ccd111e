"""Ids in the API's format: prefix + ``1`` + yyMMddHHmmssSSS + 11 letters/digits."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

_ALPHABET = string.ascii_letters + string.digits
# Random byte -> id character, for bytes.translate. The modulo favours 8 of 62
# characters by 1/256: irrelevant for a mock's ids.
_BYTE_TO_CHARACTER = bytes(ord(_ALPHABET[byte % len(_ALPHABET)]) for byte in range(256))


def new_id(prefix: str, now: datetime) -> str:
    """A fresh id for ``prefix`` (``CRMPP``, ``CRMRC``, ...) created at ``now``.

    >>> len(new_id("CRMPP", datetime(2026, 4, 23, tzinfo=UTC)))
    32
    """
    # One system call for all 11 characters (secrets.choice makes one each).
    suffix = secrets.token_bytes(11).translate(_BYTE_TO_CHARACTER).decode("ascii")
    return format_id(prefix, now, suffix)


def format_id(prefix: str, created: datetime, suffix: str) -> str:
    """Compose an id from its parts.

    >>> format_id("CRMRC", datetime(2026, 4, 23, 8, 15, 30, 123000, tzinfo=UTC), "REC11122233")
    'CRMRC1260423081530123REC11122233'
    """
    if len(prefix) != 5 or len(suffix) != 11:
        raise ValueError("prefix must have 5 characters and suffix 11")
    t = created if created.tzinfo is UTC else created.astimezone(UTC)
    # Fields, not strftime: strftime goes through the C library's locale machinery.
    return (
        f"{prefix}1{t.year % 100:02d}{t.month:02d}{t.day:02d}{t.hour:02d}{t.minute:02d}"
        f"{t.second:02d}{t.microsecond // 1000:03d}{suffix}"
    )
