"""What the contract runner, its hooks and its tests share: the spec's operations, env names."""

from __future__ import annotations

from crm_contract import operation

BULK_DELETE = operation("bulkDeleteRecords")
CREATE_PROPERTY = operation("createProperty")

#: What the runner tells the hooks (schemathesis loads them in its own process).
ENTITY_ID_ENV = "CRM_CORE_CONTRACT_ENTITY_ID"
READ_ONLY_ENV = "CRM_CORE_CONTRACT_READ_ONLY"
