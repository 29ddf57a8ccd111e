"""createProperty's 201 body, compared with the request over many valid bodies.

Every field the request sets comes back as sent (name, fieldType, entityId,
description, options, isMasked, key, propertyGroupId), every default as the
spec says, and every derived field is the caller's (account, workspace,
creator) or consistent (id format and date, dateCreated = dateUpdated).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auth_plugin import HmacAuth
from contract_runner import runner
from mock_server import create_app
from mock_server.fixtures import load_fixtures
from mock_server.spec import operation
from tests.live_mock import RunningMock, serve

CHOICE = ["DROPDOWN", "RADIO", "MULTI_CHECKBOX"]
SCALAR = ["TEXT", "TEXTAREA", "NUMBER", "PHONE", "EMAIL", "CHECKBOX", "DATE", "DATETIME", "URL"]
CREATE = operation("createProperty").path
RESERVED = {"id", "recordid", "entityid", "createdby", "datecreated", "dateupdated", "datedeleted"}

text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
)
names = text.filter(lambda t: t.strip() != "")
options = st.lists(
    st.fixed_dictionaries(
        {"label": text, "value": text, "priority": st.integers(0, 10_000)},
        optional={"color": st.from_regex(r"\A#[0-9A-Fa-f]{6}\Z")},
    ),
    min_size=1,
    max_size=5,
)
optional_fields = {
    "description": st.text(max_size=200),
    "propertyGroupId": st.text(
        st.characters(codec="ascii", min_codepoint=33), min_size=1, max_size=64
    ),
    "isMasked": st.booleans(),
    "key": st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,20}\Z"),
}


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, Any]:
    field_type = draw(st.sampled_from(CHOICE + SCALAR))
    body: dict[str, Any] = {
        "entityId": runner.CONTRACT_ENTITY,
        "name": draw(names),
        "fieldType": field_type,
    }
    body |= draw(st.fixed_dictionaries({}, optional=optional_fields))
    if field_type in CHOICE:
        body["options"] = draw(options)
    return body


@pytest.fixture(scope="module")
def unlimited() -> Iterator[RunningMock]:
    """The contract fixtures: an OWNER key on a plan without a property quota."""
    with serve(create_app(fixtures=load_fixtures(runner.CONTRACT_FIXTURES))) as running:
        yield running


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies())
def test_every_field_comes_back_as_sent_or_derived(
    unlimited: RunningMock, body: dict[str, Any]
) -> None:
    auth = HmacAuth(runner.CONTRACT_KEY, runner.CONTRACT_SECRET)
    with httpx.Client(base_url=unlimited.url, auth=auth) as api:
        response = api.post(CREATE, json=body)
    if response.status_code == 409:  # a drawn name or key met an earlier example's
        assert response.json()["errorCode"] in {"DuplicatedName", "DuplicatedKey"}
        return
    if body.get("key", "").casefold() in RESERVED:
        assert response.status_code == 400
        return
    assert response.status_code == 201, response.text
    created = response.json()
    for echoed in ("entityId", "name", "fieldType", "description"):
        assert created.get(echoed) == body.get(echoed), echoed
    assert created["options"] == body.get("options", [])
    assert created["isMasked"] is body.get("isMasked", False)
    assert created["key"] == body.get("key")
    assert created["propertyGroupId"] == body.get("propertyGroupId")
    # Derived: the caller's account and workspace, the key that created it, one date.
    assert created["accountId"] == "10000000000001"
    assert created["workspaceId"] == "contract-workspace"
    assert created["createdBy"] == runner.CONTRACT_KEY
    assert created["dateCreated"] == created["dateUpdated"]
    moment = datetime.fromisoformat(created["dateCreated"])
    assert re.fullmatch(r"CRMPP1\d{15}[A-Za-z0-9]{11}", created["propertyId"])
    assert created["propertyId"][6:21] == moment.strftime("%y%m%d%H%M%S%f")[:15]
    assert "description" in created or "description" not in body
