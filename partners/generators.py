"""The code generators partners use, each with the command that runs it as a partner would.

No generator gets a flag that works around the spec: each runs with its
defaults, told only where the spec is, where to write, and (where the
generator asks for one) a package name. The versions are the pinned ones:
``partners/package-lock.json`` for npm, ``PARTNER_GENERATORS`` in
``noxfile.py`` for PyPI; :func:`installed_version` reads what is installed.

>>> [generator.name for generator in GENERATORS][:3]
['openapi-generator python', 'openapi-generator typescript-fetch', 'openapi-generator typescript-axios']
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Literal

PARTNERS_DIR = Path(__file__).resolve().parent
NODE_MODULES = PARTNERS_DIR / "node_modules"
CONSUMERS = PARTNERS_DIR / "consumers"

#: The package the openapi-generator `python` client is generated as.
PYTHON_PACKAGE = "crm_client"
#: The module datamodel-code-generator writes.
MODELS_MODULE = "crm_models"

Arguments = Callable[[Path, Path], list[str]]


@dataclass(frozen=True)
class Generator:
    """One generator: how to run it on a spec into a folder, and the consumer that calls it.

    ``executable`` is an npm tool in ``partners/node_modules/.bin`` (``source ==
    "npm"``) or a console script of the Python environment (``source == "pypi"``).
    ``client`` is false for a generator of types or models only: its consumer
    sends the requests with a plain HTTP client and reads the answers with them.
    """

    name: str
    language: Literal["python", "typescript"]
    source: Literal["npm", "pypi"]
    package: str
    executable: str
    arguments: Arguments
    consumer: str
    client: bool = True
    #: Modules the consumer imports its model names from, as ``names.py``: one for files that
    #: keep their ``$ref``s and one for the dereferenced file (where this generator names
    #: models otherwise); ``None`` when the names are the same for every file.
    names: tuple[str, str] | None = None


def _openapi_generator(target: str) -> Arguments:
    def arguments(spec: Path, out: Path) -> list[str]:
        named = (
            [f"--additional-properties=packageName={PYTHON_PACKAGE}"] if target == "python" else []
        )
        return ["generate", "-i", str(spec), "-g", target, "-o", str(out), *named]

    return arguments


# fmt: off
GENERATORS: tuple[Generator, ...] = (
    Generator(
        "openapi-generator python", "python", "pypi", "openapi-generator-cli",
        "openapi-generator-cli", _openapi_generator("python"),
        "openapi_generator_python.py",
        names=("openapi_generator_python_names.py", "openapi_generator_python_names_dereferenced.py"),
    ),
    Generator(
        "openapi-generator typescript-fetch", "typescript", "pypi", "openapi-generator-cli",
        "openapi-generator-cli", _openapi_generator("typescript-fetch"),
        "openapi-generator-typescript-fetch.ts",
    ),
    Generator(
        "openapi-generator typescript-axios", "typescript", "pypi", "openapi-generator-cli",
        "openapi-generator-cli", _openapi_generator("typescript-axios"),
        "openapi-generator-typescript-axios.ts",
    ),
    Generator(
        "@hey-api/openapi-ts", "typescript", "npm", "@hey-api/openapi-ts", "openapi-ts",
        lambda spec, out: ["-i", str(spec), "-o", str(out)],
        "hey-api-openapi-ts.ts",
    ),
    Generator(
        "orval", "typescript", "npm", "orval", "orval",
        lambda spec, out: ["--input", str(spec), "--output", str(out / "client.ts")],
        "orval.ts",
    ),
    Generator(
        "swagger-typescript-api", "typescript", "npm", "swagger-typescript-api",
        "swagger-typescript-api",
        lambda spec, out: ["generate", "-p", str(spec), "-o", str(out), "-n", "api.ts"],
        "swagger-typescript-api.ts",
    ),
    Generator(
        "openapi-python-client", "python", "pypi", "openapi-python-client",
        "openapi-python-client",
        lambda spec, out: ["generate", "--path", str(spec), "--output-path", str(out)],
        "openapi_python_client_consumer.py",
        names=("openapi_python_client_names.py", "openapi_python_client_names_dereferenced.py"),
    ),
    Generator(
        "datamodel-code-generator", "python", "pypi", "datamodel-code-generator",
        "datamodel-codegen",
        lambda spec, out: [
            "--input", str(spec), "--input-file-type", "openapi",
            "--output-model-type", "pydantic_v2.BaseModel",
            "--output", str(out / f"{MODELS_MODULE}.py"),
        ],
        "datamodel_code_generator_consumer.py",
        client=False,
    ),
    Generator(
        "openapi-typescript", "typescript", "npm", "openapi-typescript", "openapi-typescript",
        lambda spec, out: [str(spec), "-o", str(out / "schema.ts")],
        "openapi-typescript.ts",
        client=False,
    ),
)
# fmt: on


def installed_version(generator: Generator) -> str:
    """The version of ``generator`` that is installed (npm: in ``partners/node_modules``)."""
    if generator.source == "pypi":
        return version(generator.package)
    manifest = NODE_MODULES / generator.package / "package.json"
    installed: str = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    return installed
