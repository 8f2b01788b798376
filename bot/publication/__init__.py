"""外网公开反馈: answers the citizen agreed to publish, anonymised and approved by a moderator, and
the departments' public figures (docs/publication.md)."""
