"""Code samples for the published reference: one template per language, filled from the spec.

Each sample signs its request (a fresh date and salt), sends an operation's
request example to the production URL and prints the response body, then
``HTTP <status>``. The tests run every sample against the mock with only the
base URL replaced (``tests/publishing/test_code_samples.py``).

>>> import crm_contract
>>> spec = crm_contract.document()
>>> [sample["label"] for sample in code_samples(spec, "/crm-core/v1/properties", "post")][:3]
["curl: The reference page's example (DROPDOWN with two options)", "Node.js: The reference page's example (DROPDOWN with two options)", "Python: The reference page's example (DROPDOWN with two options)"]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The base URL every published sample calls (the spec's first server).
PRODUCTION = "https://api.solapi.com"


@dataclass(frozen=True)
class Language:
    """A sample language: its ``x-codeSamples`` ``lang`` and ``label``, and its template."""

    lang: str
    label: str
    template: str


LANGUAGES = (
    Language("shell", "curl", "curl.sh.j2"),
    Language("javascript", "Node.js", "node.mjs.j2"),
    Language("python", "Python", "python.py.j2"),
)

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    undefined=jinja2.StrictUndefined,  # a missing value is an error, not an empty string
    keep_trailing_newline=True,
    autoescape=False,  # noqa: S701 - the output is source code, not HTML
)


def snake_case(name: str) -> str:
    """``bulkDeleteRecords`` -> ``bulk_delete_records`` (openapi-python-client's module names).

    >>> snake_case("createProperty")
    'create_property'
    """
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def request_examples(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The operation's JSON request examples by name, in spec order."""
    media = operation["requestBody"]["content"]["application/json"]
    return {name: example["value"] for name, example in media.get("examples", {}).items()}


def request_model(spec: dict[str, Any], operation: dict[str, Any], body: dict[str, Any]) -> str:
    """The generated model class for ``body``: the schema's name, or the discriminated branch."""
    schema_ref: str = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = schema_ref.rsplit("/", 1)[1]
    discriminator = spec["components"]["schemas"][name].get("discriminator")
    if discriminator is not None:
        branch: str = discriminator["mapping"][body[discriminator["propertyName"]]]
        name = branch.rsplit("/", 1)[1]
    return name


def render(
    language: Language,
    spec: dict[str, Any],
    path: str,
    method: str,
    body: dict[str, Any],
    *,
    base_url: str = PRODUCTION,
) -> str:
    """One sample's source: ``language``'s template for this operation and request body."""
    operation = spec["paths"][path][method]
    context = {
        "summary": operation["summary"],
        "method": method.upper(),
        "base_url": base_url,
        "url": base_url + path,
        "body_json": json.dumps(body, ensure_ascii=False, indent=2),
        "body_python": repr(body),
        "python_api_module": f"crm_core_client.api.{snake_case(operation['tags'][0])}",
        "python_function": snake_case(operation["operationId"]),
        "python_model": request_model(spec, operation, body),
    }
    source = _environment.get_template(language.template).render(context)
    return format_python(source) if language.lang == "python" else source


def format_python(source: str) -> str:
    """``source`` as ``ruff format`` (pinned in the dev dependencies) lays it out."""
    finished = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "--line-length", "88",
         "--stdin-filename", "sample.py", "-"],
        input=source, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if finished.returncode != 0:
        raise RuntimeError(f"a Python sample does not parse:\n{finished.stderr}")
    return finished.stdout


def request_example_summaries(operation: dict[str, Any]) -> dict[str, str]:
    """Each request example's summary (its name when it has none), by name."""
    media = operation["requestBody"]["content"]["application/json"]
    return {name: ex.get("summary", name) for name, ex in media.get("examples", {}).items()}


def code_samples(spec: dict[str, Any], path: str, method: str) -> list[dict[str, str]]:
    """The ``x-codeSamples`` of one operation: every request example in every language.

    The label names the language, then the example (the page's example
    selector does not switch custom samples, so each example has its own).
    """
    operation = spec["paths"][path][method]
    summaries = request_example_summaries(operation)
    return [
        {"lang": language.lang, "label": f"{language.label}: {summaries[name]}",
         "source": render(language, spec, path, method, body)}
        for name, body in request_examples(operation).items()
        for language in LANGUAGES
    ]  # fmt: skip
