"""Citizen-facing text has a home (docs/replies.md): no Chinese string literal in the actions or the
channel code (they pick a reply from a replies module and pass values), and the shared lines are
written once (bot/replies.py)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")  # a Chinese character (punctuation alone is no text)
HOTLINE_NAME = "12345政务服务便民热线"


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def literals(source: str, pattern: re.Pattern | str = CHINESE) -> list[tuple[int, str]]:
    """(line, text) of every string literal matching ``pattern`` outside docstrings (f-string parts
    included; comments are no literals)."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    search = pattern.search if isinstance(pattern, re.Pattern) else (lambda s: pattern in s)
    found = [(node.lineno, node.col_offset, node.value) for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
             and search(node.value)]
    return [(line, text) for line, _col, text in sorted(found)]


def _offenders(paths, pattern=CHINESE) -> list[str]:
    return [f"{p.relative_to(ROOT)}:{line}: {text!r}" for p in paths
            for line, text in literals(p.read_text(encoding="utf-8"), pattern)]


def test_the_check_sees_literals_and_skips_docstrings_and_comments():
    source = '''"""模块说明。"""
def f():
    """函数说明。"""
    # 注释
    x = "English only"
    return f"抱歉，{x}" + '请稍后再试'
'''
    assert [text for _line, text in literals(source)] == ["抱歉，", "请稍后再试"]
    assert literals('BUTTON = {"title": "取消"}') == [(1, "取消")]
    assert literals('PATTERN = r"不知道|随便"') == [(1, "不知道|随便")]
    assert literals('X = "（）"') == []   # punctuation alone is no text


def test_no_chinese_literal_in_actions():
    paths = sorted((ROOT / "actions").glob("*.py"))
    assert len(paths) >= 10
    assert _offenders(paths) == [], "move these into the area's replies module (docs/replies.md)"


def test_no_chinese_literal_in_channel_code():
    paths = [p for p in sorted((ROOT / "bot" / "rasa_server").rglob("*.py")) if p.name != "replies.py"]
    assert paths
    assert _offenders(paths) == [], "channel replies belong in bot/rasa_server/channels/replies.py"


def test_hotline_name_is_written_once():
    paths = [p for p in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "actions").glob("*.py"))
             if p != ROOT / "bot" / "replies.py"]
    assert _offenders(paths, HOTLINE_NAME) == [], "use bot.replies.HOTLINE_NAME"
    from bot.replies import HOTLINE_NAME as defined
    assert defined == HOTLINE_NAME


def test_shared_apology_words():
    from bot.livechat.replies import BUSY as LIVECHAT_BUSY
    from bot.rasa_server.channels.replies import BUSY as CHANNEL_BUSY
    from bot.supervision.replies import FAILED
    from bot.tickets.replies import URGE_FAILED

    assert CHANNEL_BUSY == "抱歉，系统暂时繁忙，请稍后再试，或拨打12345政务服务便民热线。"
    assert LIVECHAT_BUSY == "抱歉，人工客服暂时无法接入，请稍后再试，或拨打12345政务服务便民热线。"
    assert FAILED == "抱歉，暂时无法办理，请稍后再试，或拨打12345政务服务便民热线。"
    assert URGE_FAILED == "抱歉，催办暂时没有记录成功，请稍后再试，或拨打12345政务服务便民热线催办。"


async def test_fallback_affirmation_words_and_buttons(monkeypatch):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    import actions.common as common

    monkeypatch.setattr(common, "plausible_items", lambda text: [])
    message = {"text": "查一下我的办件", "intent": {"name": "nlu_fallback"},
               "intent_ranking": [{"name": "nlu_fallback"}, {"name": "query_application_status"}]}
    dispatcher = CollectingDispatcher()
    await common.ActionAskAffirmation().run(
        dispatcher, Tracker("t", {}, message, [], False, None, {}, "action_listen"), {})
    assert dispatcher.messages[0]["text"] == "您是想办件进度查询吗？"
    assert dispatcher.messages[0]["buttons"] == [{"title": "是的", "payload": "/query_application_status"},
                                                 {"title": "不是", "payload": "/out_of_scope"}]


def test_live_chat_closed_and_phone_question_words():
    from bot.livechat import replies as livechat
    from bot.livechat.service import hours_text
    from bot.tickets import replies as tickets

    assert hours_text("never") == "暂未开通" and hours_text("always") == "全天"
    assert hours_text("08:30-17:30") == "工作日 08:30–17:30"
    assert livechat.closed(livechat.HOURS_NEVER) == "在线人工客服暂未开通；12345政务服务便民热线24小时有人接听。"
    assert livechat.closed("工作日 08:30–17:30") == \
        "人工客服的在线时间是工作日 08:30–17:30，现在不在这个时间内；12345政务服务便民热线24小时有人接听。"
    assert tickets.ask_phone(True) == "请留下您的手机号码，方便工作人员向您反馈（号码仅用于办理本诉求）。不想留可以回复“不留”。"
    assert tickets.ask_phone(False) == ("请留下您的手机号码，方便承办部门联系您核实和答复（号码仅用于办理本诉求）。"
                                        "不方便留也可以回复“不留”。")
