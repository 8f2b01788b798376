"""The conversation runner's own logic, without a stack: loading and validating the format, the
checks on canned replies, form states and tickets, grouping by fixture, the dev/test split."""
from __future__ import annotations

import textwrap

import pytest

from tests.conversations import runner as r
from tests.conversations import split

GOOD = textwrap.dedent("""\
    # header comment
    - id: gas-01
      persona: 老人
      goal: 燃气味
      turns:
        - say: "屋头好大一股气味"
          expect:
            any: ["119", "燃气"]
            none: ["格式不正确"]
        - say: 1234
      when_asked:
        phone: 13981234567
        code: 0123
        location: "北辰街道万盛小区3栋"
      never_ask: [phone]
      ticket:
        category_any: [求助]
        department_any: [区住建局]
        urgent: true
        phone: none
        name: "陈"

    # a second one
    - id: status-01
      given:
        tickets:
          - description: "下水道堵了"
            contact_phone: "13708261453"
      turns:
        - "工单{ticket_no}到哪了"
      when_asked:
        case_no: "{ticket_no}"
      ticket: none
    """)


def test_parse_keeps_numbers_as_typed():
    convs = r.parse_text(GOOD, "good.yml")
    assert [c.id for c in convs] == ["gas-01", "status-01"]
    gas = convs[0]
    assert gas.turns[1]["say"] == "1234"
    assert gas.when_asked == {"phone": "13981234567", "code": "0123", "location": "北辰街道万盛小区3栋"}
    assert gas.ticket["urgent"] is True and gas.ticket["phone"] == "none" and gas.ticket["name"] == "陈"
    assert gas.turns[0]["expect"] == {"any": ["119", "燃气"], "none": ["格式不正确"]}
    status = convs[1]
    assert status.ticket == "none" and status.turns[0]["say"] == "工单{ticket_no}到哪了"
    assert r.parse_text("", "empty.yml") == []


@pytest.mark.parametrize("text, message", [
    ("- turns: [{say: 你好}]", "missing id"),
    ("- id: Bad_ID\n  turns: [{say: 你好}]", "must match"),
    ("- id: a\n  turns: [{say: 你好}]\n  tags: [x]", "unknown key(s) ['tags']"),
    ("- id: a\n  turns: [{say: 你好, expects: {}}]", "unknown key(s) ['expects']"),
    ("- id: a\n  turns: [{say: 你好, expect: {some: [x]}}]", "unknown key(s) ['some']"),
    ("- id: a\n  turns: []", "`turns` must be a non-empty list"),
    ("- id: a\n  turns: [{expect: {any: [x]}}]", "missing `say`"),
    ("- id: a\n  turns: [{say: x}]\n  when_asked: {mobile: '1'}", "unknown field 'mobile'"),
    ("- id: a\n  turns: [{say: x}]\n  never_ask: [telephone]", "unknown field 'telephone'"),
    ("- id: a\n  turns: [{say: x}]\n  ticket: {dept: 区住建局}", "unknown key(s) ['dept']"),
    ("- id: a\n  turns: [{say: x}]\n  ticket: {category_any: [投拆]}", "'投拆' is not one of"),
    ("- id: a\n  turns: [{say: x}]\n  ticket: {urgent: maybe}", "expected true or false"),
    ("- id: a\n  turns: [{say: x}]\n  given: {users: []}", "unknown key(s) ['users']"),
    ("- id: a\n  turns: [{say: '{ticket_no}'}]", "given.tickets` is empty"),
    ("- id: a\n  turns: [{say: x}]\n- id: a\n  turns: [{say: y}]", "duplicate id 'a'"),
    ("id: a", "must be a YAML list"),
    ("- id: a\n  turns: [say: x", "not valid YAML"),
])
def test_invalid_files_have_clear_errors(text, message):
    with pytest.raises(r.FormatError) as info:
        r.parse_text(text, "bad.yml")
    assert any(message in e for e in info.value.errors), info.value.errors
    assert all(e.startswith(("bad.yml", "duplicate")) for e in info.value.errors)


def test_every_error_of_every_file_is_reported(tmp_path):
    (tmp_path / "a.yml").write_text("- id: x\n  turns: [{say: a}]\n- id: y\n  turns: []\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("- id: x\n  turns: [{say: b}]\n- persona: p\n  turns: [{say: c}]\n",
                                    encoding="utf-8")
    with pytest.raises(r.FormatError) as info:
        r.load_paths(sorted(tmp_path.glob("*.yml")))
    errors = "\n".join(info.value.errors)
    assert "a.yml #2 (y): `turns` must be a non-empty list" in errors
    assert "b.yml #2: missing id" in errors
    assert "duplicate id 'x' in a.yml and b.yml" in errors


def test_expect_checks_are_nfkc_substring_checks():
    reply = "请拨打１１９，并开窗通风。ＧＤ７ＫＸ"
    assert r.check_expect({"any": ["119", "燃气"], "all": ["开窗", "GD7KX"], "none": ["格式不正确"]}, reply, "t") == []
    fails = r.check_expect({"any": ["燃气公司"], "all": ["开窗", "撤离"], "none": ["通风"]}, reply, "turn 1")
    assert [f["kind"] for f in fails] == ["expect_any", "expect_all", "expect_none"]
    assert "['撤离']" in fails[1]["detail"] and "turn 1" in fails[0]["detail"]
    assert r.check_expect({}, "", "t") == []
    # full-width in the expectation matches half-width in the reply too
    assert r.check_expect({"all": ["１２３４５"]}, "拨打12345热线", "t") == []


@pytest.mark.parametrize("text, crashed", [
    ("抱歉，系统暂时繁忙，您的问题已记录，稍后会继续为您处理。", True),
    ("抱歉，查询服务暂时不可用，请稍后再试，或拨打12345政务服务便民热线。", True),
    ("服务暂时不可用", True),
    ("抱歉，办事指南查询暂时出现问题。", True),
    ("您发送消息过于频繁，请稍后再试。", True),
    ("人工坐席暂时无法接入，我先为您登记诉求，由工作人员跟进答复。", False),
    ("抱歉，我没有完全理解您的意思。能换个说法再描述一下吗？", False),
])
def test_crash_replies(text, crashed):
    assert bool(r.crash_marker(text)) is crashed


def test_slot_answers_from_one_map():
    asked = {"location": "万盛小区", "phone": "139", "case_no": "GD7KX3M9QP", "code": "4567", "confirm": "对"}
    assert r.answer_for("ticket_location", asked) == ("location", "万盛小区")
    assert r.answer_for("ticket_confirm", asked) == ("confirm", "对")
    for slot in ("application_no", "request_no", "ticket_no"):
        assert r.answer_for(slot, asked) == ("case_no", "GD7KX3M9QP")
    assert r.answer_for("verification_code", asked) == ("code", "4567")
    assert r.answer_for("ticket_name", asked) == ("name", "不知道")       # known field, not given
    assert r.answer_for("favourite_colour", asked) == (None, "不知道")    # unknown slot
    assert set(r.SLOT_FIELDS.values()) <= set(r.FIELDS)


def test_form_watch_never_ask_stuck_and_loop():
    w = r.FormWatch(["phone", "location"])
    assert w.observe("ticket_form", "ticket_description", "turn 1") == []
    first = w.observe("ticket_form", "ticket_phone", "turn 2")
    assert [f["kind"] for f in first] == ["never_ask"] and "ticket_phone" in first[0]["detail"]
    assert w.observe("ticket_form", "ticket_phone", "turn 3") == []     # reported once per field
    assert w.observe(None, "ticket_location", "turn 4") == []           # no active form: nothing asked

    stuck = r.FormWatch([])
    assert stuck.next_answer("f", "ticket_phone") is None
    assert stuck.next_answer("f", "ticket_phone") is None
    assert stuck.next_answer("f", "ticket_phone")["kind"] == "stuck_in_form"

    loop = r.FormWatch([])
    slots = ["a", "b"] * 10
    results = [loop.next_answer("f", s) for s in slots[:r.MAX_FORM_TURNS + 1]]
    assert results[:-1] == [None] * r.MAX_FORM_TURNS and results[-1]["kind"] == "form_loop"


TICKET = {"ticket_no": "GD7KX3M9QP", "category": "求助", "department": "区住建局", "urgent": True,
          "location": "北辰街道万盛小区3栋", "contact_phone": "13981234567", "contact_name": "陈先生",
          "description": "万盛小区3栋楼道有燃气味", "routing": [{"department": "区住建局", "score": 0.8}]}
SPEC = {"category_any": ["求助", "投诉"], "department_any": ["区住建局", "区应急管理局"], "urgent": True,
        "location_contains": ["万盛小区"], "phone": "139 8123 4567", "name": "陈", "description_contains": ["燃气"]}


def test_ticket_checks_pass_and_fail_by_kind():
    assert r.check_tickets(SPEC, [TICKET]) == ([], [])
    bad = dict(TICKET, category="建议", department="区水务局", urgent=False, location="广福街道",
               contact_phone="13800001234", contact_name="王", description="楼道有异味")
    kinds = [f["kind"] for f in r.check_tickets(SPEC, [bad])[0]]
    assert kinds == ["wrong_category", "wrong_department", "not_urgent", "wrong_location", "wrong_phone",
                     "wrong_name", "description"]
    assert [f["kind"] for f in r.check_tickets({"urgent": False}, [TICKET])[0]] == ["wrongly_urgent"]


def test_unrouted_ticket_shows_the_first_suggestion():
    unrouted = dict(TICKET, department=None, routing=[{"department": "区应急管理局", "score": 0.2}])
    fails, _ = r.check_tickets(SPEC, [unrouted])
    assert [f["kind"] for f in fails] == ["unrouted"]
    assert "区应急管理局 (0.2)" in fails[0]["detail"] and ", in [" in fails[0]["detail"]
    fails, _ = r.check_tickets(SPEC, [dict(unrouted, routing=[])])
    assert "no suggestion" in fails[0]["detail"]


def test_anonymous_tickets_and_ticket_none():
    anon = dict(TICKET, contact_phone=None, contact_name="")
    assert r.check_tickets({"phone": "none", "name": "none"}, [anon]) == ([], [])
    kinds = [f["kind"] for f in r.check_tickets({"phone": "none", "name": "none"}, [TICKET])[0]]
    assert kinds == ["wrong_phone", "wrong_name"]
    assert r.check_tickets("none", [])[0] == []
    assert r.check_tickets("none", [TICKET])[0][0]["kind"] == "unexpected_ticket"
    assert r.check_tickets(SPEC, [])[0][0]["kind"] == "no_ticket"
    assert r.check_tickets(None, [TICKET]) == ([], [])   # no `ticket:` key: not checked
    assert r.check_tickets({}, [TICKET]) == ([], [])     # `ticket: {}`: one must exist


def test_several_tickets_judge_the_best_and_say_so():
    other = dict(TICKET, category="建议")
    fails, notes = r.check_tickets(SPEC, [other, TICKET])
    assert fails == [] and "2 tickets" in notes[0]


def test_conversations_sharing_a_fixture_run_in_one_group():
    text = textwrap.dedent("""\
        - id: a
          given: {applications: [{application_no: sp001}]}
          turns: [x]
        - id: b
          given: {applications: [{application_no: SP001}], disclosure_requests: [{request_no: GK1}]}
          turns: [x]
        - id: c
          given: {disclosure_requests: [{request_no: gk1}]}
          turns: [x]
        - id: d
          turns: [x]
        """)
    groups = r._groups(r.parse_text(text, "g.yml"))
    assert sorted(sorted(c.id for c in g) for g in groups) == [["a", "b", "c"], ["d"]]


def test_summary_counts_conversations_per_kind():
    results = [
        {"id": "a", "source": "f", "passed": True, "failures": [], "transcript": []},
        {"id": "b", "source": "f", "passed": False, "transcript": [],
         "failures": [r.failure("expect_any", "x"), r.failure("expect_any", "y"), r.failure("no_ticket", "z")]},
    ]
    s = r.summarise(results, 3.2)
    assert s["pass_rate"] == 0.5 and s["failures_by_kind"] == {"expect_any": 1, "no_ticket": 1}
    assert s["failures_total"] == 3
    text = r.format_summary({"summary": s, "conversations": results}, label="dev")
    assert "1/2 passed (50.0%)" in text and "FAIL b" in text and "no_ticket: z" in text
    assert r.summarise([])["pass_rate"] is None


def test_split_is_deterministic_and_keeps_the_yaml_text(tmp_path):
    ids = [f"x-{i:03d}" for i in range(200)]
    sides = [split.side(i) for i in ids]
    assert sides == [split.side(i) for i in ids]
    assert 70 < sides.count("test") < 130
    path = tmp_path / "writer_z.yml"
    path.write_text(GOOD, encoding="utf-8")
    out = split.split_file(path)
    both = r.parse_text(out["dev"], "d") + r.parse_text(out["test"], "t")
    assert sorted(c.id for c in both) == ["gas-01", "status-01"]
    for conv in both:
        assert split.side(conv.id) in ("dev", "test")
        assert conv.id in out[split.side(conv.id)]
    assert all(text.startswith("# header comment") for text in out.values())
    gas_side = out[split.side("gas-01")]
    assert "    code: 0123\n" in gas_side and "# a second one" in gas_side   # the text as written


def test_fixture_ticket_renumbered_in_every_table(tmp_path):
    import sqlite3

    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.executescript("""
            CREATE TABLE tickets (id INTEGER PRIMARY KEY, ticket_no TEXT UNIQUE);
            CREATE TABLE ticket_events (id INTEGER PRIMARY KEY,
                ticket_id INTEGER REFERENCES tickets(id) ON DELETE CASCADE);
            CREATE TABLE ticket_notifications (id INTEGER PRIMARY KEY, ticket_no TEXT,
                ticket_id INTEGER REFERENCES tickets(id) ON DELETE CASCADE);
            INSERT INTO tickets VALUES (1, 'GD7KX3M9QP'), (2, 'GDAAAAAAAA');
            INSERT INTO ticket_events VALUES (1, 1), (2, 2);
            INSERT INTO ticket_notifications VALUES (1, 'GD7KX3M9QP', 1), (2, 'GDAAAAAAAA', 2);
        """)
    target = r.Target(rasa="", web="", token="", db_url=f"sqlite:///{db}", db_path=db)
    failures: list = []
    assert r._renumber_ticket(target, "GDAAAAAAAA", "GD7KX3M9QP", failures, 1) == "GD7KX3M9QP"
    assert failures == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id, ticket_no FROM tickets").fetchall() == [(2, "GD7KX3M9QP")]
        assert conn.execute("SELECT ticket_id FROM ticket_events").fetchall() == [(2,)]   # the old one's went
        assert conn.execute("SELECT ticket_no FROM ticket_notifications").fetchall() == [("GD7KX3M9QP",)]
    assert r._renumber_ticket(target, "GD7KX3M9QP", "GD7KX3M9QPXX", failures, 1) == "GD7KX3M9QP"
    assert failures[0]["kind"] == "fixture"


class FakeBot:
    """A canned bot behind a fake `requests` session: the REST webhook, the tracker and the ticket
    list, enough to play whole conversations through runner.play without a stack."""

    def __init__(self):
        self.state: dict[str, dict] = {}
        self.tickets: list[dict] = []

    class Resp:
        def __init__(self, body, status=200):
            self.body, self.status_code = body, status
            self.text = str(body)

        def json(self):
            return self.body

        def raise_for_status(self):
            assert self.status_code < 400

    def post(self, url, json=None, **_):
        assert url.endswith("/webhooks/rest/webhook")
        st = self.state.setdefault(json["sender"], {"form": None, "slot": None, "data": {}})
        return self.Resp([{"text": t, "buttons": [{"title": b}] if b else []} for t, b in self.reply(st, json["message"], json["sender"])])

    def get(self, url, params=None, **_):
        if "/tracker" in url:
            sender = url.split("/conversations/")[1].split("/")[0]
            st = self.state.get(sender, {"form": None, "slot": None})
            return self.Resp({"active_loop": {"name": st["form"]} if st["form"] else {},
                              "slots": {"requested_slot": st["slot"]}})
        return self.Resp({"items": [t for t in self.tickets if t["conversation_id"] == params["conversation_id"]]})

    def reply(self, st, text, sender):
        order = ["ticket_location", "ticket_phone", "ticket_name", "ticket_confirm"]
        if st["form"] == "ticket_form":
            if st["slot"] == "ticket_phone" and not text.isdigit():
                return [("手机号码格式不正确", None), ("请留下您的手机号码", None)]
            st["data"][st["slot"]] = text
            nxt = order[order.index(st["slot"]) + 1] if st["slot"] != "ticket_confirm" else None
            if nxt is None:
                st["form"] = st["slot"] = None
                self.tickets.append({"ticket_no": "GD7KX3M9QP", "conversation_id": sender, "category": "求助",
                                     "urgent": True, "department": "区住建局", "routing": [],
                                     "location": st["data"]["ticket_location"],
                                     "contact_phone": st["data"]["ticket_phone"],
                                     "contact_name": st["data"]["ticket_name"], "description": "燃气味"})
                return [("已登记，工单编号：GD7KX3M9QP。如有燃气泄漏请拨打119", None)]
            st["slot"] = nxt
            return [(f"请提供{nxt}", "不留" if nxt == "ticket_name" else None)]
        if st["form"] == "application_status_form" and "超期" in text:  # a side question: the check still waits
            return [("核验通过后告诉您", None)]
        if st["form"] == "application_status_form":
            st["form"] = st["slot"] = None
            return [("当前状态：办理中，法定期限20个工作日", None)]
        if "燃气" in text:
            st["form"], st["slot"] = "ticket_form", "ticket_location"
            return [("请告诉我地点", None)]
        if "进度" in text:
            st["form"], st["slot"] = "application_status_form", "verification_code"
            return [("请输入手机号后4位", None)]
        if "崩" in text:
            return [("抱歉，系统暂时繁忙，请稍后再试，或拨打12345政务服务便民热线。", None)]
        if "沉默" in text:
            return []
        return [("您好", None)]


def _play(yaml_text: str):
    conv = r.parse_text(yaml_text, "fake.yml")[0]
    bot = FakeBot()
    target = r.Target(rasa="http://rasa", web="http://web", token="t", db_url="sqlite://")
    return r.play(conv, target, http=bot)


def test_play_a_whole_conversation_with_form_answers_and_ticket():
    result = _play("""
- id: gas
  turns:
    - say: "屋头有燃气味"
      expect: {any: ["地点"]}
  when_asked: {location: "万盛小区3栋", phone: "13981234567", name: "姓陈", confirm: "对"}
  never_ask: [description]
  expect_anywhere: {all: ["119"]}
  ticket: {category_any: [求助], department_any: [区住建局], urgent: true, location_contains: [万盛小区],
           phone: "13981234567", name: "陈", description_contains: [燃气]}
""")
    assert result["failures"] == [] and result["passed"], result["failures"]
    phases = [(e["phase"], e.get("answering")) for e in result["transcript"]]
    assert phases == [("script", None), ("form", "ticket_location→location"), ("form", "ticket_phone→phone"),
                      ("form", "ticket_name→name"), ("form", "ticket_confirm→confirm")]
    assert result["transcript"][2]["replies"][0]["buttons"] == ["不留"]
    assert result["tickets"][0]["ticket_no"] == "GD7KX3M9QP"


def test_play_reports_never_ask_stuck_and_no_ticket():
    result = _play("""
- id: gas-anon
  turns: ["燃气味好大"]
  when_asked: {location: "万盛小区", phone: "不留"}
  never_ask: [location, phone]
  ticket: {urgent: true}
""")
    kinds = [f["kind"] for f in result["failures"]]
    assert kinds == ["never_ask", "never_ask", "stuck_in_form", "no_ticket"], result["failures"]
    assert "turn 1/1" in result["failures"][0]["detail"]


def test_play_status_answer_after_the_code_counts_for_the_last_turn():
    result = _play("""
- id: status
  turns:
    - say: "我的申请进度"
      expect: {any: ["工作日"], none: ["格式不正确"]}
  when_asked: {code: "1234"}
  ticket: none
""")
    assert result["passed"], result["failures"]


def test_play_status_answer_counts_for_the_turn_that_started_the_lookup_still_waiting():
    """"我的申请进度" then "是不是超期了" while the check waits: the status, given after the code, answers the
    first turn too; a turn in between is judged on its own reply."""
    result = _play("""
- id: status-wait
  turns:
    - say: "我的申请进度"
      expect: {any: ["工作日"]}
    - say: "是不是超期了"
      expect: {any: ["核验"]}
  when_asked: {code: "1234"}
  ticket: none
""")
    assert result["passed"], result["failures"]


def test_play_status_answer_counts_for_the_turn_whose_lookup_the_citizen_completes():
    """"我的申请进度", then the citizen's own scripted "1234": the status answers the first turn; a turn
    after the lookup closed is judged on its own reply."""
    result = _play("""
- id: status-typed
  turns:
    - say: "我的申请进度"
      expect: {any: ["工作日"]}
    - "1234"
    - say: "你好"
      expect: {any: ["工作日"]}
  ticket: none
""")
    assert [f["detail"][:6] for f in result["failures"]] == ["turn 3"], result["failures"]


def test_play_crash_and_silence():
    result = _play("""
- id: broken
  turns: ["崩", "沉默"]
""")
    assert [f["kind"] for f in result["failures"]] == ["crash", "no_reply"]
