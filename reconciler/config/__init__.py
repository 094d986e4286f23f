"""The user's files: YAML, schema, validation, and the desired `State` they declare."""
