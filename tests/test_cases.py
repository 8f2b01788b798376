"""bot.cases: recognition of case numbers in every shape, the numbering-scheme file, lookup across
the three tables (SQLite and PostgreSQL) and the shared verification and lockout."""
from __future__ import annotations

import json

import pytest

from bot.approvals.importer import import_approvals
from bot.approvals.models import Application
from bot.cases import numbers
from bot.cases.lockout import Lockout
from bot.cases.lookup import SOURCES, find_held, kinds_held_sync
from bot.cases.numbers import CaseNumberConfigError, candidates, digits_outside, normalize_case_no, pick
from bot.cases.verify import verify_case
from bot.db import dispose_engine
from bot.disclosure.importer import import_disclosure_requests
from bot.disclosure.models import DisclosureRequest
from bot.tickets.models import Ticket


def _picked(text: str, known: dict | None = None):
    chosen = pick(candidates(text), known or {})
    return chosen[0].number if chosen else None


@pytest.mark.parametrize("text, number", [
    ("查询办件进度GAQ20251103000217", "GAQ20251103000217"),
    ("ＧＡＱ２０２５１１０３０００２１７", "GAQ20251103000217"),
    ("gaq20251103000217是我的件", "GAQ20251103000217"),
    ("编号 GA—SP—2026—001234 到哪了", "GA-SP-2026-001234"),
    ("5116020251120000123", "5116020251120000123"),
    ("我申请的信息公开YSQ20250930011什么时候答复", "YSQ20250930011"),
    ("工单gd7kx3m9qp怎么样了", "GD7KX3M9QP"),
    ("SCZW 5116 0220 2611 2500 00987", "SCZW511602202611250000987"),
])
def test_numbers_in_free_text(text, number):
    assert _picked(text) == number


@pytest.mark.parametrize("text", [
    "我的电话13981237552", "电话 139 8123 7552", "我2026-11-20交的材料", "住在3栋2单元1202",
    "身份证号11010519491231002X", "GD1234", "我家在北辰街道",
])
def test_not_case_numbers(text):
    assert _picked(text) is None


def test_the_data_decides_where_a_spaced_number_ends():
    text = "SP 2026 1113 001 7552"
    assert _picked(text, {"SP20261113001": "application"}) == "SP20261113001"
    chosen = pick(candidates(text), {"SP20261113001": "application"})[0]
    assert digits_outside(text, (chosen.start, chosen.end)) == "7552"


@pytest.mark.parametrize("text, digits", [
    ("后四位是7552", "7552"), ("后四位是７５５２", "7552"), ("我电话是180 9001 3388", "3388"),
    ("+86 139-8123-7552", "7552"), ("2026年那个", None), ("12栋3单元", None), ("1234还是5678", None),
])
def test_phone_digits(text, digits):
    assert digits_outside(text) == digits


def test_normalisation():
    assert normalize_case_no(" ysq－2026－0001 ") == "YSQ-2026-0001"
    assert numbers.is_case_no_shape("123456") and not numbers.is_case_no_shape("AB12345")
    assert not numbers.is_case_no_shape("A" * 41 + "123456")


@pytest.mark.parametrize("stored, said", [
    ("GA(2026)审字第0458号", "文号是GA（2026）审字第0458号，手机后四位3388"),
    ("XXGK〔2025〕112", "我的申请编号是 xxgk(2025)112 电话尾号 3388"),
    ("GAXS（2025）0152", "GAXS[2025]0152 3388"),
])
def test_document_number_shapes_match_however_typed(stored, said):
    """A number in the shape of a document number (文号) is stored without its brackets and words,
    and the same number typed in a message with other brackets, widths or case is found."""
    number = normalize_case_no(stored)
    assert numbers.is_case_no_shape(number) and "(" not in number and "第" not in number
    found = pick(candidates(said), {number: "application"})
    assert found is not None and found[0].number == number and found[1] == "application"
    assert digits_outside(said, (found[0].start, found[0].end)) == "3388"


@pytest.mark.parametrize("stored, said", [
    ("广安区民〔2026〕第31号", "镇上给了个号 广安区民(2026)第31号 我电话是189 9081 3388 帮我查下"),
    ("广区审受〔2026〕第1187号", "受理通知书上面写的是广区审受［2026］1187号，尾号3388，办好了没有"),
])
def test_document_numbers_keep_their_office(stored, said):
    """A document number of a Chinese-named office keeps the office's 代字 (another office's document of
    the same year and serial is another case); in a message, the data decides where the 代字 starts."""
    number = normalize_case_no(stored)
    assert numbers.is_case_no_shape(number) and number[0] == stored[0] and "第" not in number
    found = pick(candidates(said), {number: "application"})
    assert found is not None and found[0].number == number and found[1] == "application"
    assert digits_outside(said, (found[0].start, found[0].end)) == "3388"
    # not in the data: the citizen's words before the 代字 never become part of a number
    unknown = pick(candidates(said), {})
    assert unknown is not None and unknown[0].number.isascii()


def test_office_words_alone_are_no_number():
    assert not numbers.is_case_no_shape("广安区民政局") and not numbers.is_case_no_shape("第31号")
    assert not numbers.is_case_no_shape("一二三四五六七八九123456")


def test_brackets_in_a_message_do_not_make_a_number():
    assert candidates("2026年3月(周五)去的，12栋(3单元)") == []


def test_schemes_come_from_the_file(tmp_path, monkeypatch):
    from bot.settings import get_settings

    assert numbers.scheme_for_kind("ticket").example == "GD7KX3M9QP"
    assert numbers.example_hint("application").startswith("受理编号（例如 ")
    bad = tmp_path / "case_numbers.yml"
    bad.write_text("sources:\n  - {kind: ticket, name: x, label: 工单编号, patterns: ['GD\\d+'], example: AB1}\n",
                   encoding="utf-8")
    with pytest.raises(CaseNumberConfigError, match="matches none of its patterns"):
        numbers._load(bad)
    bad.write_text("sources:\n  - {kind: parcel, name: x, label: y, patterns: ['X'], example: X}\n", encoding="utf-8")
    with pytest.raises(CaseNumberConfigError, match="kind must be one of"):
        numbers._load(bad)
    good = tmp_path / "good"
    good.mkdir()
    (good / "case_numbers.yml").write_text(
        "sources:\n  - {kind: application, name: 省平台, label: 办件号, patterns: ['BJ\\d{6,}'], example: BJ123456}\n",
        encoding="utf-8")
    monkeypatch.setenv("GOV_KNOWLEDGE_DIR", str(good))
    get_settings.cache_clear()
    try:
        assert numbers.example_hint("application") == "办件号（例如 BJ123456）"
        assert numbers.scheme_of("BJ20261234").kind == "application"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_lookup_names_match_the_models():
    models = {"application": (Application, "application_no", "applicant_phone"),
              "disclosure": (DisclosureRequest, "request_no", "applicant_phone"),
              "ticket": (Ticket, "ticket_no", "contact_phone")}
    for source in SOURCES:
        model, number, phone = models[source.kind]
        assert (model.__tablename__, source.number_column, source.phone_column) == (source.table, number, phone)


@pytest.fixture
async def held_db(migrated_db_url, tmp_path):
    apps = tmp_path / "a.jsonl"
    apps.write_text(json.dumps({
        "application_no": "gaq 2025 1103 0002 17", "item_name": "食品经营许可证核发", "department": "区市监局",
        "applicant_name": "陈建国", "applicant_phone": "13981237552", "submitted_at": "2026-11-20T09:30:00+08:00",
        "promised_working_days": 10, "legal_working_days": 20, "status": "in_progress", "events": []},
        ensure_ascii=False), encoding="utf-8")
    reqs = tmp_path / "r.jsonl"
    reqs.write_text(json.dumps({"request_no": "YSQ-2025-0930-011", "subject": "预算", "applicant_phone": "13550281234",
                                "received_at": "2026-11-02T10:00:00+08:00", "extended": False,
                                "status": "processing"}), encoding="utf-8")
    assert import_approvals(apps, migrated_db_url).inserted == 1
    assert import_disclosure_requests(reqs, migrated_db_url).inserted == 1
    yield migrated_db_url
    await dispose_engine()


async def test_lookup_across_tables_and_shared_lockout(held_db):
    # the request is stored with dashes; the citizen types it without (or with spaces, gone in normalisation)
    held = await find_held(["GAQ20251103000217", "ysq20250930011", "GD7KX3M9QP"], held_db)
    assert {n: h.kind for n, h in held.items()} == {"GAQ20251103000217": "application",
                                                     "YSQ20250930011": "disclosure"}
    assert held["YSQ20250930011"].number == "YSQ-2025-0930-011", "the stored number, for the status query"
    assert kinds_held_sync(["YSQ 2025 0930 011"], held_db) == {"YSQ20250930011": "disclosure"}
    assert kinds_held_sync(["GAQ20251103000217", "NOPE123456"], held_db) == {"GAQ20251103000217": "application"}
    lock = Lockout()
    ok = await verify_case("gaq20251103000217", "7552", held_db, lock)
    assert ok.kind == "ok" and ok.record.kind == "application"
    wrong = await verify_case("YSQ20250930011", "0000", held_db, lock)
    unknown = await verify_case("YSQ20259999999", "0000", held_db, lock)
    assert wrong == unknown and wrong.kind == "not_verified"
    for _ in range(4):
        last = await verify_case("YSQ20250930011", "0000", held_db, lock)
    assert last.kind == "locked"
    # The lock is on the number, whichever flow asks: the right digits are refused too.
    assert (await verify_case("ysq 2025 0930 011", "1234", held_db, lock)).kind == "locked"


@pytest.mark.parametrize("text, no_number", [
    ("我没有编号", True), ("回执搞丢了", True), ("不知道", True), ("不晓得。", True), ("莫得", True),
    ("GAQ20251103000217", False), ("不知道编号在哪里看吗", True), ("知道", False),
])
def test_the_citizen_cannot_give_the_number(text, no_number):
    from bot.cases.replies import has_no_number

    assert has_no_number(text) is no_number


def test_a_lookup_opened_with_the_whole_story_is_registered_when_there_is_no_number():
    """"…材料五月份就交到镇上了 到现在都没得消息…你们帮我催一下嘛", then "没得编号": registered as told (no
    "把情况再说一遍"); a bare "查下进度" then "没得编号" gets the other ways."""
    from rasa_sdk import Tracker

    from actions.cases import _told_the_story

    def tracker(opening: str) -> Tracker:
        events = [{"event": "user", "text": opening}, {"event": "active_loop", "name": "ticket_status_form"},
                  {"event": "user", "text": "没得编号"}]
        return Tracker("t", {}, {"text": "没得编号"}, events, False, None, {}, "action_listen")

    story = "我在大龙镇搞了个养鸡场想申请返乡创业贷款 材料五月份就交到镇上了到现在都没得消息 你们帮我催一下嘛"
    assert _told_the_story(tracker(story), "ticket_status_form")
    assert not _told_the_story(tracker("帮我查下办件进度"), "ticket_status_form")
