"""The error body's model as openapi-generator names it from a file with references: the component's."""

from crm_client import ErrorBody

__all__ = ["ErrorBody"]
