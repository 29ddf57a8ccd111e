"""Facts the tests read from openapi.yaml's prose tables, so they pin the spec, not the code."""

from __future__ import annotations

import re
from typing import Any

import crm_contract

#: The spec as the mock reads it (one loader, cached).
spec = crm_contract.document


def hmac_description() -> str:
    return str(spec()["components"]["securitySchemes"]["HmacAuth"]["description"])


def auth_statuses() -> dict[str, int]:
    """errorCode -> the status the spec names in its authentication-failure table."""
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| (\d{3}) \|", hmac_description(), re.MULTILINE)
    return {code: int(status) for code, status in rows}


def worked_example() -> dict[str, str]:
    """The inputs and the expected header of the HmacAuth worked example."""
    text = hmac_description()
    key, secret = re.search(r"apiKey `(\w+)`, secret `(\w+)`", text).groups()  # type: ignore[union-attr]
    date = re.search(r"- date `([^`]+)`", text).group(1)  # type: ignore[union-attr]
    salt = re.search(r"- salt `([^`]+)`", text).group(1)  # type: ignore[union-attr]
    signed = re.search(r"the signed string is `([^`]+)`", text).group(1)  # type: ignore[union-attr]
    after = text[text.index("the header is") :]
    header = re.search(r"^Authorization: (HMAC-SHA256 .+)$", after, re.MULTILINE).group(1)  # type: ignore[union-attr]
    return {
        "key": key,
        "secret": secret,
        "date": date,
        "salt": salt,
        "signed": signed,
        "header": header,
    }


def response_example(operation_id: str, status: int, name: str) -> dict[str, Any]:
    """The value of one named response example of an operation."""
    for item in spec()["paths"].values():
        for operation in item.values():
            if operation["operationId"] == operation_id:
                content = operation["responses"][str(status)]["content"]["application/json"]
                value: dict[str, Any] = content["examples"][name]["value"]
                return value
    raise KeyError(operation_id)
