"""Approval applications (审批/办件): their stage events, status computation, imports and lookups."""
