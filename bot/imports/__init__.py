"""Shared machinery of the JSON-lines imports and the push API of the source systems (approvals,
disclosure requests): field parsing with Chinese error messages, line decoding, upsert by key."""
