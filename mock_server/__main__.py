"""Entry point of ``python -m mock_server`` (the mock) and ``python -m mock_server proxy`` (the proxy).

Each imports only its own command: the mock's start does not pay for the
proxy's validators, nor the proxy's for the mock's store.
"""

import sys

if sys.argv[1:2] == ["proxy"]:
    from mock_server.proxy.cli import main as proxy_main

    sys.exit(proxy_main(sys.argv[2:]))

from mock_server.cli import main

sys.exit(main())
