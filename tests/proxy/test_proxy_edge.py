"""The proxy against hostile input from either side: each class of issue 28, with its limit.

The upstream here is :func:`tests.recording_server.raw_upstream`, which
writes bytes no server framework would: answers followed by more bytes,
bodies labelled gzip that are not, compressed bombs.
"""

from __future__ import annotations

import gzip
import json
import socket
import tracemalloc
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth_plugin import sign_request
from mock_server.fixtures import DEMO_RECORD_ID
from tests.live_mock import RunningProxy, serve_proxy
from tests.recording_server import (
    RawUpstream,
    exchange_raw,
    http_answer,
    raw_upstream,
    recording_server,
)
from tests.spec_tables import response_example

KEY = "NCSPROXYEDGEKEY1"
SECRET = "proxy-edge-secret-0c41d7"
DELETE = "/crm-core/v1/records/bulk/delete"
DELETE_BODY = {"recordIds": [DEMO_RECORD_ID]}
DELETED = json.dumps(response_example("bulkDeleteRecords", 200, "softDelete")).encode()
JSON = ("Content-Type", "application/json")


@pytest.fixture
def upstream() -> Iterator[RawUpstream]:
    with raw_upstream() as server:
        yield server


def serve(
    upstream: RawUpstream, tmp_path: Path, **options: object
) -> AbstractContextManager[RunningProxy]:
    return serve_proxy(upstream.url, tmp_path / "violations.jsonl", timeout=5, **options)


@dataclass
class Answer:
    status_code: int
    headers: httpx.Headers
    #: The body's bytes as they came (never decoded by httpx).
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


def send(client: httpx.Client, proxy: RunningProxy) -> Answer:
    """One signed bulk delete."""
    request = client.build_request(
        "POST", proxy.url + DELETE, json=DELETE_BODY,
        headers={"Authorization": sign_request(KEY, SECRET)}, timeout=10,
    )  # fmt: skip
    answer = client.send(request, stream=True)
    raw = b"".join(answer.iter_raw())
    answer.close()
    return Answer(answer.status_code, answer.headers, raw)


def checks(proxy: RunningProxy) -> list[str]:
    return [line["check"] for line in proxy.lines()]


# --- strict framing: a connection with stray bytes is discarded ------------------------


@pytest.mark.parametrize("later", [False, True], ids=["with-the-answer", "while-idle"])
def test_bytes_after_an_answer_never_become_the_next_answer(
    upstream: RawUpstream, tmp_path: Path, later: bool
) -> None:
    stray = http_answer(200, b'{"poisoned": true}', JSON)
    first = http_answer(200, DELETED, JSON)
    upstream.script.append((first, stray) if later else first + stray)
    second = DELETED.replace(b"deletedCount", b"deletedCount", 1)
    upstream.script.append(http_answer(200, second, JSON, ("X-Answer", "second")))
    with serve(upstream, tmp_path) as proxy, httpx.Client() as client:
        assert send(client, proxy).content == DELETED
        if later:
            import time

            time.sleep(0.5)  # the stray bytes arrive while the connection is idle
        answer = send(client, proxy)
    assert answer.headers.get("x-answer") == "second"
    assert b"poisoned" not in answer.content
    assert len(upstream.connections) == 2  # the first connection was not reused
    assert checks(proxy) == []


def test_a_clean_connection_is_reused(upstream: RawUpstream, tmp_path: Path) -> None:
    upstream.script += [http_answer(200, DELETED, JSON)] * 3
    with serve(upstream, tmp_path) as proxy, httpx.Client() as client:
        for _ in range(3):
            assert send(client, proxy).status_code == 200
    assert len(upstream.connections) == 1


# --- bounded decompression ---------------------------------------------------------------


def test_a_compressed_bomb_is_forwarded_but_never_inflated_past_the_limit(
    upstream: RawUpstream, tmp_path: Path
) -> None:
    bomb = gzip.compress(b"[" + b"0," * 10_000_000 + b"0]", mtime=0)  # 20 MB from ~20 KB
    assert len(bomb) < 100_000
    upstream.script.append(http_answer(200, bomb, JSON, ("Content-Encoding", "gzip")))
    # Responses up to 4 x 64 KiB: the bomb's compressed bytes fit, its inflated ones do not.
    with serve(upstream, tmp_path, max_body_bytes=64 * 1024) as proxy, httpx.Client() as client:
        tracemalloc.start()
        try:
            with client.stream("POST", proxy.url + DELETE, json=DELETE_BODY,
                               headers={"Authorization": sign_request(KEY, SECRET)}) as answer:  # fmt: skip
                raw = b"".join(answer.iter_raw())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert answer.status_code == 200
    assert raw == bomb  # forwarded as the upstream sent it
    assert peak < 5 * 1024 * 1024  # inflating it whole would take 20 MB
    assert checks(proxy) == ["response.body.inflated-too-large"]


def test_a_high_ratio_past_the_first_mib_is_refused_too(
    upstream: RawUpstream, tmp_path: Path
) -> None:
    bomb = gzip.compress(b" " * (3 * 1024 * 1024) + DELETED, mtime=0)  # ~1000:1, under 8 MiB
    upstream.script.append(http_answer(200, bomb, JSON, ("Content-Encoding", "gzip")))
    with serve(upstream, tmp_path) as proxy, httpx.Client() as client:
        assert send(client, proxy).status_code == 200
    [line] = proxy.lines()
    assert line["check"] == "response.body.inflated-too-large"
    assert "ratio" in line["expected"]


@pytest.mark.parametrize(
    ("body", "encoding", "check"),
    [
        pytest.param(DELETED, "gzip", "response.body.encoding", id="labelled-gzip-but-plain"),
        pytest.param(gzip.compress(DELETED)[:-12], "gzip", "response.body.encoding", id="truncated-gzip"),
        pytest.param(gzip.compress(DELETED) + b"junk", "gzip", "response.body.encoding", id="junk-after-gzip"),
        pytest.param(DELETED, "br", "response.content-encoding", id="an-encoding-it-cannot-decode"),
    ],
)  # fmt: skip
def test_a_body_that_is_not_what_its_encoding_says_is_a_violation(
    upstream: RawUpstream, tmp_path: Path, body: bytes, encoding: str, check: str
) -> None:
    upstream.script.append(http_answer(200, body, JSON, ("Content-Encoding", encoding)))
    with serve(upstream, tmp_path) as proxy, httpx.Client() as client:
        answer = send(client, proxy)
        assert (answer.status_code, answer.headers["content-encoding"]) == (200, encoding)
        assert answer.content == body  # forwarded as sent
    assert checks(proxy) == [check]


def test_under_fail_on_violation_a_false_gzip_label_is_a_502(
    upstream: RawUpstream, tmp_path: Path
) -> None:
    upstream.script.append(http_answer(200, DELETED, JSON, ("Content-Encoding", "gzip")))
    with serve(upstream, tmp_path, fail_on_violation=True) as proxy, httpx.Client() as client:
        answer = send(client, proxy)
    assert (answer.status_code, answer.json()["errorCode"]) == (502, "ContractViolation")
    assert "response.body.encoding" in answer.json()["errorMessage"]


def test_deflate_in_either_form_is_decoded(upstream: RawUpstream, tmp_path: Path) -> None:
    raw_deflate = zlib.compressobj(wbits=-15)
    upstream.script.append(
        http_answer(200, zlib.compress(DELETED), JSON, ("Content-Encoding", "deflate"))
    )
    upstream.script.append(
        http_answer(200, raw_deflate.compress(DELETED) + raw_deflate.flush(), JSON,
                    ("Content-Encoding", "deflate"))
    )  # fmt: skip
    with serve(upstream, tmp_path) as proxy, httpx.Client() as client:
        assert send(client, proxy).status_code == 200
        assert send(client, proxy).status_code == 200
    assert checks(proxy) == []


# --- one path, checked and forwarded ------------------------------------------------------


def raw_request(
    proxy: RunningProxy,
    target: bytes = DELETE.encode(),
    body: bytes = b"{}",
    authorization: str | None = None,
) -> bytes:
    """POST ``target`` exactly as given (httpx would resolve its dot segments first), signed
    unless ``authorization`` is given; the answer's bytes."""
    signed = authorization if authorization is not None else sign_request(KEY, SECRET)
    return exchange_raw(
        proxy.url,
        b"POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
        % (target, signed.encode(), len(body), body),
    )


def own_refusals(proxy: RunningProxy) -> list[str]:
    """The checks of the report's lines about the proxy's own refusals and faults."""
    return [line["check"] for line in proxy.lines() if line["check"].startswith("proxy.")]


def test_a_dot_segment_path_is_checked_as_the_operation_it_reaches(tmp_path: Path) -> None:
    with recording_server() as upstream, serve_proxy(upstream.url, tmp_path / "v.jsonl") as proxy:
        answer = raw_request(proxy, b"/crm-core/v1/entities/%2E%2E/records/./bulk/delete?x=1")
        assert answer.startswith(b"HTTP/1.1 200 ")
        [seen] = upstream.received
        assert seen.path == DELETE + "?x=1"  # forwarded as it was checked
        lines = proxy.lines()
        assert {line["operation"] for line in lines} == {"bulkDeleteRecords"}
        # The request's body ({}) was checked against the operation the upstream ran.
        assert {line["check"] for line in lines} >= {
            "request.path.dot-segments",
            "request.body.schema",
        }


@pytest.mark.parametrize(
    "target",
    [b"/../crm-core/v1/properties", b"/crm-core/../../x", b"/crm-core/v1/records%2F..%2F..%2Fproperties"],
    ids=["above-the-root", "above-the-root-later", "dots-behind-encoded-slashes"],
)  # fmt: skip
def test_a_path_above_the_root_is_refused_and_not_forwarded(tmp_path: Path, target: bytes) -> None:
    with recording_server() as upstream, serve_proxy(upstream.url, tmp_path / "v.jsonl") as proxy:
        answer = raw_request(proxy, target)
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert b'"errorCode":"InvalidPath"' in answer
        assert upstream.received == []
        assert [line["check"] for line in proxy.lines()] == ["proxy.path"]


# --- every refusal is a violation ----------------------------------------------------------


def test_each_refusal_of_the_proxys_own_is_a_violation(tmp_path: Path) -> None:
    with (
        recording_server() as upstream,
        serve_proxy(
            upstream.url, tmp_path / "v.jsonl", max_body_bytes=1024, fail_on_violation=True
        ) as proxy,
    ):
        too_large = raw_request(proxy, DELETE.encode(), b"[" + b"1," * 1000 + b"1]")
        assert too_large.startswith(b"HTTP/1.1 413 ")
        host, port = proxy.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(
                b"POST /x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
            )
            assert connection.recv(65536).startswith(b"HTTP/1.1 431 ")
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(b"GARBAGE\r\n\r\n")
            assert connection.recv(65536).startswith(b"HTTP/1.1 400 ")
        raw_request(proxy, DELETE.encode())
        summary = proxy.summary()
    assert own_refusals(proxy) == [
        "proxy.body-too-large",
        "proxy.head-too-large",
        "proxy.bad-request",
    ]
    assert summary["violations"] == len(proxy.lines())
    assert [seen.body for seen in upstream.received] == [b"{}"]  # only the last one was forwarded


def test_a_slow_request_body_is_a_408_and_a_violation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import http_edge.handlers

    monkeypatch.setattr(http_edge.handlers, "BODY_TIMEOUT_SECONDS", 0.3)
    with recording_server() as upstream, serve_proxy(upstream.url, tmp_path / "v.jsonl") as proxy:
        host, port = proxy.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(
                b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{" % DELETE.encode()
            )
            answer = connection.recv(65536)
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b'"errorCode":"RequestTimeout"' in answer
        assert upstream.received == []
        assert [line["check"] for line in proxy.lines()] == ["proxy.body-timeout"]


def test_a_fault_is_a_violation_too(tmp_path: Path) -> None:
    from tests.proxy.test_proxy_upstream import BrokenUpstream

    broken = BrokenUpstream("http://127.0.0.1:9")
    with serve_proxy("http://127.0.0.1:9", tmp_path / "v.jsonl", forwarder=broken) as proxy:
        assert raw_request(proxy, DELETE.encode()).startswith(b"HTTP/1.1 500 ")
        assert proxy.summary()["violations"] == 1
    [line] = proxy.lines()
    assert (line["check"], line["operation"], line["status"]) == (
        "proxy.fault",
        "bulkDeleteRecords",
        500,
    )


def test_a_key_past_its_replay_budget_gets_429_with_retry_after(tmp_path: Path) -> None:
    with (
        recording_server() as upstream,
        serve_proxy(
            upstream.url, tmp_path / "v.jsonl", secrets={KEY: SECRET}, replay_budget=1
        ) as proxy,
    ):
        assert raw_request(proxy, DELETE.encode()).startswith(b"HTTP/1.1 200 ")
        refused = raw_request(proxy, DELETE.encode())
        assert refused.startswith(b"HTTP/1.1 429 ")
        head = refused.split(b"\r\n\r\n", 1)[0].lower()
        assert b"\r\nretry-after: " in head
        assert b'"errorCode":"TooManyRequests"' in refused
        assert len(upstream.received) == 1
        assert own_refusals(proxy) == ["proxy.replay-budget"]


# --- bodies the parser and the report must survive -------------------------------------------


@pytest.mark.parametrize("side", ["request", "response"])
def test_deep_nesting_is_a_violation_not_a_500(tmp_path: Path, side: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with raw_upstream() as upstream, serve_proxy(upstream.url, tmp_path / "v.jsonl") as proxy:
        if side == "response":
            upstream.script.append(http_answer(200, b'{"deletedCount": ' + deep + b"}", JSON))
            answer = raw_request(proxy, body=json.dumps(DELETE_BODY).encode())
        else:
            answer = raw_request(proxy, body=b'{"recordIds": ' + deep + b"}")
        assert answer.startswith(b"HTTP/1.1 200 ")
    assert f"{side}.body.too-deep" in checks(proxy)


def test_a_lone_surrogate_is_reported_in_a_valid_line(tmp_path: Path) -> None:
    body = b'{"recordIds": ["\\ud800x", "\\udc00", "\\ud83d\\ude00"], "permanent": "\\u2028"}'
    with raw_upstream() as upstream, serve_proxy(upstream.url, tmp_path / "v.jsonl") as proxy:
        answer = raw_request(proxy, body=body)
        assert answer.startswith(b"HTTP/1.1 200 ")  # the upstream's answer, not the proxy's 500
        raw = proxy.report_text().encode("utf-8", "surrogatepass")
    raw.decode("utf-8")  # every line is valid UTF-8
    assert b"\xe2\x80\xa8" not in raw  # U+2028 is escaped, so no reader splits a line at it
    lines = raw.split(b"\n")[:-1]
    assert all(json.loads(line) for line in lines)
    assert "request.body.json" in checks(proxy)
    assert len(raw.splitlines()) == len(lines)


def test_no_line_grows_with_the_body_and_an_exchange_writes_at_most_50(tmp_path: Path) -> None:
    huge_key = "k" * 800_000
    many = {f"extra{i}": i for i in range(500)}
    with raw_upstream() as upstream, serve_proxy(upstream.url, tmp_path / "v.jsonl") as proxy:
        raw_request(proxy, body=json.dumps({"recordIds": ["x" * 800_000], huge_key: 1}).encode())
        raw_request(proxy, body=json.dumps({"recordIds": [DEMO_RECORD_ID], **many}).encode())
        summary = proxy.summary()
    lines = proxy.report_text().split("\n")[:-1]
    assert max(len(line) for line in lines) < 2_000
    second = [json.loads(line) for line in lines if json.loads(line)["requestId"].endswith("2")]
    assert len(second) == 51
    assert second[-1]["check"] == "report.truncated"
    assert int(second[-1]["actual"].removesuffix(" more")) >= 450
    # Counted all the same.
    assert summary["operations"]["bulkDeleteRecords"]["violations"]["request.body.schema"] >= 500


# --- secrets, in every form ------------------------------------------------------------------

TRICKY = 'se"cr\\et/ 고+%'


def test_a_secret_never_reaches_the_report_in_any_form(tmp_path: Path) -> None:
    from urllib.parse import quote

    secrets = {KEY: TRICKY}
    escaped = json.dumps(TRICKY)[1:-1]
    with (
        raw_upstream() as upstream,
        serve_proxy(upstream.url, tmp_path / "v.jsonl", secrets=secrets) as proxy,
    ):
        # JSON-escaped in a body value, cut at 200 characters right through the secret.
        raw_request(proxy, body=json.dumps({"recordIds": ["x" * 190 + TRICKY]}).encode())
        # Percent-encoded in the path (an unknown operation, reported with its path).
        raw_request(proxy, b"/crm-core/v1/" + quote(TRICKY, safe="").encode())
        raw_request(proxy, b"/crm-core/v1/" + quote(TRICKY, safe="").lower().encode())
        # In the response, under an unknown field.
        upstream.script.append(http_answer(200, json.dumps({"leak": TRICKY * 3}).encode(), JSON))
        raw_request(proxy, body=json.dumps(DELETE_BODY).encode())
        # Pasted into the Authorization header, and a malformed one holding a signature.
        for value in (
            f"HMAC-SHA256 apiKey={KEY}, date=2026-04-23T08:15:30Z, salt={TRICKY}, signature={TRICKY}",
            f"HMAC-SHA256 apiKey={KEY}, date={TRICKY}, salt=0123456789abcdef, signature={'ab' * 32}",
            f"HMAC-SHA256 apiKey={KEY} date=2026 signature={'cd' * 32}",
        ):
            raw_request(proxy, body=json.dumps(DELETE_BODY).encode(), authorization=value)
    text = proxy.report_text()
    assert "[secret]" in text
    for form in (TRICKY, escaped, quote(TRICKY, safe=""), quote(TRICKY, safe="").lower()):
        assert form not in text
    # No prefix of the secret left by a cut (the secret's first 6 characters, in any form).
    assert TRICKY[:6] not in text
    assert escaped[:6] not in text
    for run in ("ab" * 8, "cd" * 8):
        assert run not in text  # no run of a signature from a malformed header


def test_the_clients_request_id_is_kept_cut_and_redacted(tmp_path: Path) -> None:
    with (
        raw_upstream() as upstream,
        serve_proxy(upstream.url, tmp_path / "v.jsonl", secrets={KEY: SECRET}) as proxy,
    ):
        httpx.post(
            proxy.url + DELETE, content=b"{}", headers={"X-Request-Id": "t-" + SECRET + "y" * 500}
        )
    [*lines] = proxy.lines()
    assert lines
    assert all(line["clientRequestId"].startswith("t-[secret]y") for line in lines)
    assert all(len(line["clientRequestId"]) <= 100 for line in lines)


def test_a_second_content_type_is_a_violation_either_way(tmp_path: Path) -> None:
    with (
        raw_upstream() as upstream,
        serve_proxy(upstream.url, tmp_path / "v.jsonl", fail_on_violation=True) as proxy,
    ):
        upstream.script.append(http_answer(200, DELETED, JSON, ("Content-Type", "text/plain")))
        body = json.dumps(DELETE_BODY).encode()
        answer = exchange_raw(
            proxy.url,
            b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (DELETE.encode(), len(body), body),
        )
    assert answer.startswith(b"HTTP/1.1 502 ")  # under --fail-on-violation
    found = checks(proxy)
    assert "request.duplicate-content-type" in found
    assert "response.duplicate-content-type" in found


# --- the traffic file --------------------------------------------------------------------


def test_every_exchange_is_a_traffic_line_with_secrets_blanked(tmp_path: Path) -> None:
    from traffic import read_calls

    traffic = tmp_path / "calls.jsonl"
    answer = http_answer(200, json.dumps({**json.loads(DELETED), "echo": SECRET}).encode(), JSON)
    with raw_upstream() as upstream, serve_proxy(
        upstream.url, tmp_path / "v.jsonl", secrets={KEY: SECRET}, traffic_path=traffic,
        hash_key_ids=True,
    ) as proxy:  # fmt: skip
        upstream.script.append(answer)
        raw_request(
            proxy, body=json.dumps({"recordIds": [DEMO_RECORD_ID], "note": SECRET}).encode()
        )
        raw_request(proxy, b"/crm-core/v1/properties", b"not json")
        proxy.summary()  # the second exchange's line is written after its answer
    calls = [call for _, _, call in read_calls([traffic])]
    assert [(c.operation, c.status) for c in calls] == [
        ("bulkDeleteRecords", 200),
        ("createProperty", 200),
    ]
    first, second = calls
    assert first.request_body == {"recordIds": [DEMO_RECORD_ID], "note": "[secret]"}
    assert first.response_body["echo"] == "[secret]"
    assert first.key_id is not None
    assert first.key_id.startswith("sha256:")
    assert second.request_body is None
    assert second.request_note == "not JSON"
    text = traffic.read_text(encoding="utf-8")
    assert SECRET not in text
    assert KEY not in text
    assert (traffic.stat().st_mode & 0o777) == 0o600
