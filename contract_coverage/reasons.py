"""What a source of calls cannot show, and why: named in the report instead of counted as a gap."""

from __future__ import annotations

import crm_contract


def unreachable_on_the_mock() -> dict[tuple[str, str, str], str]:
    """(operationId, dimension, item) -> why the mock cannot show it."""
    reasons: dict[tuple[str, str, str], str] = {}
    table = crm_contract.auth_failures()
    lowest = crm_contract.roles()[0]
    for served in crm_contract.operations().values():
        op = served.operation_id
        if served.required_role == lowest:
            reasons[(op, "errorCodes", "403 Forbidden")] = (
                f"every role the contract lists may call it (x-required-role: {lowest}, the lowest)"
            )
        for status in served.statuses:
            if status >= 500:
                why = "the mock has no internal faults: a 5xx comes only from a real server"
                reasons[(op, "statuses", str(status))] = why
                for code in crm_contract.error_codes(op, status):
                    reasons[(op, "errorCodes", f"{status} {code}")] = why
            for code in crm_contract.error_codes(op, status):
                if code in table and table[code] != status:
                    reasons[(op, "errorCodes", f"{status} {code}")] = (
                        f"the mock answers {code} with {table[code]}, the HmacAuth table's status; "
                        f"the contract allows {status} too because the sources disagree"
                    )
    return reasons
