"""A validating proxy: real traffic checked against openapi.yaml on its way to a real server.

``python -m validating_proxy --upstream URL`` listens on 127.0.0.1 and
forwards every request, unchanged, to the upstream and every answer,
unchanged, back; on the way it checks both against the contract and writes
each violation as one JSON line.

Layers: :mod:`~validating_proxy.contract` (what openapi.yaml promises per
operation), :mod:`~validating_proxy.checks` and
:mod:`~validating_proxy.authorization` (pure checks that return
:class:`~validating_proxy.checks.Violation`\\ s),
:mod:`~validating_proxy.report` (the JSON-lines file and the counts),
:mod:`~validating_proxy.forwarding` (the upstream over httpx),
:mod:`~validating_proxy.app` (the ASGI app) and
:mod:`~validating_proxy.cli`.

>>> from validating_proxy import create_proxy_app
>>> app = create_proxy_app(upstream="http://127.0.0.1:9")
"""

from validating_proxy.app import create_proxy_app

__all__ = ["create_proxy_app"]
