"""A stateful mock of the SOLAPI CRM Core API, driven by openapi.yaml.

>>> from mock_server import create_app
>>> app = create_app()  # in memory, demo fixtures
"""

from mock_server.app import create_app

__all__ = ["create_app"]
