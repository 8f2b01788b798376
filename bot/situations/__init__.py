"""Situational guides (情形引导) and the 一次性告知单 (one-time notice of everything needed).

A guide's situations (knowledge/situations/<guide-id>.yml, docs/situations.md) are a few questions
whose answers select the conditions and materials that apply to one applicant. ``data`` loads and
validates them, ``engine`` reads answers from the citizen's words, picks the next question that
still changes the list and builds the personal list, ``replies`` words it for the chat and
``sheet`` renders it as a printable PDF and a mobile page."""
