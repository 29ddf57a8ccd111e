"""The README's code blocks, read from README.md so that the README cannot rot.

Every fenced block other than ``text`` carries a marker on the line before it
that says how the tests run it::

    <!-- readme-test: KIND [expect=TEXT] -->

KIND is ``fresh-clone`` (run by tests/e2e/test_fresh_clone.py in a new clone),
``typescript`` (run by tests/clients/test_typescript_client.py from the packed
package, against a mock), ``background`` (a server, started and waited for),
``shell`` or ``python`` (run in order; the block's output must contain TEXT
when given).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
KINDS = ("fresh-clone", "typescript", "background", "shell", "python")
MARKER = re.compile(r"^<!-- readme-test: (?P<kind>[\w-]+)(?: expect=(?P<expect>.*?))? -->$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of the README and how it is run."""

    line: int
    language: str
    kind: str | None
    expect: str | None
    code: str

    def where(self) -> str:
        return f"README.md:{self.line} ({self.language or 'no language'})"


def readme_blocks(text: str | None = None) -> list[Block]:
    """Every fenced block, with the marker of the line before it (``kind`` None if none).

    >>> blocks = readme_blocks("<!-- readme-test: shell expect=hi -->\\n```sh\\necho hi\\n```\\n")
    >>> (blocks[0].kind, blocks[0].expect, blocks[0].code)
    ('shell', 'hi', 'echo hi\\n')
    """
    lines = (README.read_text(encoding="utf-8") if text is None else text).splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        fence = lines[index]
        if not fence.startswith("```"):
            index += 1
            continue
        marker = MARKER.match(lines[index - 1]) if index > 0 else None
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        code = "".join(line + "\n" for line in lines[index + 1 : end])
        blocks.append(
            Block(
                line=index + 1,
                language=fence[3:].strip(),
                kind=marker["kind"] if marker else None,
                expect=marker["expect"] if marker else None,
                code=code,
            )
        )
        index = end + 1
    return blocks


def runnable_blocks(kind: str) -> list[Block]:
    """The blocks of one kind, in README order."""
    return [block for block in readme_blocks() if block.kind == kind]
