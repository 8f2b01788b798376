"""Rasa input channels (REST, socket.io, WeChat Official Account, mini-program) and their output
channels, named in credentials.yml."""
