"""Rasa input channels (socket.io fix, WeChat) and outbound senders."""
