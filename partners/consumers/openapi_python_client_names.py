"""The model names openapi-python-client gives a file that keeps its references: the components'."""

from solapi_crm_core_api_client.models import (
    BulkDeleteRecordsRequest,
    BulkDeletionResult,
    CreateChoicePropertyRequest,
    CreateChoicePropertyRequestChoiceFieldType,
    CreateScalarPropertyRequest,
    CreateScalarPropertyRequestScalarFieldType,
    EntityProperty,
    ErrorBody,
    PropertyOptionInput,
)

__all__ = [
    "BulkDeleteRecordsRequest",
    "BulkDeletionResult",
    "CreateChoicePropertyRequest",
    "CreateChoicePropertyRequestChoiceFieldType",
    "CreateScalarPropertyRequest",
    "CreateScalarPropertyRequestScalarFieldType",
    "EntityProperty",
    "ErrorBody",
    "PropertyOptionInput",
]
