"""What a test needs from outside the repository, and what it does when that is missing.

Locally a missing tool or folder is a skip that names what is missing; under
``CI=true`` it is a failure, because CI installs everything the suite needs
and a skip there would pass a run that tested nothing.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """True when ``CI=true`` (as CI sets it)."""
    return os.environ.get("CI") == "true"


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``; fail instead under CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required, not skipped)")
    pytest.skip(reason)


def require_tool(name: str, needed_for: str) -> str:
    """The path of command ``name``, or skip/fail saying what it was needed for."""
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} not installed: {needed_for}")
    return path
