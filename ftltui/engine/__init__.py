"""The execution engine: executor, runners (local, SSH), event stream, redaction."""
