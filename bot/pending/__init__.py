"""Chat messages the bot could not answer because a custom action failed: kept, and re-sent to
the bot once the action server is healthy (bot.pending.retry)."""
