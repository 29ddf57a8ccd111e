"""Partners' own code generators against the published spec: each generates, builds and calls the mock.

``python -m partners`` (``nox -s partners``); the table of generators is
:mod:`partners.generators`, the steps of a cell :mod:`partners.matrix`.
"""
