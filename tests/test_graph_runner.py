"""bot.rasa_server.graph_runner.SequentialGraphRunner gives what Rasa's DaskGraphRunner gives, on the trained
model: the same parse of each message and the same next-action predictions along a conversation."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.exceptions import GraphRunError
from rasa.engine.loader import load_predict_graph_runner
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.graph_runner import SequentialGraphRunner

MODEL = Path(__file__).resolve().parent.parent / "models" / "current.tar.gz"
TEXTS = ["你好", "請問辦身份證要帶什麼資料", "我的申请SP20260114003到哪一步了", "我要投诉楼下烧烤店油烟太大",
         "13800138000", "", "🙂🙂", "谢谢", "再见"]


@pytest.fixture(scope="module")
def runners(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz missing: run `make model`")
    loaded = {}
    for cls in (DaskGraphRunner, SequentialGraphRunner):
        metadata, runner = load_predict_graph_runner(tmp_path_factory.mktemp(cls.__name__), MODEL,
                                                     LocalModelStorage, cls)
        assert type(runner) is cls
        loaded[cls] = (metadata, runner)
    return loaded


def parse(runner, metadata, text, tracker):
    message = UserMessage(text, sender_id=tracker.sender_id)
    out = runner.run(inputs={PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker},
                     targets=[metadata.nlu_target])
    return out[metadata.nlu_target][0].as_dict(only_output_properties=True)


def predict(runner, metadata, tracker):
    prediction = runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target])[metadata.core_target]
    return prediction.policy_name, prediction.probabilities, prediction.events, prediction.is_end_to_end_prediction


def test_parses_and_predictions_equal_dasks(runners):
    (meta, dask_runner), (_, ours) = runners[DaskGraphRunner], runners[SequentialGraphRunner]
    tracker = DialogueStateTracker.from_events("runner-test", [ActionExecuted("action_listen")])
    for text in TEXTS:
        parsed = parse(dask_runner, meta, text, tracker)
        assert parse(ours, meta, text, tracker) == parsed
        tracker.update(UserUttered(text, parsed["intent"], parsed["entities"], parse_data=parsed))
        # the next action, as each runner predicts it, then the listen that ends the turn
        expected = predict(dask_runner, meta, tracker)
        assert predict(ours, meta, tracker) == expected
        probabilities = expected[1]
        best = meta.domain.action_names_or_texts[probabilities.index(max(probabilities))]
        for action in ([best] if best != "action_listen" else []) + ["action_listen"]:
            tracker.update(ActionExecuted(action))
            assert predict(ours, meta, tracker) == predict(dask_runner, meta, tracker)


def test_an_input_named_like_a_node_is_refused_as_by_dask(runners):
    meta, ours = runners[SequentialGraphRunner]
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        ours.run(inputs={PLACEHOLDER_TRACKER: meta.core_target}, targets=[meta.core_target])


def test_the_order_is_computed_once_per_set_of_targets(runners):
    meta, ours = runners[SequentialGraphRunner]
    plan = ours._plan((meta.core_target,))
    assert ours._plan((meta.core_target,)) is plan
    names = [name for name, _ in plan]
    assert names[-1] == meta.core_target and len(names) == len(set(names))
    for position, (name, needs) in enumerate(plan):  # every node after the nodes it needs
        assert all(need not in meta.predict_schema.nodes or need in names[:position] for need in needs)
