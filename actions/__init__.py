"""Rasa SDK custom actions: thin adapters from slots and events to the `bot` package."""
