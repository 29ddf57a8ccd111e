"""The release: the published folder (bundled spec, code samples, offline reference), changelog, release files."""
