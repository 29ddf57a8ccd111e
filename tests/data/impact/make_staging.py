"""Writes staging.jsonl, the impact check's committed corpus (run once; the file is committed).

Three partners' calls as the proxy records them, and one negative case
(a request the contract already refused) that no change can break.
"""

from __future__ import annotations

from pathlib import Path

from traffic import Call, TrafficWriter

ENTITY = "CRMET1260423081530123XYZ11122233"
A, B, C = "NCSPARTNERA00001", "NCSPARTNERB00001", "NCSPARTNERC00001"
RECORDS = ["CRMRC1260423081530123REC11122233", "CRMRC1260423081530124REC11122234"]


def created(name: str, field_type: str, key: str | None) -> dict[str, object]:
    return {
        "propertyId": "CRMPP1260423081530123ABCDEFGHIJK", "accountId": "12345678901234",
        "entityId": ENTITY, "name": name, "description": "설명", "fieldType": field_type,
        "propertyGroupId": None, "options": [], "isMasked": False, "key": key,
        "createdBy": "NCSPARTNER000000", "dateCreated": "2026-12-01T10:00:00.000Z",
        "dateUpdated": "2026-12-01T10:00:00.000Z",
    }  # fmt: skip


def create(partner: str, name: str, key: str | None, status: int = 201) -> Call:
    body: dict[str, object] = {"entityId": ENTITY, "name": name, "fieldType": "TEXT"}
    if key is not None:
        body["key"] = key
    answer: object = created(name, "TEXT", key)
    if status != 201:
        answer = {"errorCode": "ValidationError", "errorMessage": "key: 잘못된 형식입니다."}
    return Call(source="proxy", operation="createProperty", method="POST",
                path="/crm-core/v1/properties", status=status, request_body=body,
                request_content_type="application/json", response_body=answer,
                response_content_type="application/json", key_id=partner,
                time="2026-12-01T10:00:00.000Z")  # fmt: skip


def delete(partner: str, permanent: bool) -> Call:
    answer = {
        "permanent": permanent, "requestedCount": 2, "deletedCount": 2, "failedCount": 0,
        "deleted": [{"recordId": r, "entityId": ENTITY} for r in RECORDS], "failed": [],
        "dateDeleted": "2026-12-01T10:00:00.000Z",
        "dateTrashExpires": None if permanent else "2026-12-15T10:00:00.000Z",
    }  # fmt: skip
    return Call(source="proxy", operation="bulkDeleteRecords", method="POST",
                path="/crm-core/v1/records/bulk/delete", status=200,
                request_body={"recordIds": RECORDS, "permanent": permanent},
                request_content_type="application/json", response_body=answer,
                response_content_type="application/json", key_id=partner,
                time="2026-12-01T10:00:00.000Z")  # fmt: skip


CALLS = [
    create(A, "고객 이름", "customerName"),
    delete(A, permanent=False),
    create(B, "고객 번호", "customer_number"),
    create(B, "메모", None),
    create(C, "등급", "VIPLevel"),
    delete(C, permanent=True),
    create(C, "잘못된 키", "1bad", status=400),  # refused already: a negative case
]

if __name__ == "__main__":
    path = Path(__file__).with_name("staging.jsonl")
    path.unlink(missing_ok=True)
    with TrafficWriter(path) as writer:
        for call in CALLS:
            writer.write(call)
    print(f"wrote {len(CALLS)} calls to {path}")
