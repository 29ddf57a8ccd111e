"""Every shell and Python block of README.md runs, in order, as a reader would run it.

The blocks run from the repository's root in this test environment, which
is what the README's "activated" environment is (the project installed with
every extra). The only change made to them: the ports the README uses
(8080, 8081) are replaced by free ones, so that a developer's own mock on
8080 neither breaks the test nor receives its requests.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from http_edge.serving import free_port
from tests.readme import KINDS, ROOT, Block, readme_blocks

PORT_PATTERN = re.compile(r"(?<=127\.0\.0\.1:)(\d{4,5})\b|(?<=--port )(\d{4,5})\b")


def test_every_code_block_says_how_it_is_run() -> None:
    blocks = readme_blocks()
    assert blocks
    for block in blocks:
        if block.language == "text":
            assert block.kind is None, f"{block.where()}: a text block is not run"
            continue
        assert block.kind in KINDS, (
            f"{block.where()}: no '<!-- readme-test: KIND -->' marker ({', '.join(KINDS)})"
        )
        if block.kind in ("shell", "background", "fresh-clone"):
            assert block.language == "sh", f"{block.where()}: shell blocks are ```sh"
        if block.kind == "python":
            assert block.language == "python", f"{block.where()}: python blocks are ```python"
        if block.kind == "typescript":
            assert block.language == "ts", f"{block.where()}: typescript blocks are ```ts"


def _ports(blocks: list[Block]) -> dict[str, str]:
    used = {m.group(0) for block in blocks for m in PORT_PATTERN.finditer(block.code)}
    return {port: str(free_port()) for port in sorted(used)}


def _localised(block: Block, ports: dict[str, str]) -> str:
    return PORT_PATTERN.sub(lambda match: ports[match.group(0)], block.code)


def _wait_for_port(code: str, process: subprocess.Popen[bytes], log: Path) -> None:
    port = int(re.search(r"--port (\d+)", code).group(1))  # type: ignore[union-attr]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"background block exited ({process.returncode}): {log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"background block never listened on {port}: {log.read_text()}")


def _read_env(path: Path) -> dict[str, str]:
    entries = path.read_bytes().split(b"\0")
    return dict(entry.decode().split("=", 1) for entry in entries if b"=" in entry)


@pytest.fixture
def background() -> Iterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


@pytest.mark.timeout(600)
def test_the_readme_blocks_run_in_order(
    tmp_path: Path, background: list[subprocess.Popen[bytes]]
) -> None:
    # fresh-clone and typescript blocks are run by their own tests.
    blocks = [
        block for block in readme_blocks() if block.kind not in (None, "fresh-clone", "typescript")
    ]
    ports = _ports(blocks)
    env = dict(os.environ)
    # The "activated" environment: this interpreter's scripts first on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = sys.prefix
    for name in ("SOLAPI_API_KEY", "SOLAPI_API_SECRET"):
        env.pop(name, None)  # only what the README itself exports
    for number, block in enumerate(blocks):
        code = _localised(block, ports)
        log = tmp_path / f"block-{number}.log"
        if block.kind == "background":
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    ["bash", "-c", code],
                    cwd=ROOT,
                    env=env,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            background.append(process)
            _wait_for_port(code, process, log)
            continue
        if block.kind == "python":
            command = [sys.executable, "-c", code]
        else:  # shell: exports carry over to the blocks after it, as in one terminal
            state = tmp_path / f"env-{number}"
            command = ["bash", "-c", f"set -euo pipefail\n{code}\nenv -0 > {state}"]
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=540
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{block.where()} failed:\n{code}\n{output[-4000:]}"
        if block.expect:
            assert block.expect in output, f"{block.where()}: no {block.expect!r} in\n{output}"
        if block.kind == "shell":
            env = _read_env(state)
