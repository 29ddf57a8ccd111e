"""Recorded calls: one JSON line per exchange, written by the proxy and the contract run.

The evidence the coverage report (:mod:`contract_coverage`) and the impact
check read: each call's operation, request body, response status and body,
the calling key's id (never its secret) and the time, with every secret the
writer knows blanked out. :mod:`traffic.record` is the format (versioned),
:mod:`traffic.writer` appends it, :mod:`traffic.reader` reads it back with a
clear error naming the line for anything that is not ours.

>>> from traffic import Call
>>> Call.from_json(Call(source="proxy", operation="createProperty", method="POST",
...     path="/crm-core/v1/properties", status=201).to_json()).status
201
"""

from traffic.reader import TrafficError, read_calls
from traffic.record import FORMAT, FORMAT_VERSION, Call
from traffic.redaction import Redactor
from traffic.writer import TrafficWriter

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Call",
    "Redactor",
    "TrafficError",
    "TrafficWriter",
    "read_calls",
]
