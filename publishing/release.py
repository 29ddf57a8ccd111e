"""A release: its changelog section (``changelog``) and its files (``build``).

``python -m publishing.release changelog``: the CHANGELOG.md section for
``info.version`` — towncrier's fragments from ``changes/`` plus one
"contract" entry per change ``contract_diff`` finds since the newest older
snapshot in ``releases/``, and, with ``CRM_CORE_TRAFFIC`` naming recorded calls, a line
naming the partners (by key id) the change would affect — and the snapshot
``releases/openapi-<version>.yaml``.
Commit both: they are what the next release compares with.

``python -m publishing.release build [OUTDIR]`` (the last step of
``nox -s release``; default ``dist/release``): the Python client's wheel and
sdist, the TypeScript client's npm tarball, the docs folder as ``crm-core-docs-<version>.tar.gz``, the changelog
section as ``CHANGELOG-<version>.md``, with ``--coverage DIR`` the contract run's
coverage report (``coverage-<version>.json|md|html``, what changed since the
last release in ``coverage-changes-<version>.md``, and the snapshot
``releases/coverage-<version>.json`` to commit), and ``SHA256SUMS-<version>``. Every
timestamp is ``SOURCE_DATE_EPOCH`` (default: the commit's time), so two
builds of one commit give the same bytes.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import crm_contract
from contract_diff.documents import compare_documents, resolve
from contract_diff.report import Version
from contract_diff.sources import RELEASES, load, released_versions
from contract_impact.check import check_impact_files
from generators.build_client_wheel import build_client_release
from generators.build_ts_package import pack, stage
from publishing import build_docs
from traffic import TrafficError

ROOT = crm_contract.spec_path().parent
CHANGELOG = ROOT / "CHANGELOG.md"
FRAGMENTS = ROOT / "changes"
DEFAULT_OUTDIR = ROOT / "dist" / "release"


class ReleaseError(Exception):
    """The release cannot be made as asked (the message says what to do)."""


def source_date_epoch() -> int:
    """``SOURCE_DATE_EPOCH`` if set, else the time of the commit being released."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    shown = subprocess.run(
        ["git", "log", "-1", "--format=%ct"],  # noqa: S607 - git from PATH
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if shown.returncode != 0 or not shown.stdout.strip().isdigit():
        raise ReleaseError("not a git checkout: set SOURCE_DATE_EPOCH")
    return int(shown.stdout.strip())


def changelog_section(version: str, changelog: Path = CHANGELOG) -> str:
    """The ``## <version> (...)`` section of CHANGELOG.md, heading included."""
    lines = (
        changelog.read_text(encoding="utf-8").splitlines(keepends=True)
        if changelog.exists()
        else []
    )
    start = next((i for i, line in enumerate(lines) if line.startswith(f"## {version} ")), None)
    if start is None:
        raise ReleaseError(
            f"CHANGELOG.md has no section for {version}: run `nox -s changelog` first"
        )
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "".join(lines[start:end]).rstrip() + "\n"


# --- the changelog ---------------------------------------------------------------------


def contract_entries(version: str) -> list[str]:
    """One changelog line per contract change since the newest release older than ``version``."""
    older = [path for found, path in released_versions() if found < Version.parse(version)]
    if not older:
        return ["First release of the contract: `POST /crm-core/v1/records/bulk/delete` and "
                "`POST /crm-core/v1/properties`."]  # fmt: skip
    base = load(str(older[-1]))
    new = crm_contract.document()
    changes = compare_documents(resolve(base), resolve(new))
    if not changes:
        return [f"No change to the contract since {base['info']['version']}."]
    return [f"**{change.kind.value}**: `{change.where}`: {change.detail} ({change.rule})"
            for change in changes]  # fmt: skip


#: Where recorded partner calls are (glob patterns, separated by the path separator): the
#: changelog then names the partners a change would affect (``contract_impact``).
TRAFFIC_ENV = "CRM_CORE_TRAFFIC"


def traffic_files(value: str | None) -> list[Path]:
    """The traffic files ``CRM_CORE_TRAFFIC`` names; :class:`ReleaseError` if a pattern matches none."""
    files: list[Path] = []
    for pattern in filter(None, (value or "").split(os.pathsep)):
        found = sorted(Path(p) for p in glob.glob(pattern))
        if not found:
            raise ReleaseError(f"{TRAFFIC_ENV}: {pattern!r} matches no file")
        files += found
    return files


def impact_entries(version: str, traffic: Sequence[Path]) -> list[str]:
    """One changelog line saying which recorded partner calls the change would break."""
    older = [path for found, path in released_versions() if found < Version.parse(version)]
    if not traffic or not older:
        return []
    try:
        impact = check_impact_files(traffic, load(str(older[-1])), crm_contract.document())
    except TrafficError as error:
        raise ReleaseError(f"{TRAFFIC_ENV}: {error}") from None
    checked = sum(impact.checked.values())
    if not impact.breaking_calls:
        return [f"Recorded partner calls: none of {checked} would break (`nox -s impact`)."]
    partners: dict[str, int] = {}
    for (_, key), count in impact.broken.items():
        if count:
            partners[key] = partners.get(key, 0) + count
    named = ", ".join(f"`{key}` ({count})" for key, count in sorted(partners.items()))
    return [
        f"**Recorded partner calls this release would break**: {impact.breaking_calls} of "
        f"{checked}, by partner key: {named} (`nox -s impact`)."
    ]


def write_changelog(date: str | None = None, traffic: Sequence[Path] = ()) -> str:
    """Add the section of ``info.version`` to CHANGELOG.md and snapshot the spec; return it.

    With ``traffic`` (recorded calls), the section names the partners the change would affect."""
    version = crm_contract.version()
    if CHANGELOG.exists() and f"\n## {version} " in CHANGELOG.read_text(encoding="utf-8"):
        raise ReleaseError(f"CHANGELOG.md already has {version}: raise info.version first")
    FRAGMENTS.mkdir(exist_ok=True)
    written = []
    entries = contract_entries(version) + impact_entries(version, traffic)
    for number, entry in enumerate(entries, 1):
        fragment = FRAGMENTS / f"+contract-{number:04d}.contract.md"
        fragment.write_text(entry + "\n", encoding="utf-8")
        written.append(fragment)
    command = [sys.executable, "-m", "towncrier", "build", "--yes", "--version", version]
    if date is not None:
        command += ["--date", date]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        for fragment in written:
            fragment.unlink(missing_ok=True)
        raise ReleaseError(f"towncrier failed:\n{finished.stdout}{finished.stderr}")
    RELEASES.mkdir(exist_ok=True)
    shutil.copyfile(crm_contract.spec_path(), RELEASES / f"openapi-{version}.yaml")
    return changelog_section(version)


# --- the release's files -----------------------------------------------------------------


def reproducible_tar_gz(folder: Path, archive: Path, root_name: str, epoch: int) -> None:
    """``folder`` as a .tar.gz whose bytes depend only on the files' contents and ``epoch``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            info = tarfile.TarInfo(f"{root_name}/{path.relative_to(folder).as_posix()}")
            info.size, info.mtime, info.mode = path.stat().st_size, epoch, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with path.open("rb") as content:
                tar.addfile(info, content)
    with (
        archive.open("wb") as raw,
        gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, mtime=epoch, compresslevel=9
        ) as compressed,
    ):
        compressed.write(buffer.getvalue())


def coverage_files(coverage: Path, outdir: Path, version: str) -> list[Path]:
    """The contract run's coverage report as release files, and its snapshot in ``releases/``.

    ``coverage`` holds the run's ``coverage.json``, ``.md`` and ``.html``; they
    become ``coverage-<version>.*`` in ``outdir``, the JSON also
    ``releases/coverage-<version>.json`` (commit it: the next release compares
    with it), and ``coverage-changes-<version>.md`` says, per dimension, how
    the covered share moved since the newest older snapshot.
    """
    sources = [coverage / f"coverage.{suffix}" for suffix in ("json", "md", "html")]
    missing = [path.name for path in sources if not path.is_file()]
    if missing:
        raise ReleaseError(
            f"no coverage report in {coverage} ({', '.join(missing)}): run nox -s contract first"
        )
    files = []
    for source in sources:
        target = outdir / f"coverage-{version}{source.suffix}"
        shutil.copyfile(source, target)
        files.append(target)
    report = json.loads(sources[0].read_text(encoding="utf-8"))
    snapshot = RELEASES / f"coverage-{version}.json"
    RELEASES.mkdir(exist_ok=True)
    shutil.copyfile(sources[0], snapshot)
    changes = outdir / f"coverage-changes-{version}.md"
    changes.write_text(coverage_changes(report, _previous_coverage(version)), encoding="utf-8")
    return [*files, changes]


def _previous_coverage(version: str) -> dict[str, Any] | None:
    older = [
        (Version.parse(path.stem.removeprefix("coverage-")), path)
        for path in RELEASES.glob("coverage-*.json")
        if path.stem.removeprefix("coverage-") != version
    ]
    older = [(v, path) for v, path in older if v < Version.parse(version)]
    if not older:
        return None
    loaded: dict[str, Any] = json.loads(max(older)[1].read_text(encoding="utf-8"))
    return loaded


def coverage_changes(report: dict[str, Any], previous: dict[str, Any] | None) -> str:
    """What changed in coverage since ``previous`` (a release's snapshot), per dimension.

    >>> now = {"contract": "2.1.0", "totals": {"statuses": {"covered": 16, "reachable": 16, "percent": 100.0}}}
    >>> before = {"contract": "2.0.0", "totals": {"statuses": {"covered": 10, "reachable": 16, "percent": 62.5}}}
    >>> print(coverage_changes(now, before).splitlines()[-1])
    | statuses | 62.5% (10/16) | 100% (16/16) | +37.5 |
    """
    lines = [f"## Coverage of {report['contract']}", ""]
    if previous is None:
        lines.append("No earlier release's coverage to compare with.")
        return "\n".join(lines) + "\n"
    lines += [
        f"| dimension | {previous['contract']} | {report['contract']} | change |",
        "|---|---|---|---|",
    ]
    for dimension, now in report["totals"].items():
        then = previous["totals"].get(dimension)
        before = (
            "-" if then is None else f"{then['percent']:g}% ({then['covered']}/{then['reachable']})"
        )
        delta = "" if then is None else f"{now['percent'] - then['percent']:+g}"
        lines.append(
            f"| {dimension} | {before} | {now['percent']:g}% ({now['covered']}/{now['reachable']}) | {delta} |"
        )
    return "\n".join(lines) + "\n"


def build_release(outdir: Path = DEFAULT_OUTDIR, coverage: Path | None = None) -> list[Path]:
    """Write the release's files into ``outdir`` (emptied first); return them, sums last.

    With ``coverage`` (the contract run's reports folder), the coverage report ships too."""
    version = crm_contract.version()
    excerpt = changelog_section(version)
    epoch = source_date_epoch()
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)  # for the wheel and sdist builds
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    files = build_client_release(outdir)
    with tempfile.TemporaryDirectory() as scratch:
        staged = Path(scratch) / "typescript"
        staged.mkdir()
        files.append(pack(stage(staged), outdir))
        docs = Path(scratch) / "docs"
        build_docs.build(docs)
        archive = outdir / f"crm-core-docs-{version}.tar.gz"
        reproducible_tar_gz(docs, archive, f"crm-core-docs-{version}", epoch)
    notes = outdir / f"CHANGELOG-{version}.md"
    notes.write_text(excerpt, encoding="utf-8")
    if coverage is not None:
        files += coverage_files(coverage, outdir, version)
    files = sorted([*files, archive, notes])
    sums = outdir / f"SHA256SUMS-{version}"
    sums.write_text(
        "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in files),
        encoding="utf-8",
    )
    return [*files, sums]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if args[:1] == ["changelog"]:
            print(write_changelog(traffic=traffic_files(os.environ.get(TRAFFIC_ENV))), end="")
            return 0
        if args[:1] == ["build"]:
            rest = args[1:]
            coverage = None
            if "--coverage" in rest:
                at = rest.index("--coverage")
                if at + 1 >= len(rest):
                    raise ReleaseError("--coverage needs the contract run's reports folder")
                coverage = Path(rest[at + 1])
                del rest[at : at + 2]
            outdir = Path(rest[0]) if rest else DEFAULT_OUTDIR
            for path in build_release(outdir, coverage):
                print(f"{path.stat().st_size:>10,} B  {path}")
            return 0
    except ReleaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        "usage: python -m publishing.release changelog | build [OUTDIR] [--coverage DIR]",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
