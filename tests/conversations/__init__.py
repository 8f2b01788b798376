"""The blind multi-turn conversation suite (FORMAT.md) and its runner."""
