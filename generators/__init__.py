"""Building the clients partners install: the Python client wheel and the TypeScript package (nox -s build)."""
