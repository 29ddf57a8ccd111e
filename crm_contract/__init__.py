"""The contract model: ``openapi.yaml`` read once, and the facts every other part asks of it.

Operations (path, method, role, request schema, statuses), ``info.version``,
the authentication failures (errorCode -> status, from the ``HmacAuth``
table), the errorCodes each status documents and their messages (the
examples), the field types. It imports
nothing of the project's own (``[tool.importlinter]``); the mock, the proxy,
the runner, the generators, the published folder and the tests ask it
instead of parsing the spec themselves.

>>> operation("bulkDeleteRecords").path
'/crm-core/v1/records/bulk/delete'
>>> auth_failures()["InvalidAPIKey"]
400
"""

from crm_contract.model import (
    DocumentedError,
    Operation,
    auth_failure_statuses,
    auth_failures,
    document,
    error_catalogue,
    error_codes,
    field_types,
    operation,
    operations,
    resolve_ref,
    spec_path,
    version,
)

__all__ = [
    "DocumentedError",
    "Operation",
    "auth_failure_statuses",
    "auth_failures",
    "document",
    "error_catalogue",
    "error_codes",
    "field_types",
    "operation",
    "operations",
    "resolve_ref",
    "spec_path",
    "version",
]
