"""Every partner generator against every published spec file: generate, build, call.

A cell is one generator on one file. It passes three steps, each only if
the one before passed:

- **generate**: the generator, as a partner runs it (:mod:`partners.generators`);
- **build**: Python — the generated package ``pip install``-ed (uv, into the
  cell's own folder), imported, and the consumer checked by ``mypy --strict``;
  TypeScript — the generated code and the consumer compiled by ``tsc`` with
  ``strict`` on;
- **calls**: the consumer (``partners/consumers/``) runs against the mock:
  a soft bulk delete whose ``failed[]`` holds both reasons, a permanent
  delete, a DROPDOWN create with options, a TEXT create, and a 409
  ``DuplicatedName`` read through the generated client's own error type;
  then against :mod:`partners.future_server`, whose answers carry a new
  ``fieldType``, a new ``reason`` and unknown fields. What it read comes back
  as JSON and is checked here, and the mock's state is checked too (the
  records really are in the trash or gone, the properties really exist).

``python -m partners`` (``nox -s partners``) prints the table and exits 1
when any cell fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import crm_contract
from http_edge.serving import serve_in_thread
from mock_server.app import create_app
from mock_server.fixtures import load_fixtures
from partners.future_server import FUTURE_FIELD_TYPE, FUTURE_REASON, create_future_app
from partners.generators import CONSUMERS, NODE_MODULES, PARTNERS_DIR, Generator

ROOT = PARTNERS_DIR.parent
FIXTURES = PARTNERS_DIR / "fixtures.yaml"
STEPS = ("generate", "build", "calls")
#: Whatever one step of one cell may take (a cold JVM or tsc included).
STEP_TIMEOUT = 300.0
#: An id of the right form that no fixture has.
UNKNOWN_RECORD = "CRMRC1260423081530999NOPE0000000"
TYPESCRIPT_OPTIONS: dict[str, Any] = {
    "strict": True,
    "target": "ES2022",
    "module": "commonjs",
    "moduleResolution": "node10",
    "esModuleInterop": True,
    "skipLibCheck": True,  # the npm packages' own declarations are theirs to check
    "types": ["node"],
    "lib": ["ES2022", "DOM"],
    "outDir": "dist",
}


NEUTRAL_PYPROJECT = """\
# Written by python -m partners: every generator runs here with its own defaults.
[tool.ruff]
[tool.datamodel-codegen]
"""


@dataclass(frozen=True)
class SpecFile:
    """A published file: its name in the table and where it is."""

    name: str
    path: Path
    #: Every ``$ref`` resolved (``openapi.json``): some generators name models otherwise.
    dereferenced: bool = False


@dataclass(frozen=True)
class Plan:
    """The ids and names one cell's consumer uses (each cell its own)."""

    base_url: str
    future_url: str
    entity_id: str
    trash_first: str
    soft: str
    permanent: str
    dropdown_name: str
    text_name: str
    unknown: str = UNKNOWN_RECORD

    def as_json(self) -> str:
        return json.dumps({
            "baseUrl": self.base_url, "futureUrl": self.future_url, "entityId": self.entity_id,
            "trashFirst": self.trash_first, "soft": self.soft, "unknown": self.unknown,
            "permanent": self.permanent, "dropdownName": self.dropdown_name,
            "textName": self.text_name,
        }, ensure_ascii=False)  # fmt: skip


@dataclass
class Outcome:
    """One cell's result: each step ``ok``, ``FAIL`` or ``-`` (not reached), and why."""

    generator: Generator
    spec: SpecFile
    steps: dict[str, str] = field(default_factory=lambda: dict.fromkeys(STEPS, "-"))
    detail: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(result == "ok" for result in self.steps.values())


class StepFailed(Exception):
    """A step did not pass; the message says what it printed or what differed."""


@dataclass(frozen=True)
class Environment:
    """What the cells share: the servers, the key, the tools, where to work."""

    mock_url: str
    future_url: str
    api_key: str
    api_secret: str = field(repr=False)
    entity_id: str = ""
    work: Path = ROOT / "build" / "partners"
    mypy_cache: Path = ROOT / "build" / "partners-mypy-cache"


def run(command: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``command``; its output, or :class:`StepFailed` with the end of it."""
    try:
        finished = subprocess.run(
            list(command), cwd=cwd, env=env, capture_output=True, text=True,
            timeout=STEP_TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as expired:
        raise StepFailed(f"{Path(command[0]).name}: no answer in {STEP_TIMEOUT:.0f} s") from expired
    except FileNotFoundError as missing:
        raise StepFailed(f"{command[0]} is not installed") from missing
    output = (finished.stdout or "") + (finished.stderr or "")
    if finished.returncode != 0:
        raise StepFailed(f"{Path(command[0]).name} exited {finished.returncode}:\n{output[-4000:]}")
    return output


def _executable(generator: Generator) -> str:
    if generator.source == "npm":
        return str(NODE_MODULES / ".bin" / generator.executable)
    found = shutil.which(generator.executable, path=str(Path(sys.executable).parent))
    return found or generator.executable


def _tool_environment() -> dict[str, str]:
    return {
        **os.environ,
        "NO_UPDATE_NOTIFIER": "1",
        "NPM_CONFIG_UPDATE_NOTIFIER": "false",
        # openapi-generator's own check for a newer release goes to the network.
        "JAVA_OPTS": "-Dopenapi.generator.version.check=false",
    }


def generate(generator: Generator, spec: SpecFile, cell: Path) -> Path:
    """Run ``generator`` on ``spec`` into ``cell/generated``."""
    out = cell / "generated"
    # Each generator writes into a folder of its own making (openapi-python-client refuses one
    # that exists), except those that write a single file.
    if generator.executable in ("orval", "openapi-typescript", "datamodel-codegen"):
        out.mkdir(parents=True)
    run([_executable(generator), *generator.arguments(spec.path, out)], cwd=cell,
        env=_tool_environment())  # fmt: skip
    if not any(out.rglob("*")):
        raise StepFailed(f"{generator.name} wrote nothing")
    return out


def _python_path(cell: Path) -> str:
    return os.pathsep.join([str(cell / "site"), str(cell / "generated"), str(cell)])


def build(generator: Generator, spec: SpecFile, cell: Path, environment: Environment) -> None:
    """Make the generated code usable as a partner would, and check the consumer against it."""
    shutil.copy(CONSUMERS / generator.consumer, cell / generator.consumer)
    if generator.names is not None:
        shutil.copy(CONSUMERS / generator.names[spec.dereferenced], cell / "names.py")
    if generator.language == "python":
        _build_python(generator, cell, environment)
    else:
        _build_typescript(generator, cell)


def _build_python(generator: Generator, cell: Path, environment: Environment) -> None:
    shutil.copy(CONSUMERS / "harness.py", cell / "harness.py")
    if generator.client:
        # The generated project, installed as a partner installs it (its own build backend);
        # its dependencies are the environment's (the nox session installs them).
        project = next(p.parent for p in sorted((cell / "generated").rglob("pyproject.toml")))
        run([sys.executable, "-m", "uv", "pip", "install", "--quiet", "--no-deps",
             "--python", sys.executable, "--target", str(cell / "site"), str(project)],
            cwd=cell)  # fmt: skip
    env = {**os.environ, "PYTHONPATH": _python_path(cell), "MYPYPATH": _python_path(cell)}
    run([sys.executable, "-c", f"import {Path(generator.consumer).stem}"], cwd=cell, env=env)
    # A cache per cell, kept across runs: mypy's cache takes one writer at a time (two cells
    # sharing one failed with mypy's INTERNAL ERROR on a cold run).
    cache = environment.mypy_cache / cell.name
    run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         "--cache-dir", str(cache), "--no-error-summary", generator.consumer],
        cwd=cell, env=env)  # fmt: skip


def _build_typescript(generator: Generator, cell: Path) -> None:
    shutil.copy(CONSUMERS / "harness.ts", cell / "harness.ts")
    tsconfig = {"compilerOptions": TYPESCRIPT_OPTIONS, "files": [generator.consumer]}
    (cell / "tsconfig.json").write_text(json.dumps(tsconfig, indent=2), encoding="utf-8")
    run(["node", str(NODE_MODULES / "typescript" / "bin" / "tsc"), "-p", "tsconfig.json"],
        cwd=cell)  # fmt: skip


def call(generator: Generator, cell: Path, environment: Environment, plan: Plan) -> None:
    """Run the consumer; check what it read and what the mock now holds."""
    env = {
        **os.environ,
        "SOLAPI_API_KEY": environment.api_key,
        "SOLAPI_API_SECRET": environment.api_secret,
        "CRM_PARTNER_PLAN": plan.as_json(),
        "PYTHONPATH": _python_path(cell),
    }
    if generator.language == "python":
        command = [sys.executable, generator.consumer]
    else:
        command = ["node", str(Path("dist") / Path(generator.consumer).with_suffix(".js"))]
    output = run(command, cwd=cell, env=env)
    lines = [line for line in output.splitlines() if line.startswith("{")]
    if not lines:
        raise StepFailed(f"the consumer printed no observations:\n{output[-2000:]}")
    problems = check_observations(json.loads(lines[-1]), plan)
    problems += check_mock_state(environment, plan)
    if problems:
        raise StepFailed("\n".join(problems))


def expected_observations(plan: Plan) -> dict[str, Any]:
    """What a working client reads from the mock and from the future server."""
    spec = crm_contract.document()
    schemas = spec["components"]["schemas"]
    known_reasons = schemas["RecordDeletionFailure"]["properties"]["reason"]["x-extensible-enum"]
    assert FUTURE_REASON not in known_reasons
    field_types = schemas["EntityProperty"]["properties"]["fieldType"]["x-extensible-enum"]
    assert FUTURE_FIELD_TYPE not in field_types
    return {
        "trashFirst": {"deletedCount": 1},
        "soft": {
            "permanent": False,
            "deletedCount": 1,
            "failed": [
                {"recordId": plan.trash_first, "reason": "ALREADY_IN_TRASH"},
                {"recordId": plan.unknown, "reason": "NOT_FOUND"},
            ],
        },
        "permanent": {"permanent": True, "deletedCount": 1, "dateTrashExpires": None},
        "dropdown": {"fieldType": "DROPDOWN", "options": ["IN_PROGRESS", "CLOSED_WON"]},
        "text": {"fieldType": "TEXT"},
        "conflict": {"status": 409, "errorCode": "DuplicatedName"},
        "futureDelete": {"reasons": [FUTURE_REASON]},
        "futureProperty": {"fieldType": FUTURE_FIELD_TYPE},
    }


def check_observations(observed: dict[str, Any], plan: Plan) -> list[str]:
    """Each expected value that the consumer did not read (empty: all read)."""
    property_id = re.compile(
        crm_contract.document()["components"]["schemas"]["PropertyId"]["pattern"]
    )
    problems = []
    for call_name, expected in expected_observations(plan).items():
        seen = observed.get(call_name, {})
        for key, value in expected.items():
            if seen.get(key) != value:
                problems.append(f"{call_name}.{key}: expected {value!r}, read {seen.get(key)!r}")
    for created in ("dropdown", "text"):
        if not property_id.match(str(observed.get(created, {}).get("propertyId", ""))):
            problems.append(f"{created}.propertyId: not a property id")
    return problems


def check_mock_state(environment: Environment, plan: Plan) -> list[str]:
    """The calls really happened: records trashed or gone, properties created."""
    problems = []
    with httpx.Client(base_url=environment.mock_url, timeout=10) as admin:
        for record, state in ((plan.trash_first, 200), (plan.soft, 200), (plan.permanent, 404)):
            found = admin.get(f"/_mock/records/{record}")
            in_trash = found.status_code == 200 and found.json().get("dateDeleted") is not None
            if found.status_code != state or (state == 200 and not in_trash):
                problems.append(
                    f"mock: record {record} is not {'in the trash' if state == 200 else 'gone'}"
                )
        properties = admin.get("/_mock/properties", params={"entityId": plan.entity_id}).json()
        names = {listed["name"] for listed in properties["properties"]}
        for name in (plan.dropdown_name, plan.text_name):
            if name not in names:
                problems.append(f"mock: no property named {name!r}")
    return problems


def run_cell(generator: Generator, spec: SpecFile, environment: Environment, plan: Plan) -> Outcome:
    """All three steps of one cell, in a fresh folder."""
    outcome = Outcome(generator, spec)
    cell = environment.work / _slug(f"{generator.name}--{spec.name}")
    if cell.exists():
        shutil.rmtree(cell)
    cell.mkdir(parents=True)
    started = time.monotonic()
    steps = (
        ("generate", lambda: generate(generator, spec, cell)),
        ("build", lambda: build(generator, spec, cell, environment)),
        ("calls", lambda: call(generator, cell, environment, plan)),
    )
    try:
        for name, step in steps:
            try:
                step()
            except StepFailed as failure:
                outcome.steps[name] = "FAIL"
                outcome.detail = f"{name}: {failure}"
                break
            outcome.steps[name] = "ok"
    finally:
        outcome.seconds = time.monotonic() - started
    return outcome


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower()


def record_ids(mock_url: str, entity_id: str, count: int) -> list[str]:
    """``count`` active records of the entity, from the mock's admin API."""
    answer = httpx.get(
        f"{mock_url}/_mock/records",
        params={"state": "active", "entityId": entity_id, "limit": count}, timeout=10,
    )  # fmt: skip
    answer.raise_for_status()
    ids = [record["recordId"] for record in answer.json()["records"]]
    if len(ids) < count:
        raise RuntimeError(f"{FIXTURES} has {len(ids)} records; the matrix needs {count}")
    return ids


@contextmanager
def servers() -> Iterator[Environment]:
    """The mock (loaded with ``partners/fixtures.yaml``) and the future server, on 127.0.0.1."""
    fixtures = load_fixtures(FIXTURES)
    workspace = fixtures.workspaces[0]
    key = workspace.api_keys[0]
    with ExitStack() as stack:
        mock_url = stack.enter_context(serve_in_thread(create_app(fixtures=fixtures)))
        future_url = stack.enter_context(serve_in_thread(create_future_app()))
        yield Environment(mock_url, future_url, key.api_key, key.api_secret,
                          workspace.entities[0].entity_id)  # fmt: skip


def run_matrix(
    generators: Sequence[Generator],
    specs: Sequence[SpecFile],
    environment: Environment,
    *,
    jobs: int = 2,
) -> list[Outcome]:
    """Every cell, ``jobs`` at a time; outcomes in table order."""
    cells = [(generator, spec) for generator in generators for spec in specs]
    ids = iter(record_ids(environment.mock_url, environment.entity_id, 3 * len(cells)))
    plans = []
    for index, _ in enumerate(cells):
        plans.append(Plan(
            environment.mock_url, environment.future_url, environment.entity_id,
            trash_first=next(ids), soft=next(ids), permanent=next(ids),
            dropdown_name=f"계약 상태 {index}", text_name=f"메모 {index}",
        ))  # fmt: skip
    environment.work.mkdir(parents=True, exist_ok=True)
    # Generators and their formatters look for configuration in the enclosing folders: this
    # file stops them at the work folder, so that none runs with the project's own settings.
    (environment.work / "pyproject.toml").write_text(NEUTRAL_PYPROJECT, encoding="utf-8")
    # Node finds the generated code's npm dependencies (axios, openapi-fetch) from the cells.
    link = environment.work / "node_modules"
    if not link.exists():
        link.symlink_to(NODE_MODULES, target_is_directory=True)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(run_cell, generator, spec, environment, plan)
            for (generator, spec), plan in zip(cells, plans, strict=True)
        ]
        return [future.result() for future in futures]


def table(outcomes: Sequence[Outcome], versions: dict[str, str]) -> str:
    """The matrix as a Markdown table: generator and version x file x steps."""
    lines = [
        "| generator | version | file | generate | build | calls | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for outcome in outcomes:
        steps = " | ".join(outcome.steps[step] for step in STEPS)
        lines.append(
            f"| {outcome.generator.name} | {versions[outcome.generator.name]} | "
            f"{outcome.spec.name} | {steps} | {outcome.seconds:.1f} |"
        )
    return "\n".join(lines)
