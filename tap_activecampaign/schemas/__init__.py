"""JSON schema files, one per stream, loaded with the SDK's SchemaDirectory."""
