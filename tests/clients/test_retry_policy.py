"""One retry table: the Python and the TypeScript clients retry alike, as openapi.yaml advises.

The TypeScript client's defaults are read from its source (``typescript/src/client.ts``) and
held to the Python client's :class:`~auth_plugin.client.RetryPolicy`, field by field.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import crm_contract
from auth_plugin.client import RetryPolicy

TS_CLIENT = Path(__file__).resolve().parents[2] / "typescript" / "src" / "client.ts"


def typescript_defaults() -> dict[str, object]:
    source = TS_CLIENT.read_text(encoding="utf-8")
    block = re.search(r"const DEFAULT_RETRY: RetryPolicy = \{(.*?)\};", source, re.S)
    assert block, "DEFAULT_RETRY not found in client.ts"
    values: dict[str, object] = {}
    for name, value in re.findall(r"(\w+): ([\w.]+),", block.group(1)):
        number = value.replace("_", "")
        values[name] = value == "true" if value in ("true", "false") else float(number)
    for name in ("REFUSED", "UNKNOWN_OUTCOME"):
        found = re.search(rf"const {name} = new Set\(\[([\d, ]+)\]\);", source)
        assert found, f"{name} not found in client.ts"
        values[name] = frozenset(int(code) for code in found.group(1).split(","))
    return values


def test_both_clients_have_the_same_retry_defaults() -> None:
    python, typescript = RetryPolicy(), typescript_defaults()
    assert typescript == {
        "maxRetries": python.max_retries,
        "backoffMs": python.backoff * 1000,
        "maxBackoffMs": python.max_backoff * 1000,
        "resendOnUnknownOutcome": python.resend_on_unknown_outcome,
        "REFUSED": python.refused_statuses,
        "UNKNOWN_OUTCOME": python.unknown_outcome_statuses,
    }
    # Every field that decides a retry is compared above (the rest are injectable hooks).
    compared = {"max_retries", "backoff", "max_backoff", "resend_on_unknown_outcome",
                "refused_statuses", "unknown_outcome_statuses"}  # fmt: skip
    hooks = {"sleep_jitter", "sleep", "async_sleep"}
    assert {f.name for f in fields(RetryPolicy)} == compared | hooks


def test_the_retried_statuses_are_the_ones_openapi_yaml_advises() -> None:
    policy = RetryPolicy()
    spec = crm_contract.document()
    for served in crm_contract.operations().values():
        operation = spec["paths"][served.path][served.method.lower()]
        # 429 is documented for every operation; the unknown-outcome statuses are named in
        # each operation's advice on re-sending.
        assert policy.refused_statuses <= set(served.statuses)
        advice = re.sub(r"\s+", " ", operation["description"])
        assert re.search(r"502, 503,? (or )?504", advice), served.operation_id
    assert policy.unknown_outcome_statuses == {502, 503, 504}
    assert 500 not in policy.unknown_outcome_statuses | policy.refused_statuses
