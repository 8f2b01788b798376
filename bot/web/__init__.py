"""The aiohttp web service on port 8080: REST API, consoles, health."""
