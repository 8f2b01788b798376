"""外网公开反馈 through the real web app on SQLite and PostgreSQL: publication only with the citizen's
consent and a moderator's approval, no personal data in any public answer or the feed, search,
filters and paging, and the public figures equal to /api/kpi."""
import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from bot.tickets import sla
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

PERSONAL = ("张三丰", "13912345678", "5678", "51160219900101123X", "川A·12345", "3栋2单元501", "刘小明")
PUBLIC_ANSWER_FIELDS = {"id", "category", "department", "received", "answered", "published", "question", "answer"}


def h(staff, who):
    return {"Authorization": f"Bearer {staff.tokens[who]}"}


async def post(client, staff, who, path, body=None):
    resp = await client.post(path, json=body or {}, headers=h(staff, who))
    return resp.status, await resp.json()


async def answered_ticket(client, staff, description, consent, department="区住建局", reply="已约谈物业，电梯已修复",
                          category="投诉"):
    status, t = await post(client, staff, "d1", "/api/tickets", {
        "description": description, "category": category, "department": department, "publish_consent": consent,
        "contact_phone": "13912345678", "contact_name": "张三丰"})
    assert status == 201 and t["publish_consent"] is consent, t
    handler = t["handler"] or "a1"  # 区水务局 has no handler among the fixtures: the admin acts
    for action, body in (("sign", {}), ("reply", {"text": reply}), ("resolve", {})):
        status, t = await post(client, staff, handler, f"/api/tickets/{t['ticket_no']}/{action}", body)
        assert status == 200, t
    return t


def no_personal_data(payload: str):
    for piece in PERSONAL:
        assert piece not in payload, piece


async def public(client, **params):
    resp = await client.get("/api/public/answers", params=params)
    assert resp.status == 200
    return await resp.json()


HOSTILE = ("我叫张三丰，身份证51160219900101123X，电话13912345678，住幸福小区3栋2单元501室，"
           "楼下川A·12345天天堵消防通道，网格员刘小明说管不了")


async def test_consent_and_approval_gate_publication(client, staff):
    consented = await answered_ticket(client, staff, HOSTILE, True,
                                      reply="张三丰您好，我局已联系车主（川A·12345），网格员刘小明每日巡查，回电13912345678")
    await answered_ticket(client, staff, "小区电梯坏了一周，不同意公开", False)
    status, open_one = await post(client, staff, "d1", "/api/tickets", {
        "description": "路灯不亮", "department": "区住建局", "publish_consent": True})
    assert status == 201

    # nothing is public before a moderator approves
    assert (await public(client))["total"] == 0

    # the moderator's queue: only the answered ticket with consent, with a draft free of personal data
    resp = await client.get("/api/publication/queue", headers=h(staff, "s1"))
    queue = await resp.json()
    assert resp.status == 200 and [i["ticket_no"] for i in queue["items"]] == [consented["ticket_no"]]
    item = queue["items"][0]
    assert item["state"] == "pending"
    no_personal_data(item["draft"]["question"] + item["draft"]["answer"])
    assert "［号码］" in item["draft"]["question"] and "［车牌号］" in item["draft"]["question"]
    # a supervisor sees the original masked (bot.privacy roles)
    assert "13912345678" not in item["original"]["question"]

    # who may moderate: supervisor, admin; not a handler or dispatcher; nobody without a token
    assert (await client.get("/api/publication/queue", headers=h(staff, "zj1"))).status == 403
    assert (await client.get("/api/publication/queue")).status == 401
    status, body = await post(client, staff, "d1", f"/api/publication/{consented['ticket_no']}/approve")
    assert status == 403
    # no consent, not answered: refused with a clear code
    status, body = await post(client, staff, "s1", f"/api/publication/{open_one['ticket_no']}/approve")
    assert status == 409 and body["error"]["code"] == "not_answered"
    no_consent = (await (await client.get("/api/tickets", params={"q": "不同意公开"}, headers=h(staff, "d1"))).json())
    status, body = await post(client, staff, "s1", f"/api/publication/{no_consent['items'][0]['ticket_no']}/approve")
    assert status == 409 and body["error"]["code"] == "no_consent"
    status, body = await post(client, staff, "s1", "/api/publication/GD23456789/approve")
    assert status == 404

    # approve with the moderator's edit; personal data typed in the edit is removed as well
    status, body = await post(client, staff, "s1", f"/api/publication/{consented['ticket_no']}/approve", {
        "answer": "您好，我局已联系车主并督促整改，如有问题请联系网格员刘小明13912345678。"})
    assert status == 200 and body["state"] == "approved", body
    no_personal_data(body["published"]["question"] + body["published"]["answer"])
    status, body = await post(client, staff, "s1", f"/api/publication/{consented['ticket_no']}/approve")
    assert status == 409 and body["error"]["code"] == "invalid_state"

    data = await public(client)
    assert data["total"] == 1 and set(data["items"][0]) == PUBLIC_ANSWER_FIELDS
    answer = data["items"][0]
    assert answer["department"] == "区住建局" and answer["category"] == "投诉"
    assert answer["received"] == sla.as_utc(datetime.fromisoformat(consented["created_at"])) \
        .astimezone(sla.local_tz()).date().isoformat()
    assert "ticket_no" not in answer and consented["ticket_no"] not in str(data)
    no_personal_data(str(data))
    one = await client.get(f"/api/public/answers/{answer['id']}")
    assert one.status == 200 and (await one.json())["answer"] == answer["answer"]
    assert (await client.get("/api/public/answers/999999")).status == 404
    assert (await client.get("/api/public/answers/abc")).status == 404

    # the decision is in the audit trail
    from bot.audit.trail import verify  # noqa: F401  (the chain stays intact)
    from bot.db import session_scope
    from bot.audit.models import AuditEntry
    from sqlalchemy import select
    async with session_scope() as session:
        actions = list((await session.execute(select(AuditEntry.action).where(
            AuditEntry.object_id == consented["ticket_no"]))).scalars())
    assert "publication.approve" in actions

    # withdrawn: gone from the public; approving again needs no new consent
    status, body = await post(client, staff, "s1", f"/api/publication/{consented['ticket_no']}/withdraw", {})
    assert status == 400 and body["error"]["code"] == "missing_reason"
    status, body = await post(client, staff, "s1", f"/api/publication/{consented['ticket_no']}/withdraw",
                              {"reason": "市民要求撤回"})
    assert status == 200 and body["state"] == "withdrawn"
    assert (await public(client))["total"] == 0
    resp = await client.get("/api/publication/queue", params={"state": "withdrawn"}, headers=h(staff, "a1"))
    assert [i["ticket_no"] for i in (await resp.json())["items"]] == [consented["ticket_no"]]
    assert (await client.get("/api/publication/queue", params={"state": "x"}, headers=h(staff, "s1"))).status == 400
    status, body = await post(client, staff, "a1", f"/api/publication/{consented['ticket_no']}/approve")
    assert status == 200 and (await public(client))["total"] == 1

    # a ticket reopened by a 不满意 return visit leaves the public list until answered again
    status, t = await post(client, staff, "d1", f"/api/tickets/{consented['ticket_no']}/visit",
                           {"satisfaction": "不满意", "reason": "车还是停在那里"})
    assert status == 200 and t["status"] == "dispatched"
    assert (await public(client))["total"] == 0


async def test_search_filters_paging_and_feed(client, staff):
    rows = [("楼道灯坏了三个月没人修", "区住建局", "投诉"), ("河道有人倒垃圾，电话13912345678", "区水务局", "举报"),
            ("建议小区增加充电桩", "区住建局", "建议"), ("占道经营烧烤油烟大", "区综合执法局", "投诉")]
    for description, department, category in rows:
        t = await answered_ticket(client, staff, description, True, department=department, category=category,
                                  reply=f"关于“{description[:6]}”，已处理")
        status, _ = await post(client, staff, "s1", f"/api/publication/{t['ticket_no']}/approve")
        assert status == 200
    data = await public(client)
    assert data["total"] == 4 and data["departments"] == sorted({r[1] for r in rows})
    assert set(data["categories"]) == {"投诉", "举报", "建议"}
    assert [i["question"] for i in (await public(client, q="充电桩"))["items"]] == ["建议小区增加充电桩"]
    assert (await public(client, q="楼道 三个月"))["total"] == 1
    assert (await public(client, q="50%_"))["total"] == 0
    assert {i["department"] for i in (await public(client, department="区住建局"))["items"]} == {"区住建局"}
    assert (await public(client, category="投诉"))["total"] == 2
    first, second = await public(client, page_size=3), await public(client, page_size=3, page=2)
    assert len(first["items"]) == 3 and len(second["items"]) == 1
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    for params, code in (({"page": "0"}, "invalid_page"), ({"page_size": "500"}, "invalid_page_size"),
                         ({"category": "八卦"}, "invalid_category"), ({"q": "长" * 51}, "invalid_q"),
                         ({"page": "x"}, "invalid_page")):
        resp = await client.get("/api/public/answers", params=params)
        assert resp.status == 400 and (await resp.json())["error"]["code"] == code

    resp = await client.get("/api/public/answers.atom", params={"department": "区水务局"})
    assert resp.status == 200 and resp.content_type == "application/atom+xml"
    text = await resp.text()
    no_personal_data(text)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(text.encode("utf-8"))
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 1 and "河道有人倒垃圾" in entries[0].find("a:content", ns).text
    assert re.fullmatch(r"http://[^/]+/api/public/answers/\d+", entries[0].find("a:id", ns).text)
    assert datetime.fromisoformat(entries[0].find("a:updated", ns).text).tzinfo is not None

    page = await client.get("/portal/answers")
    html = await page.text()
    assert page.status == 200 and "诉求答复公开" in html and "/static/public.js" in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


async def test_public_figures_equal_kpi(client, staff):
    for i, (department, consent) in enumerate((("区住建局", True), ("区住建局", False), ("区水务局", True))):
        t = await answered_ticket(client, staff, f"第{i}件诉求：污水外溢", consent, department=department)
        if i == 0:
            await post(client, staff, "d1", f"/api/tickets/{t['ticket_no']}/visit", {"satisfaction": "满意"})
    await post(client, staff, "d1", "/api/tickets", {"description": "井盖丢了", "department": "区综合执法局"})
    await post(client, staff, "d1", "/api/tickets", {"description": "随便问问", "category": "咨询"})
    today = datetime.now(timezone.utc).astimezone(sla.local_tz()).date()
    month = today.strftime("%Y-%m")
    resp = await client.get("/api/public/figures", params={"from": month, "to": month})
    data = await resp.json()
    assert resp.status == 200 and data["from"] == month
    first = today.replace(day=1).isoformat()
    last = (today.replace(day=28) + __import__("datetime").timedelta(days=4)).replace(day=1) \
        - __import__("datetime").timedelta(days=1)
    kpi = await (await client.get("/api/kpi", params={"from": first, "to": last.isoformat()},
                                  headers=h(staff, "s1"))).json()
    rows = {r["department"]: r for r in data["rows"] if r["month"] == month}
    assert rows["全区"]["tickets"] == kpi["overall"]["tickets"] == 5
    for name, figures in kpi["departments"].items():
        if name == "（待派单）":
            assert name not in rows
            continue
        row = rows[name]
        for key in ("tickets", "sign_on_time_rate", "response_rate", "resolve_rate", "satisfaction_rate"):
            assert row[key] == figures[key], (name, key)
        avg = figures["resolution_hours"]["avg"]
        assert row["resolution_working_days"] == (round(avg / 24, 2) if avg is not None else None)
    assert rows["区住建局"]["satisfaction_rate"] == 1.0 and rows["区水务局"]["satisfaction_rate"] is None

    # one department; CSV for open-data portals
    resp = await client.get("/api/public/figures", params={"from": month, "to": month, "department": "区水务局",
                                                            "format": "csv"})
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    text = (await resp.read()).decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["department"] for r in table] == ["区水务局"] and table[0]["tickets"] == "1"
    assert table[0]["satisfaction_rate"] == "" and table[0]["resolve_rate"] == "1.0"

    # default: the last 12 months, every month listed even when empty
    data = await (await client.get("/api/public/figures")).json()
    assert len({r["month"] for r in data["rows"]}) == 12 and data["to"] == month
    for params, code in (({"from": "2026-13"}, "invalid_from"), ({"to": "2026/01"}, "invalid_to"),
                         ({"from": "2026-05", "to": "2026-01"}, "invalid_range"),
                         ({"from": "2020-01", "to": "2026-01"}, "invalid_range"), ({"format": "xls"}, "invalid_format")):
        resp = await client.get("/api/public/figures", params=params)
        assert resp.status == 400 and (await resp.json())["error"]["code"] == code, params
