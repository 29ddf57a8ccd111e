"""What openapi.yaml promises about each operation, read once into validators and tables.

Everything the proxy checks comes from here, and everything here comes from
the spec: the operations and their paths, the request schema, the statuses
each operation documents, the response schema and headers of each status,
and the errorCodes each status may carry (:func:`crm_contract.error_codes`:
the ``errorCode`` of the response's examples, plus the authentication
failures, which the ``HmacAuth`` table says may come under any of 400, 401
and 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import crm_contract
from crm_contract import resolve_ref
from validating_proxy.schemas import BodyValidator, request_validator, response_validator


@dataclass(frozen=True)
class ResponseContract:
    """One documented status of an operation."""

    status: int
    #: Validates the JSON body (a read validator: response rules); None when no body is documented.
    body: BodyValidator | None
    media_types: frozenset[str]
    #: Documented headers, lower-cased name -> (schema, required).
    headers: dict[str, tuple[dict[str, Any], bool]]
    #: errorCodes this status may carry; empty for a success status.
    error_codes: frozenset[str]


@dataclass(frozen=True)
class OperationContract:
    """One operation of the spec as the proxy checks it."""

    operation_id: str
    method: str
    path: str
    request_media_types: frozenset[str]
    #: Validates the request body (a write validator: request rules).
    request_body: BodyValidator
    responses: dict[int, ResponseContract]


@dataclass(frozen=True)
class Contract:
    """Every operation of openapi.yaml, and every errorCode it documents."""

    operations: dict[tuple[str, str], OperationContract]
    auth_error_codes: frozenset[str]

    @cached_property
    def error_codes(self) -> frozenset[str]:
        """Every errorCode any status of any operation documents."""
        return frozenset(
            code
            for operation in self.operations.values()
            for response in operation.responses.values()
            for code in response.error_codes
        )

    def paths(self) -> list[str]:
        """The spec's paths, sorted."""
        return sorted({path for _, path in self.operations})

    def methods_at(self, path: str) -> list[str]:
        """The methods the spec documents at ``path``, sorted (empty for no such path)."""
        return sorted(method for method, known in self.operations if known == path)

    def find(self, method: str, path: str) -> OperationContract | None:
        """The operation served at ``method path``, if the spec has one.

        >>> load_contract().find("POST", "/crm-core/v1/properties").operation_id
        'createProperty'
        """
        return self.operations.get((method.upper(), path))


def _response_contract(
    spec: dict[str, Any], operation_id: str, status: int, response: dict[str, Any]
) -> ResponseContract:
    response = resolve_ref(spec, response)
    content = response.get("content", {})
    body = None
    if "application/json" in content:
        body = response_validator(spec, content["application/json"]["schema"])
    headers = {}
    for name, header in response.get("headers", {}).items():
        header = resolve_ref(spec, header)
        headers[name.lower()] = (resolve_ref(spec, header["schema"]), bool(header.get("required")))
    codes = crm_contract.error_codes(operation_id, status)
    return ResponseContract(
        status=status,
        body=body,
        media_types=frozenset(content),
        headers=headers,
        error_codes=codes if status >= 400 else frozenset(),
    )


def build_contract(spec: dict[str, Any]) -> Contract:
    """Read ``spec`` (the contract model's document) into a :class:`Contract`."""
    operations: dict[tuple[str, str], OperationContract] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            request = resolve_ref(spec, operation["requestBody"])["content"]
            responses = {
                int(code): _response_contract(spec, operation["operationId"], int(code), response)
                for code, response in operation["responses"].items()
            }
            operations[(method.upper(), path)] = OperationContract(
                operation_id=operation["operationId"],
                method=method.upper(),
                path=path,
                request_media_types=frozenset(request),
                request_body=request_validator(spec, request["application/json"]["schema"]),
                responses=responses,
            )
    return Contract(operations=operations, auth_error_codes=frozenset(crm_contract.auth_failures()))


@cache
def load_contract() -> Contract:
    """openapi.yaml's contract (read once)."""
    return build_contract(crm_contract.document())
