"""Chat messages the bot could not answer because a custom action failed: kept, and re-sent to
the bot once the action server is healthy. This package is the store; the retry loop runs inside the
Rasa server next to the channels whose output it pushes through (bot.rasa_server.retry)."""
