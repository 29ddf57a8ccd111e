"""Blanking secrets out of what is written: in every form a secret can take in text.

A value is redacted whole, before anything cuts it, so that a cut never
leaves a prefix of a secret behind.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[secret]"


def secret_forms(secret: str) -> set[str]:
    """The forms ``secret`` can take in a line: as given, JSON-escaped, in a Python ``repr``
    (jsonschema quotes values that way in its messages), percent-encoded, base64.

    >>> sorted(secret_forms('a"b/c'))  # doctest: +NORMALIZE_WHITESPACE
    ['YSJiL2', 'YSJiL2M', 'a"b/c', 'a%22b%2Fc', 'a%22b%2fc', 'a\\\\"b/c']
    """
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    for show in (repr, ascii):  # in a longer string: either quote style, so force both
        forms |= {show(secret)[1:-1], show(secret + "'\"")[1:-4]}
        if '"' not in secret:
            forms.add(show(secret + "'")[1:-2])
    for encoded in (quote(secret, safe=""), quote_plus(secret, safe="")):
        forms |= {encoded, re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), encoded)}
    raw = secret.encode("utf-8")
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        text = encode(raw).decode("ascii").rstrip("=")
        # The last character depends on what follows the secret: only the whole groups and
        # the stable part of the last one are sure (both kept: the longer first).
        forms |= {text, text[: len(raw) * 4 // 3]}
    return {form for form in forms if form}


class Redactor:
    """Blanks the given secrets out of text and JSON values.

    >>> redactor = Redactor(["s3cr3t-value"])
    >>> redactor.text("key=s3cr3t-value")
    'key=[secret]'
    >>> redactor.value({"note": ["s3cr3t-value!"], "n": 1})
    {'note': ['[secret]!'], 'n': 1}
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self._forms = sorted(
            {form for secret in secrets if secret for form in secret_forms(secret)},
            key=len,
            reverse=True,
        )

    def __repr__(self) -> str:
        return f"Redactor({len(self._forms)} forms)"

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, value: str) -> str:
        """``value`` with every form of every secret replaced by ``[secret]``."""
        for form in self._forms:
            if form in value:
                value = value.replace(form, REDACTED)
        return value

    def value(self, value: Any) -> Any:
        """A JSON value with every string (keys too) redacted."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(key): self.value(item) for key, item in value.items()}
        return value
