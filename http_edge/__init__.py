"""The HTTP edge both servers share: the request-head limits, the error shape, serving on 127.0.0.1.

A fix at the edge is made here once, for the mock and the validating proxy
alike: :mod:`http_edge.protocol` (uvicorn's protocol with head limits and
one write per response), :mod:`http_edge.handlers` (the error shape, the
body limit, Starlette's 404/405), :mod:`http_edge.responses` (JSON bodies),
:mod:`http_edge.serving` (listening sockets, a server in a thread).
"""
