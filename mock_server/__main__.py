"""Entry point of ``python -m mock_server`` (the mock).

``python -m mock_server proxy ...`` hands over to ``python -m validating_proxy``,
an alias kept for one release (CHANGELOG 2.0.0); the mock's start does not pay
for the proxy's validators.
"""

import sys

if sys.argv[1:2] == ["proxy"]:
    from validating_proxy.cli import main as proxy_main

    sys.exit(proxy_main(sys.argv[2:]))

from mock_server.cli import main

sys.exit(main())
