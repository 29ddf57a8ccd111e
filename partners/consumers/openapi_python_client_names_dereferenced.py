"""The model names openapi-python-client gives the dereferenced ``openapi.json``.

With no ``$ref`` left, each model is named after its title prefixed with the operation that
uses it (``CreatePropertyEntityProperty``); the untitled error body is a model per operation
and status (``CreatePropertyResponse409``).
"""

from solapi_crm_core_api_client.models import (
    BulkDeleteRecordsBulkDeleteRecordsRequest as BulkDeleteRecordsRequest,
)
from solapi_crm_core_api_client.models import (
    BulkDeleteRecordsBulkDeletionResult as BulkDeletionResult,
)
from solapi_crm_core_api_client.models import (
    CreatePropertyCreateChoicePropertyRequest as CreateChoicePropertyRequest,
)
from solapi_crm_core_api_client.models import (
    CreatePropertyCreateChoicePropertyRequestChoiceFieldType as CreateChoicePropertyRequestChoiceFieldType,
)
from solapi_crm_core_api_client.models import (
    CreatePropertyCreateChoicePropertyRequestPropertyOptionInput as PropertyOptionInput,
)
from solapi_crm_core_api_client.models import (
    CreatePropertyCreateScalarPropertyRequest as CreateScalarPropertyRequest,
)
from solapi_crm_core_api_client.models import (
    CreatePropertyCreateScalarPropertyRequestScalarFieldType as CreateScalarPropertyRequestScalarFieldType,
)
from solapi_crm_core_api_client.models import CreatePropertyEntityProperty as EntityProperty
from solapi_crm_core_api_client.models import CreatePropertyResponse409 as ErrorBody

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
