"""The validating proxy in front of a deliberately wrong upstream, and what it never changes.

The upstream is a scripted server on 127.0.0.1 (``tests.recording_server``):
each test says what it answers. Every kind of wrong answer must be reported
exactly once, at the right place; every right answer must reach the client
byte for byte; and nothing in the report may hold a secret or a header value.
"""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from auth_plugin import sign_request
from http_edge.serving import free_port
from mock_server.fixtures import DEMO_ENTITY_ID, DEMO_RECORD_ID
from tests.live_mock import RunningProxy, serve_proxy
from tests.recording_server import RecordingServer, Reply, exchange_raw, recording_server
from tests.spec_tables import response_example
from validating_proxy.forwarding import Upstream, UpstreamAnswer

KEY = "NCSPROXYTESTKEY1"
SECRET = "proxy-test-secret-7f3a9c"
DELETE = "/crm-core/v1/records/bulk/delete"
CREATE = "/crm-core/v1/properties"
DELETE_BODY = {"recordIds": [DEMO_RECORD_ID]}
CREATE_BODY = {"entityId": DEMO_ENTITY_ID, "name": "메모", "fieldType": "TEXT"}
DELETED = response_example("bulkDeleteRecords", 200, "softDelete")
CREATED = response_example("createProperty", 201, "dropdown")
TOO_MANY = {"errorCode": "TooManyRequests", "errorMessage": "잠시 후 다시 시도하세요."}


@pytest.fixture
def upstream() -> Iterator[RecordingServer]:
    with recording_server() as server:
        yield server


@pytest.fixture
def proxy(upstream: RecordingServer, tmp_path: Path) -> Iterator[RunningProxy]:
    with serve_proxy(
        upstream.url, tmp_path / "violations.jsonl", secrets={KEY: SECRET}, timeout=0.5
    ) as running:
        yield running


def signed(content_type: str = "application/json") -> dict[str, str]:
    return {"Authorization": sign_request(KEY, SECRET), "Content-Type": content_type}


def send(
    proxy: RunningProxy, path: str, body: object, client_request_id: str | None = None
) -> httpx.Response:
    headers = signed() | ({"X-Request-Id": client_request_id} if client_request_id else {})
    return httpx.post(
        proxy.url + path, content=json.dumps(body).encode(), headers=headers, timeout=10
    )


def reported(proxy: RunningProxy) -> list[tuple[str, str | None]]:
    return [(line["check"], line["pointer"]) for line in proxy.lines()]


WRONG_ANSWERS = [
    pytest.param(DELETE, DELETE_BODY, Reply(418, {"errorCode": "ValidationError", "errorMessage": "x"}), [("response.status", None)], id="undocumented-status"),
    pytest.param(DELETE, DELETE_BODY, Reply(200, {k: v for k, v in DELETED.items() if k != "deletedCount"}), [("response.body.schema", "/deletedCount")], id="missing-required-field"),
    pytest.param(CREATE, CREATE_BODY, Reply(201, {**CREATED, "isMasked": "yes"}), [("response.body.schema", "/isMasked")], id="wrong-type"),
    pytest.param(DELETE, DELETE_BODY, Reply(200, {**DELETED, "deleted": [{"recordId": DEMO_RECORD_ID, "entityId": 7}]}), [("response.body.schema", "/deleted/0/entityId")], id="wrong-type-nested"),
    pytest.param(DELETE, DELETE_BODY, Reply(400, {"errorCode": "Oops", "errorMessage": "x"}), [("response.error-code.unknown", "/errorCode")], id="unknown-error-code"),
    pytest.param(CREATE, CREATE_BODY, Reply(404, {"errorCode": "DuplicatedName", "errorMessage": "x"}), [("response.error-code.status", "/errorCode")], id="error-code-of-another-status"),
    pytest.param(DELETE, DELETE_BODY, Reply(429, TOO_MANY, headers={"Retry-After": "soon"}), [("response.header", None)], id="retry-after-not-seconds"),
    pytest.param(DELETE, DELETE_BODY, Reply(500, raw_body=b"<h1>oops</h1>", headers={"Content-Type": "text/html"}), [("response.content-type", None), ("response.body.json", "")], id="html-error-page"),
    pytest.param(DELETE, {"recordIds": []}, Reply(200, DELETED), [("request.body.schema", "/recordIds"), ("response.accepted-invalid-request", None)], id="accepted-invalid-request"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "reply", "expected"), WRONG_ANSWERS)
def test_each_wrong_answer_is_reported_exactly_once(
    proxy: RunningProxy,
    upstream: RecordingServer,
    path: str,
    body: object,
    reply: Reply,
    expected: list[tuple[str, str | None]],
) -> None:
    upstream.script.append(reply)
    answer = send(proxy, path, body, client_request_id="partner-test-42")
    assert answer.status_code == reply.status  # forwarded unchanged all the same
    assert answer.content == (
        reply.raw_body if reply.raw_body is not None else json.dumps(reply.body).encode()
    )
    assert reported(proxy) == expected
    lines = proxy.lines()
    assert {line["status"] for line in lines} == {reply.status}
    assert len({line["requestId"] for line in lines}) == 1
    assert {line["clientRequestId"] for line in lines} == {"partner-test-42"}
    assert all(line["expected"] and line["actual"] for line in lines)
    summary = proxy.summary()
    assert summary["violations"] == len(expected)
    assert summary["requests"] == 1


@pytest.mark.parametrize(("path", "body", "reply", "expected"), WRONG_ANSWERS)
def test_fail_on_violation_answers_502_naming_the_checks(
    upstream: RecordingServer,
    tmp_path: Path,
    path: str,
    body: object,
    reply: Reply,
    expected: list[tuple[str, str | None]],
) -> None:
    upstream.script.append(reply)
    with serve_proxy(upstream.url, tmp_path / "v.jsonl", fail_on_violation=True) as proxy:
        answer = send(proxy, path, body)
        assert answer.status_code == 502
        error = answer.json()
        assert error["errorCode"] == "ContractViolation"
        for check, _ in expected:
            if check.startswith("response."):
                assert check in error["errorMessage"]
        assert reported(proxy) == expected


def test_fail_on_violation_forwards_a_right_answer_unchanged(
    upstream: RecordingServer, tmp_path: Path
) -> None:
    upstream.script.extend(
        [Reply(200, DELETED), Reply(429, TOO_MANY, headers={"Retry-After": "30"})]
    )
    with serve_proxy(upstream.url, tmp_path / "v.jsonl", fail_on_violation=True) as proxy:
        assert send(proxy, DELETE, DELETE_BODY).json() == DELETED
        limited = send(proxy, DELETE, DELETE_BODY)
        assert (limited.status_code, limited.headers["retry-after"], limited.json()) == (
            429,
            "30",
            TOO_MANY,
        )
        assert proxy.lines() == []


def test_a_slow_upstream_is_a_504_reported_once(
    proxy: RunningProxy, upstream: RecordingServer
) -> None:
    upstream.script.append(Reply(200, DELETED, delay=3))
    answer = send(proxy, DELETE, DELETE_BODY)
    assert answer.status_code == 504
    assert answer.json()["errorCode"] == "GatewayTimeout"
    assert reported(proxy) == [("upstream.timeout", None)]
    assert proxy.summary()["upstreamFailures"] == 1


def test_an_unreachable_upstream_is_a_502_reported_once(tmp_path: Path) -> None:
    with serve_proxy(f"http://127.0.0.1:{free_port()}", tmp_path / "v.jsonl") as proxy:
        answer = send(proxy, DELETE, DELETE_BODY)
        assert answer.status_code == 502
        assert answer.json()["errorCode"] == "BadGateway"
        assert reported(proxy) == [("upstream.unreachable", None)]


def test_an_oversized_upstream_body_is_a_502(upstream: RecordingServer, tmp_path: Path) -> None:
    upstream.script.append(
        Reply(200, raw_body=b"x" * 5000, headers={"Content-Type": "application/json"})
    )
    with serve_proxy(upstream.url, tmp_path / "v.jsonl", max_body_bytes=1024) as proxy:
        answer = send(proxy, DELETE, DELETE_BODY)
        assert answer.status_code == 502
        assert reported(proxy) == [("upstream.response-too-large", None)]


def test_an_oversized_request_body_is_refused_and_not_forwarded(
    upstream: RecordingServer, tmp_path: Path
) -> None:
    with serve_proxy(upstream.url, tmp_path / "v.jsonl", max_body_bytes=1024) as proxy:
        answer = httpx.post(
            proxy.url + DELETE, content=b"[" + b"1," * 1000 + b"1]", headers=signed()
        )
        assert answer.status_code == 413
        assert answer.json()["errorCode"] == "PayloadTooLarge"
    assert upstream.received == []


# --- unchanged, both ways, and only to the upstream -------------------------------------


def test_the_request_reaches_the_upstream_unchanged(
    proxy: RunningProxy, upstream: RecordingServer
) -> None:
    body = b'{ "recordIds" : [ "%s" ] ,"permanent":false }' % DEMO_RECORD_ID.encode()
    authorization = sign_request(KEY, SECRET)
    headers = [
        ("Authorization", authorization),
        ("Content-Type", "application/json; charset=utf-8"),
        ("User-Agent", "partner-app/1.0"),
        ("X-Dup", "one"),
        ("X-Dup", "two"),
        ("Accept-Encoding", "identity"),
        ("Connection", "keep-alive, X-Hop"),
        ("X-Hop", "for the proxy only"),
        ("X-Name", "고객".encode().decode("latin-1")),  # UTF-8 bytes in a header: any byte passes
    ]
    with httpx.Client() as client:
        request = client.build_request(
            "POST",
            proxy.url + DELETE + "?a=1&b=%2F",
            content=body,
            headers=[(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers],
        )
        assert client.send(request).status_code == 200
    [seen] = upstream.received
    assert (seen.method, seen.path, seen.body) == ("POST", DELETE + "?a=1&b=%2F", body)
    dropped = {b"host", b"content-length", b"connection", b"x-hop"}
    # As bytes on both sides: the upstream's parser decodes them as latin-1.
    forwarded = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in seen.header_list]
    forwarded = [(n, v) for n, v in forwarded if n not in dropped]
    sent = [(n.lower(), v) for n, v in request.headers.raw if n.lower() not in dropped]
    assert (b"X-Hop", b"for the proxy only") in request.headers.raw
    assert (b"x-name", "고객".encode()) in forwarded
    assert sorted(forwarded) == sorted(sent)
    assert seen.headers["Host"] == upstream.url.removeprefix("http://")
    assert seen.headers["Content-Length"] == str(len(body))


def test_the_answer_reaches_the_client_unchanged(
    proxy: RunningProxy, upstream: RecordingServer
) -> None:
    compressed = gzip.compress(json.dumps(DELETED).encode(), mtime=0)
    label = "한글".encode().decode("latin-1")  # UTF-8 bytes, as the server wrote them
    extra = [
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Request-Id", "upstream-7"),
        ("X-Label", label),
    ]
    upstream.script.append(
        Reply(
            200,
            raw_body=compressed,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            header_list=extra,
        )
    )
    with (
        httpx.Client() as client,
        client.stream("POST", proxy.url + DELETE, json=DELETE_BODY, headers=signed()) as answer,
    ):
        raw = b"".join(answer.iter_raw())
        headers = answer.headers.multi_items()
        raw_headers = answer.headers.raw
    assert raw == compressed
    assert [v for n, v in headers if n == "set-cookie"] == ["a=1", "b=2"]
    assert ("x-request-id", "upstream-7") in headers
    assert (b"x-label", "한글".encode()) in raw_headers
    assert ("content-encoding", "gzip") in headers
    server = [v for n, v in headers if n == "server"]
    assert len(server) == 1
    assert "uvicorn" not in server[0]  # the upstream's, not the proxy's
    assert len([v for n, v in headers if n == "date"]) == 1
    assert proxy.lines() == []  # the gzip body was decoded for the checks, and is valid


def test_an_absolute_request_target_still_goes_to_the_upstream(
    proxy: RunningProxy, upstream: RecordingServer
) -> None:
    body = json.dumps(DELETE_BODY).encode()
    answer = exchange_raw(
        proxy.url,
        b"POST http://example.invalid:8080%s HTTP/1.1\r\nHost: example.invalid:8080\r\n"
        b"Authorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s"
        % (DELETE.encode(), sign_request(KEY, SECRET).encode(), len(body), body),
    )
    assert answer.startswith(b"HTTP/1.1 200 ")
    [seen] = upstream.received
    assert seen.path == DELETE
    assert seen.headers["Host"] == upstream.url.removeprefix("http://")


def test_connect_is_refused_and_not_forwarded(
    proxy: RunningProxy, upstream: RecordingServer
) -> None:
    host, port = proxy.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(
            b"CONNECT example.invalid:443 HTTP/1.1\r\nHost: example.invalid:443\r\n\r\n"
        )
        answer = connection.recv(65536)
    assert not answer.startswith(b"HTTP/1.1 200")
    assert upstream.received == []


def test_the_proxys_own_paths_are_not_forwarded(
    proxy: RunningProxy, upstream: RecordingServer
) -> None:
    assert httpx.get(proxy.url + "/_proxy/summary").json()["requests"] == 0
    missing = httpx.get(proxy.url + "/_proxy/other")
    assert (missing.status_code, missing.json()["errorCode"]) == (404, "NotFound")
    assert upstream.received == []


# --- secrets ------------------------------------------------------------------------------


def test_no_secret_or_header_value_reaches_the_report(
    proxy: RunningProxy, upstream: RecordingServer
) -> None:
    headers_sent: list[str] = []

    def post(body: object, authorization: str | None = None) -> None:
        value = authorization or sign_request(KEY, SECRET)
        headers_sent.append(value)
        httpx.post(
            proxy.url + DELETE,
            content=json.dumps(body).encode(),
            headers={"Authorization": value, "Content-Type": "application/json"},
        )

    upstream.script.extend(
        [
            Reply(
                400, {"errorCode": SECRET, "errorMessage": SECRET}
            ),  # an upstream echoing the secret
            Reply(200, {**DELETED, "deletedCount": SECRET}),
        ]
    )
    post({"recordIds": [SECRET]})
    post({"recordIds": [DEMO_RECORD_ID], SECRET: SECRET})
    post(DELETE_BODY, sign_request(KEY, "the-wrong-secret-123"))
    replayed = sign_request(KEY, SECRET)
    post(DELETE_BODY, replayed)
    post(DELETE_BODY, replayed)
    post(
        DELETE_BODY,
        f"HMAC-SHA256 apiKey={KEY}, date=2026-04-23T08:15:30Z, salt={SECRET}, signature={SECRET}",
    )
    text = proxy.report_text()
    checks = {line["check"] for line in proxy.lines()}
    assert {
        "response.error-code.unknown",
        "response.body.schema",
        "request.body.schema",
        "request.authorization.signature",
        "request.authorization.replay",
    } <= checks
    summary = json.dumps(proxy.summary())
    for document in (text, summary):
        assert SECRET not in document
        for value in headers_sent:
            assert value not in document
            assert value.rsplit("signature=", 1)[1] not in document
    assert "[secret]" in text  # blanked, not dropped


class BrokenUpstream(Upstream):
    """Forwarding with a bug in it: the fault the proxy must answer for."""

    async def send(self, *args: object, **kwargs: object) -> UpstreamAnswer:
        raise RuntimeError("a bug")


def test_a_fault_inside_the_proxy_is_a_500_in_the_error_shape(tmp_path: Path) -> None:
    broken = BrokenUpstream("http://127.0.0.1:9")
    with serve_proxy("http://127.0.0.1:9", tmp_path / "v.jsonl", forwarder=broken) as proxy:
        answer = send(proxy, DELETE, DELETE_BODY)
        assert answer.status_code == 500
        assert answer.json()["errorCode"] == "ProxyError"
        assert "RuntimeError" in answer.json()["errorMessage"]
        assert httpx.get(proxy.url + "/_proxy/summary").status_code == 200  # still serving


def test_a_204_comes_back_without_a_body_length(
    proxy: RunningProxy, upstream: RecordingServer
) -> None:
    upstream.script.append(Reply(204, raw_body=b""))
    answer = send(proxy, DELETE, DELETE_BODY)
    assert (answer.status_code, answer.content) == (204, b"")
    assert "content-length" not in answer.headers
    assert reported(proxy) == [("response.status", None)]


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(Reply(999, {"errorCode": "X", "errorMessage": "x"}), id="status-999"),
        pytest.param(
            Reply(200, dict(DELETED), headers={"X-Note": "a\x01b"}), id="control-in-header"
        ),
    ],
)
def test_an_answer_that_cannot_be_forwarded_is_a_502_not_a_closed_connection(
    upstream: RecordingServer, proxy: RunningProxy, reply: Reply
) -> None:
    upstream.script.append(reply)
    answer = send(proxy, DELETE, DELETE_BODY)
    assert answer.status_code == 502
    assert answer.json()["errorCode"] == "BadGateway"
    checks = [check for check, _ in reported(proxy)]
    assert checks == ["upstream.unforwardable"]
    # The status the client got is what the summary counts: no 999 is recorded as answered.
    assert proxy.summary()["upstreamFailures"] == 1
