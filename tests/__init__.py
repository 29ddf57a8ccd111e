"""The tests, by package (tests/mock, tests/proxy, ...); shared helpers at this level."""
