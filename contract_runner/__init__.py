"""The contract run, the project's main job: schemathesis against the embedded mock or a live server.

``python -m contract_runner`` (``nox -s contract``); :mod:`contract_runner.runner`
plans and runs it, :mod:`contract_runner.hooks` signs every case.
"""
