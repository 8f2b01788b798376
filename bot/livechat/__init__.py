"""Live chat hand-off: conversations whose citizen asked for a human (request_human) wait in a
queue the agent console shows; an agent's reply reaches the citizen on their channel through Rasa
(docs/console.md)."""
