"""Reports of classified changes: a changelog-ready Markdown list, and the version verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contract_diff.changes import Change, Kind


@dataclass(frozen=True, order=True)
class Version:
    """A ``MAJOR.MINOR.PATCH`` contract version.

    >>> Version.parse("1.2.3").bumped("minor")
    Version(major=1, minor=3, patch=0)
    """

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        parts = str(text).split(".")
        if len(parts) != 3 or not all(part.isdigit() for part in parts):
            raise ValueError(f"info.version {text!r} is not MAJOR.MINOR.PATCH")
        return cls(*(int(part) for part in parts))

    def bumped(self, part: str) -> Version:
        if part == "major":
            return Version(self.major + 1, 0, 0)
        if part == "minor":
            return Version(self.major, self.minor + 1, 0)
        return Version(self.major, self.minor, self.patch + 1)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def needed_bump(changes: Sequence[Change]) -> str | None:
    """The semantic-versioning part a release with ``changes`` must raise (None: no change).

    Breaking (for clients or for the server) -> major; a compatible change
    to what the API accepts or returns -> minor; documentation only -> patch.
    """
    if not changes:
        return None
    if any(change.kind.breaking for change in changes):
        return "major"
    if all(change.rule == "documentation-changed" for change in changes):
        return "patch"
    return "minor"


HEADINGS = {
    Kind.BREAKING_CLIENT: "Breaking for clients",
    Kind.BREAKING_SERVER: "Breaking for the server",
    Kind.COMPATIBLE: "Compatible",
}


#: For ``drift``: the changes read from SOLAPI's document (old) to ours (new).
DRIFT_HEADINGS = {
    Kind.BREAKING_CLIENT: "Ours would break a client written against SOLAPI's document",
    Kind.BREAKING_SERVER: "SOLAPI's server need not do what ours promises",
    Kind.COMPATIBLE: "Ours accepts or documents more",
}


def markdown(changes: Sequence[Change], title: str, headings: dict[Kind, str] = HEADINGS) -> str:
    """``changes`` grouped by kind, as a changelog section."""
    lines = [f"### {title}", ""]
    if not changes:
        lines.append("No change to the contract.")
    for kind, heading in headings.items():
        of_kind = [change for change in changes if change.kind is kind]
        if of_kind:
            lines += [f"#### {heading}", ""]
            lines += [f"- `{change.where}`: {change.detail} ({change.rule})" for change in of_kind]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def verdict(changes: Sequence[Change], base: Version, new: Version) -> tuple[bool, str]:
    """Whether ``new`` may be released after ``base`` with ``changes``, and why."""
    bump = needed_bump(changes)
    if bump is None:
        return True, f"no contract change ({base} -> {new})"
    if bump == "major" and new.major <= base.major:
        breaking = sum(change.kind.breaking for change in changes)
        return False, (
            f"{breaking} breaking change(s) and info.version {base} -> {new}: "
            f"a breaking change needs a major version ({base.bumped('major')})"
        )
    if new <= base:
        return False, f"the contract changed but info.version did not go up from {base}"
    return True, f"{bump} change(s); {base} -> {new} is allowed"
