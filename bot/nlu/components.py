"""Rasa 3.6 graph components for Chinese citizens' messages."""
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

from bot import rasa_patches
from bot.identifiers import is_valid_id_number, is_valid_mobile
from bot.nlu.normalize import has_content, normalize_text, to_simplified


# Rasa imports this module when it loads the model: the place to apply our Rasa fixes.
rasa_patches.apply()


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
