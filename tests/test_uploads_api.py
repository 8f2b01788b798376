"""The material pre-check through the real web app on SQLite and PostgreSQL: a citizen opens a
session for 补领结婚证, uploads both sides of an ID card (rendered here, read by the real OCR) and a
photo, and gets 齐全/缺少/有问题 per material; files are encrypted at rest, readable only by the
session's token and by staff with a reason (audited); limits and hostile files are refused politely;
the worker's sweep deletes what is past the retention. docs/uploads.md."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import local_today
from bot.db import sync_engine
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)
from tests.uploads_helpers import SVG_SCRIPT, id_back, id_front, id_number, jpeg, paper, png_bomb, zip_bomb

GUIDE = "marriage-certificate-replacement"
ID_MATERIAL = "本人居民身份证"
PHOTO = "近期半身免冠照片"
TODAY = local_today()


@pytest.fixture
def upload_env(monkeypatch, tmp_path):
    """Uploads in a folder of the test's own, a known secret; set before the app's settings load."""
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("GOV_SECRET_KEY", "test-secret-for-uploads")
    monkeypatch.setenv("UPLOAD_MAX_BYTES", str(300 * 1024))
    return tmp_path / "uploads"


def form(data: bytes, material: str | None = None, filename: str = "photo.jpg", content_type="image/jpeg"):
    f = aiohttp.FormData()
    if material:
        f.add_field("material", material)
    f.add_field("file", data, filename=filename, content_type=content_type)
    return f


async def open_session(client, name="张三丰"):
    resp = await client.post("/api/uploads", json={"guide": GUIDE, "answers": {"place": "local"}, "name": name})
    assert resp.status == 201, await resp.text()
    return await resp.json()


def h(token):
    return {"X-Upload-Token": token}


def audit_rows(url):
    from bot.audit.models import AuditEntry

    engine = sync_engine(url)
    with Session(engine, future=True) as s:
        rows = [(e.actor, e.action, e.object_type, e.object_id, e.reason)
                for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    engine.dispose()
    return rows


async def test_precheck_privacy_and_retention(upload_env, client, staff):
    opened = await open_session(client)
    token, ref = opened["token"], opened["ref"]
    names = [m["name"] for m in opened["materials"]]
    assert ID_MATERIAL in names and "原登记机关出具的婚姻登记档案证明" not in names  # registered here
    # nothing uploaded yet: the ID card and the photo are missing, the declaration is made at the window
    body = await (await client.get("/api/uploads/check", headers=h(token))).json()
    by = {m["name"]: m for m in body["materials"]}
    assert by[ID_MATERIAL]["status"] == "缺少" and by[PHOTO]["status"] == "缺少"
    assert body["on_site"] == ["申请补领婚姻登记证声明书"] and "以窗口审核为准" in body["note"]

    number = id_number()
    front = await client.post("/api/uploads/files", data=form(jpeg(id_front("张三丰", number)), ID_MATERIAL), headers=h(token))
    assert front.status == 201, await front.text()
    front = await front.json()
    assert front["doc_type"] == "居民身份证" and front["read"] is True
    back = await (await client.post("/api/uploads/files", headers=h(token), data=form(
        jpeg(id_back(TODAY - timedelta(days=3000), TODAY + timedelta(days=500)))))).json()
    portrait = jpeg(paper([""], width=200))
    assert (await client.post("/api/uploads/files", data=form(portrait, PHOTO), headers=h(token))).status == 201
    body = await (await client.get("/api/uploads/check", headers=h(token))).json()
    by = {m["name"]: m for m in body["materials"]}
    assert by[ID_MATERIAL]["status"] == "齐全", by[ID_MATERIAL]
    assert sorted(by[ID_MATERIAL]["files"]) == sorted([front["id"], back["id"]])
    assert by[PHOTO]["status"] == "齐全" and body["counts"] == {"齐全": 2, "缺少": 0, "有问题": 0}

    # encrypted at rest: neither the image nor what was read is on disk or in the database in clear
    files = [p for p in upload_env.iterdir() if p.is_file()]
    assert len(files) == 3 and all(oct(p.stat().st_mode)[-3:] == "600" for p in files)
    for p in files:
        raw = p.read_bytes()
        assert b"\xff\xd8\xff" not in raw and b"JFIF" not in raw and number.encode() not in raw
    from bot.uploads.models import UploadFile, UploadSession

    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s:
        dump = repr([(r.text_enc, r.material) for r in s.execute(select(UploadFile)).scalars()]) + \
            repr([(r.applicant_name_enc, r.token_hash) for r in s.execute(select(UploadSession)).scalars()])
    engine.dispose()
    assert number not in dump and "张三丰" not in dump and token not in dump and "公民身份号码" not in dump

    # the citizen reads their own file back (re-encoded JPEG, download only)
    own = await client.get(f"/api/uploads/files/{front['id']}", headers=h(token))
    assert own.status == 200 and own.content_type == "image/jpeg" and (await own.read())[:3] == b"\xff\xd8\xff"
    assert "attachment" in own.headers["Content-Disposition"] and own.headers["X-Content-Type-Options"] == "nosniff"
    # another session's token cannot read it, list it or check it; none at all is 401
    other = (await open_session(client, name="李四"))["token"]
    resp = await client.get(f"/api/uploads/files/{front['id']}", headers=h(other))
    assert resp.status == 404 and number not in await resp.text()
    assert (await client.get(f"/api/uploads/files/{front['id']}")).status == 401
    assert (await client.get("/api/uploads/check", headers=h("forged-token"))).status == 404
    other_check = await (await client.get("/api/uploads/check", headers=h(other))).json()
    assert other_check["files"] == []

    # staff: only with a role and a reason, and every read is in the audit trail
    auth = lambda who: {"Authorization": f"Bearer {staff.tokens[who]}"}  # noqa: E731
    assert (await client.get(f"/api/uploads/staff/{ref}", params={"reason": "窗口受理"})).status == 401
    assert (await client.get(f"/api/uploads/staff/{ref}", params={"reason": "x"}, headers=auth("zj1"))).status == 403
    resp = await client.get(f"/api/uploads/staff/{ref}", headers=auth("s1"))
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "reason_required"
    before = len(audit_rows(staff.url))
    resp = await client.get(f"/api/uploads/staff/{ref}", params={"reason": "窗口受理核对"}, headers=auth("s1"))
    assert resp.status == 200 and (await resp.json())["counts"]["齐全"] == 2
    resp = await client.get(f"/api/uploads/staff/{ref}/files/{back['id']}", params={"reason": "窗口受理核对"},
                            headers=auth("d1"))
    assert resp.status == 200 and (await resp.read())[:3] == b"\xff\xd8\xff"
    rows = audit_rows(staff.url)[before:]
    assert rows == [("s1", "upload_view", "upload_session", ref, "窗口受理核对"),
                    ("d1", "upload_read", "upload_file", back["id"], "窗口受理核对")]
    assert (await client.get(f"/api/uploads/staff/NOPE/files/{back['id']}", params={"reason": "r"},
                             headers=auth("d1"))).status == 404

    # a wrong ID: expired and another name → 有问题 with the reasons
    bad = (await open_session(client, name="王五"))["token"]
    for im in (id_front("张三丰", number), id_back(TODAY - timedelta(days=4000), TODAY - timedelta(days=2))):
        assert (await client.post("/api/uploads/files", data=form(jpeg(im)), headers=h(bad))).status == 201
    item = {m["name"]: m for m in (await (await client.get("/api/uploads/check", headers=h(bad))).json())["materials"]}
    reasons = " ".join(item[ID_MATERIAL]["reasons"])
    assert item[ID_MATERIAL]["status"] == "有问题" and "已过有效期限" in reasons and "王五" in reasons

    # the citizen deletes a session at once; the sweep deletes the expired ones, files and rows
    resp = await client.delete("/api/uploads", headers=h(bad))
    assert (await resp.json()) == {"deleted": True, "files": 2}
    assert (await client.get("/api/uploads/check", headers=h(bad))).status == 404
    assert len([p for p in upload_env.iterdir() if p.is_file()]) == 3
    orphan = upload_env / "deadbeefdeadbeefdeadbeefdeadbeef"
    orphan.write_bytes(b"left by a crash")
    os.utime(orphan, (0, 0))
    from bot.uploads.service import sweep

    assert await sweep(staff.url, now=datetime.now(timezone.utc) + timedelta(days=6)) == 1  # only the orphan
    assert (await client.get("/api/uploads/check", headers=h(token))).status == 200
    assert await sweep(staff.url, now=datetime.now(timezone.utc) + timedelta(days=7, minutes=1)) == 3
    assert [p for p in upload_env.iterdir() if p.is_file()] == []
    assert (await client.get("/api/uploads/check", headers=h(token))).status == 404
    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s:
        assert s.execute(select(UploadFile)).first() is None and s.execute(select(UploadSession)).first() is None
    engine.dispose()


async def test_limits_and_hostile_uploads(upload_env, client, staff):
    token = (await open_session(client))["token"]
    cases = [
        (form(os.urandom(300 * 1024 + 1)), 413, "file_too_large"),
        (form(zip_bomb(), filename="材料.zip", content_type="application/zip"), 415, "archive_not_allowed"),
        (form(SVG_SCRIPT, filename="id.svg", content_type="image/svg+xml"), 415, "svg_not_allowed"),
        # a name and a declared type that lie: the first bytes decide
        (form(b"#!/bin/sh\nrm -rf /\n", filename="身份证.jpg", content_type="image/jpeg"), 415, "unsupported_type"),
        (form(png_bomb(), filename="big.png", content_type="image/png"), 400, "image_too_large"),
        (form(jpeg(paper(["x"])), material="不在清单里的材料"), 400, "unknown_material"),
    ]
    for data, status, code in cases:
        resp = await client.post("/api/uploads/files", data=data, headers=h(token))
        body = await resp.json()
        assert (resp.status, body["error"]["code"]) == (status, code), body
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"])
    # the widget on another site's page: preflight, and errors readable across origins too
    pre = await client.options("/api/uploads/files", headers={"Origin": "https://www.example.gov.cn",
                                                             "Access-Control-Request-Method": "POST"})
    assert pre.status == 204 and "X-Upload-Token" in pre.headers["Access-Control-Allow-Headers"]
    resp = await client.post("/api/uploads/files", json={"file": "x"}, headers=h(token))
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "multipart_required"
    resp = await client.post("/api/uploads/files", data=form(jpeg(paper(["x"]))))
    assert resp.status == 401
    # nothing half-written: no file kept for any refusal
    assert not upload_env.exists() or [p for p in upload_env.iterdir() if p.is_file()] == []
    for bad, code in (({"guide": "no-such-guide"}, "situations_not_found"), ({"guide": GUIDE, "name": "x" * 21}, "invalid_name"),
                      ({"guide": GUIDE, "answers": ["a"]}, "invalid_answer"), ({}, "invalid_guide")):
        resp = await client.post("/api/uploads", json=bad)
        assert resp.status in (400, 404) and (await resp.json())["error"]["code"] == code


async def test_file_count_limit(upload_env, client, staff, monkeypatch):
    from bot.settings import reload_settings

    monkeypatch.setenv("UPLOAD_MAX_FILES", "1")
    reload_settings()
    token = (await open_session(client))["token"]
    blank = jpeg(paper([""], width=120))
    assert (await client.post("/api/uploads/files", data=form(blank, PHOTO), headers=h(token))).status == 201
    resp = await client.post("/api/uploads/files", data=form(blank, PHOTO), headers=h(token))
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "too_many_files"
    # all sessions together: past the stored total, new uploads wait for the sweep
    monkeypatch.setenv("UPLOAD_MAX_STORED_BYTES", "1024")
    reload_settings()
    other = (await open_session(client))["token"]
    resp = await client.post("/api/uploads/files", data=form(blank, PHOTO), headers=h(other))
    assert resp.status == 503 and (await resp.json())["error"]["code"] == "precheck_full"


async def test_ocr_busy_or_failing(upload_env, client, staff, monkeypatch):
    from bot.uploads import ocr, service

    token = (await open_session(client))["token"]
    data = form(jpeg(id_front("张三丰", id_number())), ID_MATERIAL)
    monkeypatch.setattr(service, "_ocr_waiting", service.MAX_OCR_WAITING)
    resp = await client.post("/api/uploads/files", data=data, headers=h(token))
    assert resp.status == 503 and (await resp.json())["error"]["code"] == "precheck_busy"
    monkeypatch.setattr(service, "_ocr_waiting", 0)

    class Broken:
        def read(self, image):
            raise RuntimeError("onnxruntime failed")

    ocr.set_engine(Broken())
    try:
        resp = await client.post("/api/uploads/files", data=form(jpeg(id_front("张三丰", id_number())), ID_MATERIAL),
                                 headers=h(token))
    finally:
        ocr.set_engine(None)
    body = await resp.json()
    assert resp.status == 201 and body["read"] is False and body["doc_type"] is None
    item = {m["name"]: m for m in (await (await client.get("/api/uploads/check", headers=h(token))).json())["materials"]}
    assert item[ID_MATERIAL]["status"] == "有问题" and "重拍" in item[ID_MATERIAL]["reasons"][0]


async def test_worker_sweeps_expired_uploads(upload_env, client, staff):
    """The worker's beat (leader) runs the uploads' retention with the ticket sweeps."""
    from sqlalchemy import update

    from bot.uploads.models import UploadSession
    from bot.worker import Worker

    token = (await open_session(client))["token"]
    keep = (await open_session(client))["token"]
    for t in (token, keep):
        assert (await client.post("/api/uploads/files", data=form(jpeg(paper([""], width=120)), PHOTO),
                                  headers=h(t))).status == 201
    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s, s.begin():
        first = s.execute(select(UploadSession).order_by(UploadSession.id)).scalars().first()
        s.execute(update(UploadSession).where(UploadSession.id == first.id)
                  .values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    engine.dispose()

    class Leader:
        async def hold(self):
            return True

        async def release(self):
            pass

    worker = Worker(url=staff.url, leader=Leader(), interval=1)
    assert await worker.tick() is True and worker.sweeps == 1
    assert (await client.get("/api/uploads/check", headers=h(token))).status == 404
    assert (await client.get("/api/uploads/check", headers=h(keep))).status == 200
    assert len([p for p in upload_env.iterdir() if p.is_file()]) == 1
