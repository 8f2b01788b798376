"""bot.rasa_server.components: the guarded classifier builds the same feature matrix as Rasa's, faster."""
from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_server.components import GuardedLogisticRegressionClassifier


def _message(seed: int, dense: bool) -> Message:
    rng = np.random.default_rng(seed)
    message = Message(data={TEXT: f"消息{seed}"})
    tokens = int(rng.integers(1, 6))
    for origin, width in (("RegexFeaturizer", 7), ("CountVectorsFeaturizer", 40), ("CharCV", 90)):
        message.add_features(Features(scipy.sparse.coo_matrix(rng.integers(0, 3, (tokens, width)) * (rng.random((tokens, width)) < 0.2)),
                                      FEATURE_TYPE_SEQUENCE, TEXT, origin))
        message.add_features(Features(scipy.sparse.coo_matrix(rng.integers(0, 3, (1, width)) * (rng.random((1, width)) < 0.3)),
                                      FEATURE_TYPE_SENTENCE, TEXT, origin))
    # Features of another attribute and sequence-level ones must be ignored.
    message.add_features(Features(scipy.sparse.coo_matrix(np.ones((1, 5))), FEATURE_TYPE_SENTENCE, "intent", "x"))
    if dense:
        message.add_features(Features(rng.random((1, 4)), FEATURE_TYPE_SENTENCE, TEXT, "Dense"))
    return message


def test_feature_matrix_equals_rasas():
    for dense in (False, True):
        messages = [_message(seed, dense) for seed in range(6)]
        ours = GuardedLogisticRegressionClassifier._create_X(None, messages)
        rasas = LogisticRegressionClassifier._create_X(None, messages)
        assert ours.shape == rasas.shape == (6, 137 + (4 if dense else 0))
        assert abs(ours - rasas).max() == 0
        one = GuardedLogisticRegressionClassifier._create_X(None, messages[:1])
        assert abs(one - LogisticRegressionClassifier._create_X(None, messages[:1])).max() == 0
