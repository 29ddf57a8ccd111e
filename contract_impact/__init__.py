"""Which recorded partner calls a contract change would break: the impact check.

Rules over two documents (:mod:`contract_diff`) cannot decide everything: a
changed ``pattern`` may or may not refuse what partners send, and a removed
enum value nobody sends breaks nobody. Here every recorded call
(:mod:`traffic`) is checked against the base contract and the changed one: a
request the base accepted and the change refuses, or an answer the base
allowed and clients generated from the change would reject, is a break,
named with the partner's key id and tied to the change that causes it.
"""

from contract_impact.check import Break, BreakKind, Impact, check_impact

__all__ = ["Break", "BreakKind", "Impact", "check_impact"]
