"""Small, behaviour-preserving fixes to Rasa 3.6 internals, applied when the Rasa server loads our
pipeline components (bot.nlu.components imports this module).

1. RemoteAction._validate_action_result calls ``jsonschema.validate`` on every action-server
   response, which re-checks Rasa's large event schema against the JSON-Schema meta-schema each
   time: ~50 ms of CPU per custom action, the largest cost of a dialogue turn here. The schema is
   constant, so the validator is built once and reused; the same ValidationError is raised.
"""
from __future__ import annotations

from functools import lru_cache

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    @lru_cache(maxsize=1)
    def response_validator():
        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        return cls(schema)

    def _validate_action_result(self, result):
        try:
            response_validator().validate(result)
            return True
        except ValidationError as e:
            e.message += (
                ". Failed to validate Action server response from API, make sure your response "
                f"from the Action endpoint is valid. For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    RemoteAction._validate_action_result = _validate_action_result
    _applied = True
