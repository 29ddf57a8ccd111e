"""What the coverage report costs (issue 29): 100,000 recorded proxy calls, and a contract run.

Run: ``nox -s bench -- coverage``. Goals: the report of 100,000 proxy traffic
lines in at most 2 s on this machine's two cores, and at most 5% added to a
contract run's wall time. Baselines measured in the same run: reading the
same lines with ``json.loads`` alone (the floor: every line must be parsed),
and the contract run itself. Nothing is asserted.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

from contract_coverage.measure import measure, measure_files
from contract_coverage.reasons import unreachable_on_the_mock
from contract_coverage.render import html, markdown
from contract_coverage.report import build_report
from contract_runner import runner
from contract_runner.reach import reach
from contract_runner.recorded import har_calls
from mock_server.fixtures import load_fixtures
from traffic import Call, TrafficWriter

CALLS = 100_000
FIELD_TYPES = ["TEXT", "NUMBER", "DROPDOWN", "DATE", "EMAIL", "RATING"]


def recorded_calls(count: int, seed: int = 29) -> list[Call]:
    """Calls like a partner's staging traffic: both operations, mostly right, a few odd."""
    rng = random.Random(seed)
    calls = []
    for n in range(count):
        if n % 2:
            ids = [
                f"CRMRC1260423081530123REC{rng.randrange(10**8):08d}"
                for _ in range(rng.randint(1, 20))
            ]
            answer = {
                "permanent": False, "requestedCount": len(ids), "deletedCount": len(ids) - 1,
                "failedCount": 1, "deleted": [{"recordId": i, "entityId": "CRMET1260423081530123XYZ11122233"} for i in ids[1:]],
                "failed": [{"recordId": ids[0], "reason": rng.choice(["NOT_FOUND", "ALREADY_IN_TRASH"]), "errorMessage": "x"}],
                "dateDeleted": "2026-12-06T10:00:00.000Z", "dateTrashExpires": "2026-12-20T10:00:00.000Z",
            }  # fmt: skip
            calls.append(Call(source="proxy", operation="bulkDeleteRecords", method="POST",
                              path="/crm-core/v1/records/bulk/delete", status=rng.choice([200, 200, 200, 403, 418]),
                              request_body={"recordIds": ids}, response_body=answer, key_id=f"NCSPARTNER{n % 7:06d}"))  # fmt: skip
        else:
            field_type = rng.choice(FIELD_TYPES)
            body = {
                "entityId": "CRMET1260423081530123XYZ11122233",
                "name": f"p{n}",
                "fieldType": field_type,
            }
            answer = {"propertyId": "CRMPP1260423081530123ABCDEFGHIJK", "entityId": body["entityId"], "name": body["name"],
                      "fieldType": field_type, "isMasked": False, "key": None, "propertyGroupId": None,
                      "dateCreated": "2026-12-06T10:00:00.000Z", "dateUpdated": "2026-12-06T10:00:00.000Z"}  # fmt: skip
            calls.append(Call(source="proxy", operation="createProperty", method="POST", path="/crm-core/v1/properties",
                              status=rng.choice([201, 201, 201, 409]), request_body=body, response_body=answer,
                              key_id=f"NCSPARTNER{n % 7:06d}"))  # fmt: skip
    return calls


def proxy_lines() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "calls.jsonl"
        with TrafficWriter(path) as writer:
            for call in recorded_calls(CALLS):
                writer.write(call)
        size = path.stat().st_size
        started = time.perf_counter()
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                json.loads(line)
        floor = time.perf_counter() - started
        started = time.perf_counter()
        report = build_report(measure_files([path]))
        measured = time.perf_counter() - started
        started = time.perf_counter()
        markdown(report), html(report)
        rendered = time.perf_counter() - started
    total = measured + rendered
    print(f"{CALLS:,} proxy traffic lines ({size / 2**20:.1f} MiB): report in {total:.2f} s "
          f"(read + measure {measured:.2f} s, render {rendered:.2f} s); json.loads alone {floor:.2f} s "
          f"({total / floor:.1f}x the floor); goal <= 2 s: {'met' if total <= 2 else 'MISSED'}")  # fmt: skip
    print(
        f"  findings: {len(report['findings'])}, e.g. {report['findings'][0]['kind']} {report['findings'][0]['value']}"
    )


def contract_run() -> None:
    fixtures = load_fixtures(runner.CONTRACT_FIXTURES)
    with runner.embedded_mock(fixtures) as url:
        started = time.perf_counter()
        reached = reach(url, fixtures)
        reach_seconds = time.perf_counter() - started
    print(
        f"reach phase alone: {len(reached)} scripted calls in {reach_seconds:.2f} s (new cases, not the report)"
    )
    with tempfile.TemporaryDirectory() as scratch:
        reports = Path(scratch)
        started = time.perf_counter()
        run = runner.execute(["--reports", str(reports)])
        wall = time.perf_counter() - started
        assert run.summary is not None
        calls = list(
            har_calls(reports / "requests.har.json", key_id=runner.CONTRACT_KEY, key_role="OWNER")
        )
        started = time.perf_counter()
        report = build_report(measure(calls), unreachable_on_the_mock())
        markdown(report), html(report)
        coverage = time.perf_counter() - started
    print(f"contract run: {wall:.1f} s wall in all (reach phase and report included); "
          f"the report of its {len(calls)} calls {coverage:.2f} s = {100 * coverage / wall:.1f}% "
          f"of the run; goal <= 5%: {'met' if coverage <= 0.05 * wall else 'MISSED'}")  # fmt: skip


def main() -> None:
    proxy_lines()
    contract_run()


if __name__ == "__main__":
    main()
