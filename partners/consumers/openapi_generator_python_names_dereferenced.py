"""The error body's model as openapi-generator names it from the dereferenced ``openapi.json``.

The error body is an untitled inline copy under every error status there: openapi-generator
names the first it meets after its place and reuses that model for the identical others.
"""

from crm_client import BulkDeleteRecords400Response as ErrorBody

__all__ = ["ErrorBody"]
