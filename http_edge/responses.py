"""``JSONResponse``: Starlette's, rendered by pydantic-core instead of the ``json`` module.

The same bytes (compact separators, UTF-8, key order kept) in about a fifth
of the time: ``json.dumps`` with Starlette's options builds a new encoder on
every call (bench/README.md, "Speed decisions that remain in the code").
"""

from __future__ import annotations

from typing import Any

import pydantic_core
from starlette import responses


class JSONResponse(responses.JSONResponse):
    """A JSON body for every answer of the mock, error or not.

    >>> JSONResponse({"errorCode": "NotFound", "errorMessage": "없음"}).body.decode()
    '{"errorCode":"NotFound","errorMessage":"없음"}'
    """

    def render(self, content: Any) -> bytes:
        return pydantic_core.to_json(content)


def error_body(error_code: str, message: str) -> bytes:
    """The API's error shape as bytes: the same for an app's answer and the protocol's refusals.

    >>> error_body("BadRequest", "잘못된 요청").decode()
    '{"errorCode":"BadRequest","errorMessage":"잘못된 요청"}'
    """
    return pydantic_core.to_json({"errorCode": error_code, "errorMessage": message})
