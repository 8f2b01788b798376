"""Rasa 3.6 graph components for Chinese citizens' messages (the NLU pipeline's custom steps in
config.yml). The rules they apply live outside the Rasa server: bot.nlu (normalisation, readings),
bot.cases, bot.tickets.emergency, bot.identifiers."""
from __future__ import annotations

from typing import Any, Dict, List, Text

import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import ENTITIES, FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.identifiers import is_valid_id_number, is_valid_mobile
from bot.nlu.normalize import has_content, normalize_text, to_simplified



@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class ChineseNormalizer(GraphComponent):
    """Runs before the tokenizer: Traditional→Simplified, full-width→half-width, control characters
    removed, overlong messages cut. Training data goes through the same function, so a model
    trained on Simplified text understands Traditional input."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_chars": 1000}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._max_chars = int(config.get("max_chars", 1000))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ChineseNormalizer":
        return cls(config)

    def _normalize(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str):
            message.set(TEXT, normalize_text(text, self._max_chars))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize(example)
            # Annotated values follow their (now Simplified) text, or the synonym mapper would
            # learn 结婚证 → 結婚證.
            for entity in example.get(ENTITIES) or []:
                if isinstance(entity.get("value"), str):
                    entity["value"] = to_simplified(entity["value"])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalize(message)
        return messages


_VALIDATORS = {"id_number": is_valid_id_number, "phone": is_valid_mobile}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class IdentifierValidator(GraphComponent):
    """Drops regex matches that are not real identifiers (an ID number with a wrong check digit),
    so the dialogue never acts on a mistyped number."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IdentifierValidator":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            kept = [
                e for e in entities
                if e.get("entity") not in _VALIDATORS or _VALIDATORS[e["entity"]](str(e.get("value", "")))
            ]
            if len(kept) != len(entities):
                message.set(ENTITIES, kept, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class GuardedLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Rasa's LogisticRegressionClassifier, guarded: a message with no letter, digit or CJK
    character (empty, whitespace, emoji, control characters) has no features, on which the plain
    classifier raises and the channel answers nothing. Such messages are marked out_of_scope with
    full confidence instead, so the dialogue answers them politely. It also exposes the
    regularisation strength ``C``, which Rasa's class fixes at scikit-learn's default."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))

    def _create_X(self, messages: List[Message]) -> Any:
        """The same matrix as Rasa's ``_create_X`` (each message's sentence-level sparse features
        side by side, in pipeline order, then its dense sentence features), built in one step:
        Rasa's version also combines the sequence-level features it then throws away, and copies
        and stacks matrices pairwise — most of the classifier's time per message."""
        rows = []
        for message in messages:
            parts = [f.features for f in message.features
                     if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse()]
            parts += [scipy.sparse.csr_matrix(f.features) for f in message.features
                      if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_dense()]
            rows.append(scipy.sparse.hstack(parts, format="csr") if parts
                        else scipy.sparse.csr_matrix((1, 0)))
        return rows[0] if len(rows) == 1 else scipy.sparse.vstack(rows, format="csr")

    def process(self, messages: List[Message]) -> List[Message]:
        classifiable = []
        for message in messages:
            if has_content(message.get(TEXT)):
                classifiable.append(message)
            else:
                ranking = [{"name": "out_of_scope", "confidence": 1.0}]
                message.set(INTENT, ranking[0], add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        if classifiable:
            super().process(classifiable)
        return messages


# The intent that starts each kind's status flow, and the entity the form reads the number from.
_STATUS_INTENT = {"application": "query_application_status", "disclosure": "apply_disclosure",
                  "ticket": "query_ticket_status"}
_NUMBER_ENTITY = {"application": "application_no", "disclosure": "request_no", "ticket": "ticket_no"}
_INTENT_KIND = {v: k for k, v in _STATUS_INTENT.items()}
# A number of a known scheme that no table holds yet does not turn a complaint into a lookup.
_INTAKE_INTENTS = {"complain", "report", "suggest", "seek_help", "praise"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class CaseNumberRecognizer(GraphComponent):
    """Case numbers as the source systems write them (bot.cases): the number a message carries is
    looked up in the applications, disclosure requests and tickets, and the table that holds it
    decides the flow — the intent becomes that kind's status intent, whatever the classifier chose.
    A number of a configured scheme that no table holds yet gets its scheme's kind; any other
    plausible number is kept only for a status intent. Replaces the demo-shaped regex entities."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CaseNumberRecognizer":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        from bot.cases.lookup import kinds_held_sync
        from bot.cases.numbers import candidates, pick

        for message in messages:
            text = message.get(TEXT) or ""
            found = candidates(text)
            entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") not in _NUMBER_ENTITY.values()]
            intent = (message.get(INTENT) or {}).get("name")
            chosen = pick(found, kinds_held_sync([c.number for c in found])) if found else None
            if chosen is not None:
                candidate, held_kind = chosen
                kind = held_kind or (candidate.scheme.kind if candidate.scheme else _INTENT_KIND.get(intent))
                if kind is not None:
                    # The form reads the phone digits from the text; a second entity would stop the
                    # "inform + number" rules from matching.
                    entities = [e for e in entities if e.get("entity") not in ("verification_code", "phone")]
                    entities.append({"entity": _NUMBER_ENTITY[kind], "value": candidate.number,
                                     "start": candidate.start, "end": candidate.end,
                                     "extractor": type(self).__name__})
                    if intent in _INTENT_KIND or intent == "inform":
                        # A status question with a real number is not a low-confidence guess.
                        self._set_intent(message, intent)
                    elif held_kind is not None or intent not in _INTAKE_INTENTS:
                        self._set_intent(message, _STATUS_INTENT[kind])
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    @staticmethod
    def _set_intent(message: Message, name: str) -> None:
        ranking = [{"name": name, "confidence": 1.0}] + [
            r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


# "民警帮我找回了走丢的娃娃，要送锦旗" names an emergency but is praise: a ticket intent is kept.
_TICKET_INTENTS = {"complain", "report", "seek_help", "suggest", "praise", "request_human"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EmergencyRecognizer(GraphComponent):
    """Gas smell, fire, someone trapped in a lift, a missing child, threats of self-harm…
    (knowledge/emergencies.yml): the message becomes a request for help whatever the classifier
    read, so the ticket form starts — with the safety instruction as its first reply."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EmergencyRecognizer":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        from bot.nlu import readings
        from bot.tickets.emergency import emergency_in

        for message in messages:
            emergency = emergency_in(message.get(TEXT))
            if emergency is None:
                continue
            intent = (message.get(INTENT) or {}).get("name")
            if intent == "praise" and not readings.is_praise(message.get(TEXT)):
                intent = None  # the classifier's "praise" of a gas smell is a misreading
            if intent in _TICKET_INTENTS:
                CaseNumberRecognizer._set_intent(message, intent)
            elif emergency.takes_over or intent in (None, "praise", "nlu_fallback", "out_of_scope"):
                CaseNumberRecognizer._set_intent(message, "seek_help")
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class StoryOrQuestion(GraphComponent):
    """Two readings the classifier gets wrong on long, colloquial messages (bot.nlu.readings):
    a first-person story of a problem is intake, not a status lookup, unless it carries a case
    number or refers to an earlier case; and "出生医学证明咋个办" asks how to do something, it is not
    a request for help to be registered as a ticket."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "StoryOrQuestion":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        from bot.nlu import readings

        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            has_number = any(e.get("entity") in _NUMBER_ENTITY.values() for e in message.get(ENTITIES) or [])
            better = readings.reread(message.get(TEXT) or "", intent, has_number)
            if better and better != intent:
                CaseNumberRecognizer._set_intent(message, better)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
