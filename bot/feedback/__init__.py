"""The bot's own verdict: citizens rate answers (👍/👎 in the widget, "没解决" in any channel); 👎
answers wait in a review queue where an admin marks them wrong and notes the right answer, exported
as candidate training examples and FAQ entries — never trained on automatically (docs/feedback.md)."""
