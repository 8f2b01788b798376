"""Ratings of the bot's answers through the real web app on SQLite and PostgreSQL: anyone may rate
(CORS, masked storage, one rating per answer), only admins review, and the export holds candidates
only (docs/feedback.md)."""
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

CONVERSATION = "c0ffee00c0ffee00c0ffee00c0ffee00"


def h(staff, who):
    return {"Authorization": f"Bearer {staff.tokens[who]}"}


def rating(value, answer="补办社保卡请带身份证。", at="2026-12-07T05:00:00Z", **extra):
    return {"conversation_id": CONVERSATION, "rating": value, "answer": answer, "answer_at": at,
            "question": "社保卡丢了怎么办，我叫张三丰电话13912345678", "channel": "socketio",
            "context": [{"from": "user", "text": "身份证51160219900101123X"}], **extra}


async def test_rate_review_and_export(client, staff):
    pre = await client.options("/api/feedback", headers={"Origin": "https://www.example.gov.cn",
                                                         "Access-Control-Request-Method": "POST"})
    assert pre.status == 204 and pre.headers["Access-Control-Allow-Origin"] == "*"
    # the widget posts text/plain (no preflight) from any page
    import json
    resp = await client.post("/api/feedback", data=json.dumps(rating("up")), headers={"Content-Type": "text/plain"})
    body = await resp.json()
    assert resp.status == 201 and resp.headers["Access-Control-Allow-Origin"] == "*" and body["rating"] == "up"
    assert "13912345678" not in str(body) and "张三丰" not in str(body) and "51160219900101123X" not in str(body)
    # a change of mind replaces the rating of the same answer
    body = await (await client.post("/api/feedback", json=rating("down"))).json()
    await client.post("/api/feedback", json=rating("up", answer="您好，我是政务智能助手。", at="2026-12-07T04:59:00Z"))
    for bad, code in (({"rating": "meh"}, "invalid_rating"), ({"conversation_id": "x"}, "invalid_conversation_id"),
                      ({"answer": ""}, "missing_answer"), ({"context": "x"}, "invalid_context")):
        resp = await client.post("/api/feedback", json={**rating("down"), **bad})
        assert resp.status == 400 and (await resp.json())["error"]["code"] == code
    assert (await client.post("/api/feedback", data="{oops", headers={"Content-Type": "text/plain"})).status == 400

    assert (await client.get("/api/feedback/queue")).status == 401
    assert (await client.get("/api/feedback/queue", headers=h(staff, "d1"))).status == 403
    data = await (await client.get("/api/feedback/queue", headers=h(staff, "a1"))).json()
    assert data["total"] == 1 and data["ratings"] == {"up": 1, "down": 1}
    item = data["items"][0]
    assert item["id"] == body["id"] and item["question"] == "社保卡丢了怎么办，我叫张**电话139****5678"
    assert item["context"] == [{"from": "user", "text": "身份证511602********123X"}]

    resp = await client.post(f"/api/feedback/{item['id']}/review", json={"verdict": "wrong"}, headers=h(staff, "a1"))
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "missing_correct_answer"
    assert (await client.post("/api/feedback/999/review", json={"verdict": "ok"}, headers=h(staff, "a1"))).status == 404
    assert (await client.post(f"/api/feedback/{item['id']}/review", json={"verdict": "ok"},
                              headers=h(staff, "s1"))).status == 403
    resp = await client.post(f"/api/feedback/{item['id']}/review", headers=h(staff, "a1"), json={
        "verdict": "wrong", "correct_answer": "先挂失，再带身份证到社保窗口补办，工本费以窗口为准。", "note": "漏了挂失"})
    assert resp.status == 200 and (await resp.json())["verdict"] == "wrong"
    assert (await (await client.get("/api/feedback/queue", headers=h(staff, "a1"))).json())["total"] == 0
    wrong = await (await client.get("/api/feedback/queue", params={"state": "wrong"}, headers=h(staff, "a1"))).json()
    assert [i["id"] for i in wrong["items"]] == [item["id"]]
    # reviewed: the citizen clicking again does not undo the review
    await client.post("/api/feedback", json=rating("up"))
    wrong = await (await client.get("/api/feedback/queue", params={"state": "wrong"}, headers=h(staff, "a1"))).json()
    assert wrong["items"][0]["rating"] == "down"

    resp = await client.get("/api/feedback/export", headers=h(staff, "a1"))
    export = await resp.json()
    assert resp.status == 200 and "attachment" in resp.headers["Content-Disposition"]
    assert "不会自动训练" in export["note"]
    assert export["faq_entries"] == [{"question": item["question"], "answer": "先挂失，再带身份证到社保窗口补办，工本费以窗口为准。",
                                      "wrong_answer": "补办社保卡请带身份证。", "source": f"answer_rating:{item['id']}",
                                      "reviewed_by": "a1", "reviewed_at": export["faq_entries"][0]["reviewed_at"]}]
    assert export["nlu_examples"] == [{"text": item["question"], "source": f"answer_rating:{item['id']}", "intent": None}]
    assert (await client.get("/api/feedback/export", headers=h(staff, "s1"))).status == 403
