"""The breaking-change engine: two OpenAPI 3.0 documents compared, each change classified by whom it breaks."""
