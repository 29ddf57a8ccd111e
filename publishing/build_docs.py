"""``nox -s docs``: the folder partners get each release, written to ``dist/docs/``.

- ``openapi.yaml`` and ``openapi.json``: the contract bundled by Redocly with
  every ``$ref`` resolved (``--dereferenced``), plus ``x-codeSamples`` for each
  operation (curl, Node.js, Python; ``publishing/code_samples.py``); each
  component schema titled with its name (:func:`titled`), and ``components``
  kept, so that a discriminator's ``mapping`` resolves inside the file; the
  "Generate a client" section (:mod:`publishing.client_guide`) closes
  ``info.description``;
- ``openapi.with-refs.yaml``: the same contract keeping its ``#/components``
  references, for code generators (they name models after components; from
  the resolved file they invent a name per use);
- ``VERSION``: the spec's ``info.version``;
- ``index.html``: one offline page, Scalar's API reference with its script and
  the bundle inlined (no request leaves it).

Run: ``python -m publishing.build_docs [TARGET]`` (default ``dist/docs``).
The same spec gives the same bytes.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import jinja2
import yaml

import crm_contract
from contract_diff.documents import HTTP_METHODS
from npm_tools import TOOLS_DIR, package_file, tool, tool_environment
from publishing import client_guide
from publishing.code_samples import code_samples

ROOT = TOOLS_DIR.parent
DEFAULT_TARGET = ROOT / "dist" / "docs"
SCALAR = "@scalar/api-reference"


def bundle(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every ``$ref`` resolved, as Redocly bundles it."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "openapi.yaml"
        source.write_text(_yaml(document), encoding="utf-8")
        output = Path(scratch) / "bundle.json"
        finished = subprocess.run(
            [str(tool("redocly")), "bundle", str(source), "--dereferenced",
             "--ext", "json", "--output", str(output)],
            cwd=ROOT, env=tool_environment(), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if finished.returncode != 0:
            raise RuntimeError(f"redocly bundle failed:\n{finished.stderr.strip()}")
        bundled: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return bundled


def titled(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with each component schema titled with its name, where a title names one model.

    In the dereferenced bundle every use of a component is an inline copy, and
    code generators name an inline schema after its ``title`` or, without one,
    after where it stands (openapi-generator: ``CreatePropertyRequestOneOf``,
    ``BulkDeleteRecords200Response``). Titled, ``openapi.json`` gives the same
    model names as the files that keep their references. A schema that one
    operation answers with under several statuses (``ErrorBody``) stays
    untitled: openapi-python-client names an inline titled schema
    ``<operation><title>`` and drops every status after the first that would
    repeat the name.

    >>> titled({"components": {"schemas": {"A": {"type": "object"}}}})["components"]
    {'schemas': {'A': {'title': 'A', 'type': 'object'}}}
    """
    result = copy.deepcopy(document)
    repeated = _schemas_repeated_in_an_operation(document)
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if "title" not in schema and name not in repeated:
            result["components"]["schemas"][name] = {"title": name, **schema}
    return result


def _schemas_repeated_in_an_operation(document: dict[str, Any]) -> set[str]:
    """Component schemas that some operation's responses name more than once."""
    responses = document.get("components", {}).get("responses", {})
    repeated: set[str] = set()
    for item in document.get("paths", {}).values():
        for method in HTTP_METHODS:
            seen: set[str] = set()
            for answer in item.get(method, {}).get("responses", {}).values():
                if "$ref" in answer:
                    answer = responses.get(answer["$ref"].rsplit("/", 1)[-1], {})
                for media in answer.get("content", {}).values():
                    name = media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
                    if name in seen:
                        repeated.add(name)
                    seen.add(name)
    return repeated - {""}


def source_spec() -> dict[str, Any]:
    """``openapi.yaml`` as written (one file, internal references only)."""
    return crm_contract.document()


def all_code_samples(source: dict[str, Any]) -> dict[tuple[str, str], list[dict[str, str]]]:
    """The ``x-codeSamples`` of every operation of ``source``, by (path, method)."""
    return {
        (path, method): code_samples(source, path, method)
        for path, item in source["paths"].items()
        for method in HTTP_METHODS
        if method in item
    }


def with_code_samples(
    document: dict[str, Any], samples: dict[tuple[str, str], list[dict[str, str]]]
) -> dict[str, Any]:
    """``document`` with ``samples`` on its operations."""
    for (path, method), operation_samples in samples.items():
        document["paths"][path][method]["x-codeSamples"] = operation_samples
    return document


def with_guide(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the "Generate a client" section at the end of ``info.description``."""
    description = document["info"]["description"].rstrip("\n")
    document["info"]["description"] = f"{description}\n\n{client_guide.section()}"
    return document


def reference_page(document: dict[str, Any]) -> str:
    """The offline HTML reference: Scalar's standalone script and ``document`` inlined."""
    scalar_js = package_file(SCALAR, "dist/browser/standalone.js").read_text(encoding="utf-8")
    scalar_version = json.loads(package_file(SCALAR, "package.json").read_text())["version"]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TOOLS_DIR / "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - both inlined texts are escaped for <script> below
    )
    return environment.get_template("index.html.j2").render(
        title=document["info"]["title"],
        version=document["info"]["version"],
        scalar_version=scalar_version,
        # Inside <script>, only "</" can end the element early; "<\/" means
        # the same to JSON and to JavaScript.
        spec_json=json.dumps(document, ensure_ascii=False).replace("</", "<\\/"),
        scalar_js=scalar_js.replace("</script", "<\\/script"),
    )


def build(target: Path = DEFAULT_TARGET) -> list[Path]:
    """Write the published folder into ``target``; return the files written."""
    source = source_spec()
    # Rendered once for both files: each Python sample is laid out by a ruff process.
    samples = all_code_samples(source)
    document = with_guide(with_code_samples(bundle(titled(source)), samples))
    target.mkdir(parents=True, exist_ok=True)
    files = {
        "openapi.json": json.dumps(document, ensure_ascii=False, indent=2) + "\n",
        "openapi.yaml": _yaml(document),
        "openapi.with-refs.yaml": _yaml(with_code_samples(source, samples)),
        "VERSION": document["info"]["version"] + "\n",
        "index.html": reference_page(document),
    }
    written = []
    for name, text in files.items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else DEFAULT_TARGET
    for path in build(target):
        print(f"{path.stat().st_size:>10,} B  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
