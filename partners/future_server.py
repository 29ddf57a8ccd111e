"""A server that answers as the API may answer tomorrow: values and fields nobody knows yet.

The contract's response bodies are open (openapi.yaml, "Response bodies are
open"): a client generated today must read an answer that carries a new
``fieldType``, a new failure ``reason`` and fields it has never seen. This
server answers both operations with the spec's own response examples,
changed just so; a generated client passes when it reads them without
raising and hands back the new values as they came.

>>> body = future_property()
>>> body["fieldType"], body["visibility"]
('SIGNATURE', {'list': True})
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import crm_contract
from crm_contract import operation

#: Values the spec does not list (``x-extensible-enum``), as a later API version might send.
FUTURE_FIELD_TYPE = "SIGNATURE"
FUTURE_REASON = "LOCKED_BY_IMPORT"


def _example(operation_id: str, status: str, name: str) -> dict[str, Any]:
    served = operation(operation_id)
    answer = crm_contract.document()["paths"][served.path][served.method.lower()]["responses"][
        status
    ]
    value: dict[str, Any] = answer["content"]["application/json"]["examples"][name]["value"]
    return value


def future_deletion() -> dict[str, Any]:
    """The spec's soft-delete answer with a new reason and unknown fields at every level."""
    body = _example("bulkDeleteRecords", "200", "softDelete")
    body["failed"][0]["reason"] = FUTURE_REASON
    body["failed"][0]["retryable"] = True
    body["deleted"][0]["entityName"] = "고객"
    body["requestId"] = "req-1"
    return body


def future_property() -> dict[str, Any]:
    """The spec's DROPDOWN answer with a new ``fieldType`` and unknown fields."""
    body = _example("createProperty", "201", "dropdown")
    body["fieldType"] = FUTURE_FIELD_TYPE
    body["options"][0]["icon"] = "star"
    body["visibility"] = {"list": True}
    return body


async def _deletion(request: Request) -> Response:
    await request.body()
    return JSONResponse(future_deletion())


async def _property(request: Request) -> Response:
    await request.body()
    return JSONResponse(future_property(), status_code=201)


def create_future_app() -> Starlette:
    """Both operations at their spec paths, answered with :func:`future_deletion` and
    :func:`future_property` whatever the request (it is never checked)."""
    deletion, creation = operation("bulkDeleteRecords"), operation("createProperty")
    return Starlette(
        routes=[
            Route(deletion.path, _deletion, methods=[deletion.method]),
            Route(creation.path, _property, methods=[creation.method]),
        ]
    )
