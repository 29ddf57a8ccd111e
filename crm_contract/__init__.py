"""The contract model: ``openapi.yaml`` read once, and the facts every other part asks of it.

Operations (path, method, role, request schema, statuses), ``info.version``,
the roles in rank order and the request body limit (``info``'s extensions),
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
    example_message,
    field_types,
    inline_refs,
    max_request_body_bytes,
    operation,
    operations,
    request_body_schema,
    resolve_ref,
    response_body_schema,
    role_rank,
    roles,
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
    "example_message",
    "field_types",
    "inline_refs",
    "max_request_body_bytes",
    "operation",
    "operations",
    "request_body_schema",
    "resolve_ref",
    "response_body_schema",
    "role_rank",
    "roles",
    "spec_path",
    "version",
]
