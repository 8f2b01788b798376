"""政务智能助手: the domain package shared by the action server, the web service and the CLI."""
