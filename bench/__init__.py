"""Benchmarks, each a ratio against a baseline measured in the same run (nox -s bench; bench/README.md)."""
