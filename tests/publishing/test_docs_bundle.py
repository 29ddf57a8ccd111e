"""The published folder (``nox -s docs``): the bundle, its code samples, the page's size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

import crm_contract
from contract_diff.documents import HTTP_METHODS
from partners.generators import GENERATORS
from publishing import build_docs, client_guide
from publishing.code_samples import LANGUAGES, render, request_examples

SPEC = crm_contract.document()
ROOT = Path(__file__).resolve().parents[2]
#: A partner opens the page offline: Scalar plus the spec must stay light.
MAX_PAGE_BYTES = 6 * 1024 * 1024


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, item[method])
        for path, item in document["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


@pytest.fixture(scope="module")
def bundle(published_docs: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((published_docs / "openapi.json").read_text("utf-8"))
    return document


def test_the_folder_holds_the_bundle_in_yaml_and_json_and_its_version(
    published_docs: Path, bundle: dict[str, Any]
) -> None:
    assert sorted(p.name for p in published_docs.iterdir()) == [
        "VERSION", "index.html", "openapi.json", "openapi.with-refs.yaml", "openapi.yaml",
    ]  # fmt: skip
    from_yaml = yaml.safe_load((published_docs / "openapi.yaml").read_text("utf-8"))
    assert from_yaml == bundle
    with_refs = yaml.safe_load((published_docs / "openapi.with-refs.yaml").read_text("utf-8"))
    validate(with_refs)
    # The generators' file is the source spec plus the samples, nothing else.
    for item in with_refs["paths"].values():
        for operation in item.values():
            del operation["x-codeSamples"]
    assert with_refs == SPEC
    assert (published_docs / "VERSION").read_text() == SPEC["info"]["version"] + "\n"
    assert bundle["info"]["version"] == SPEC["info"]["version"]


def test_every_ref_is_resolved_and_the_bundle_is_valid_openapi(bundle: dict[str, Any]) -> None:
    assert refs(SPEC), "the source spec uses $ref: the check below means something"
    assert refs(bundle) == []
    validate(bundle)  # openapi-spec-validator, the same gate as the source spec
    assert [(path, method) for path, method, _ in operations(bundle)] == [
        (path, method) for path, method, _ in operations(SPEC)
    ]


def test_every_operation_carries_every_example_in_every_language(bundle: dict[str, Any]) -> None:
    for path, method, operation in operations(bundle):
        expected = [
            render(language, SPEC, path, method, body)
            for body in request_examples(SPEC["paths"][path][method]).values()
            for language in LANGUAGES
        ]
        samples = operation["x-codeSamples"]
        assert [sample["source"] for sample in samples] == expected
        assert {sample["lang"] for sample in samples} == {lang.lang for lang in LANGUAGES}
        assert len({sample["label"] for sample in samples}) == len(samples)


def test_every_published_operation_is_documented_with_examples(bundle: dict[str, Any]) -> None:
    for path, method, operation in operations(bundle):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation.get("description"), where
        assert request_examples(operation), f"{where}: no request example"
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json", {})
            assert media.get("examples") or "example" in media, f"{where} {status}: no example"


def test_the_build_is_reproducible_and_the_page_is_small(
    published_docs: Path, tmp_path: Path
) -> None:
    build_docs.build(tmp_path)
    for name in ("openapi.json", "openapi.yaml", "openapi.with-refs.yaml", "VERSION", "index.html"):
        assert (tmp_path / name).read_bytes() == (published_docs / name).read_bytes(), name
    assert (published_docs / "index.html").stat().st_size <= MAX_PAGE_BYTES


def _pointer(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _discriminators(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node["discriminator"]] if "discriminator" in node else []
        return found + [d for value in node.values() for d in _discriminators(value)]
    if isinstance(node, list):
        return [d for value in node for d in _discriminators(value)]
    return []


def test_every_discriminator_mapping_resolves_inside_the_dereferenced_file(
    bundle: dict[str, Any],
) -> None:
    discriminators = _discriminators(bundle)
    assert discriminators, "the create body's oneOf has a discriminator"
    for discriminator in discriminators:
        for value, target in discriminator["mapping"].items():
            schema = _pointer(bundle, target)
            assert value in schema["properties"][discriminator["propertyName"]]["enum"]


def test_inline_copies_carry_their_component_name_as_title(bundle: dict[str, Any]) -> None:
    """Generators name an inline schema after its title: the same model names as with $refs."""
    operation = bundle["paths"]["/crm-core/v1/properties"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["title"] == "CreatePropertyRequest"
    assert [branch["title"] for branch in body["oneOf"]] == [
        "CreateChoicePropertyRequest", "CreateScalarPropertyRequest",
    ]  # fmt: skip
    assert operation["responses"]["201"]["content"]["application/json"]["schema"]["title"] == (
        "EntityProperty"
    )
    # One operation answers ErrorBody under many statuses: untitled, so that no generator
    # gives two of its statuses one model name (build_docs.titled).
    assert "title" not in operation["responses"]["409"]["content"]["application/json"]["schema"]
    assert "title" not in SPEC["components"]["schemas"]["EntityProperty"]


def test_the_reference_and_the_readme_show_the_generate_a_client_section(
    bundle: dict[str, Any],
) -> None:
    guide = client_guide.section()
    assert bundle["info"]["description"].endswith(guide)
    assert guide in (ROOT / "README.md").read_text(encoding="utf-8")


#: Where the guide's commands write, per generator (the matrix writes into a cell's folder).
GUIDE_OUTPUTS = {"python": "crm-client", "typescript": "src/crm"}


def test_each_generator_is_documented_with_the_command_the_matrix_runs() -> None:
    """The guide's table gives, per generator, its pinned version and the matrix's own command."""
    guide = client_guide.section()
    versions = client_guide.pinned_versions()
    for generator in GENERATORS:
        out = Path(
            "."
            if generator.executable == "datamodel-codegen"
            else GUIDE_OUTPUTS[generator.language]
        )
        arguments = generator.arguments(Path("openapi.with-refs.yaml"), out)
        runner = f"npx {generator.package}" if generator.source == "npm" else generator.executable
        command = " ".join([runner, *arguments])
        rows = [row for row in guide.splitlines() if f"`{command}`" in row]
        assert len(rows) == 1, f"{generator.name}: `{command}` is not in the guide"
        assert f"| {versions[generator.package]} |" in rows[0], generator.name
