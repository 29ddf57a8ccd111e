"""A validating proxy: real traffic checked against openapi.yaml on its way to a real server.

``python -m mock_server proxy --upstream URL`` listens on 127.0.0.1 and
forwards every request, unchanged, to the upstream and every answer,
unchanged, back; on the way it checks both against the contract and writes
each violation as one JSON line.

Layers: :mod:`~mock_server.proxy.contract` (what openapi.yaml promises per
operation), :mod:`~mock_server.proxy.checks` and
:mod:`~mock_server.proxy.authorization` (pure checks that return
:class:`~mock_server.proxy.checks.Violation`\\ s),
:mod:`~mock_server.proxy.report` (the JSON-lines file and the counts),
:mod:`~mock_server.proxy.forwarding` (the upstream over httpx),
:mod:`~mock_server.proxy.app` (the ASGI app) and
:mod:`~mock_server.proxy.cli`.

>>> from mock_server.proxy import create_proxy_app
>>> app = create_proxy_app(upstream="http://127.0.0.1:9")
"""

from mock_server.proxy.app import create_proxy_app

__all__ = ["create_proxy_app"]
