"""What a source of calls cannot show, and why: named in the report instead of counted as a gap."""

from __future__ import annotations

import crm_contract
from contract_coverage.measure import item_names
from contract_coverage.targets import targets


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


def unreachable_read_only() -> dict[tuple[str, str, str], str]:
    """What a read-only run against a live server does not send (no ``--allow-writes``): no
    property creates at all, no permanent deletes."""
    why = "a read-only run sends no property creates (pass --allow-writes WORKSPACE)"
    reasons = {
        ("createProperty", dimension, name): why
        for dimension, names in item_names(targets()["createProperty"]).items()
        for name in names
    }
    reasons[("bulkDeleteRecords", "states", "permanent delete")] = (
        "a read-only run never sends permanent: true (pass --allow-writes WORKSPACE)"
    )
    return reasons
