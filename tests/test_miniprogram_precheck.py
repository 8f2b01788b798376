"""The mini-program's 申报预检 page (miniprogram/pages/precheck, utils/uploads.js) run by Node against a
live web service (`python -m bot serve`, real OCR): tests/mp_precheck_driver.js loads the chat page and
the pre-check page with a fake `wx` whose request/uploadFile go over Node's http client to the
service. From the chat's list reply (the real text, with its links) the citizen opens the page,
types their name, photographs both sides of an ID card (rendered here; the back expired), is told
politely about a file too large (refused before sending), an SVG, a full service (503) and a lost
network (then retries), uploads a PDF from a chat, sees 齐全/缺少/有问题 with the reasons, comes back
to the same result, and deletes everything. Plus `node --check` of every mini-program JS file.
docs/uploads.md."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from bot.calendar import local_today
from tests.hardening_helpers import WebService
from tests.uploads_helpers import SVG_SCRIPT, id_back, id_front, id_number, jpeg, pdf_with_text

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node") or "/usr/bin/node"
GUIDE = "marriage-certificate-replacement"
ID, PHOTO, ARCHIVE = "本人居民身份证", "近期半身免冠照片", "原登记机关出具的婚姻登记档案证明"
MAX_BYTES = 300 * 1024
NETWORK = "网络连接失败，请检查网络后重试（可点“重试”）"



@pytest.fixture(autouse=True)
def node_installed():
    if not os.path.exists(NODE):
        pytest.fail("node not installed: run scripts/install-precheck-deps (Debian nodejs)")


def test_the_page_knows_the_services_on_site_forms():
    from bot.uploads.checks import ON_SITE_FORMS

    script = "process.stdout.write(JSON.stringify(require(process.argv[1]).ON_SITE_FORMS))"
    run = subprocess.run([NODE, "-e", script, str(ROOT / "miniprogram/utils/uploads.js")], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == list(ON_SITE_FORMS)


def test_every_miniprogram_js_file_parses():
    files = sorted((ROOT / "miniprogram").rglob("*.js"))
    assert {f.relative_to(ROOT).as_posix() for f in files} >= {
        "miniprogram/pages/precheck/precheck.js", "miniprogram/utils/uploads.js", "miniprogram/pages/chat/chat.js"}
    for f in files + [ROOT / "tests/mp_precheck_driver.js"]:
        run = subprocess.run([NODE, "--check", str(f)], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, f"{f}: {run.stderr}"
    pages = json.loads((ROOT / "miniprogram/app.json").read_text(encoding="utf-8"))["pages"]
    assert "pages/precheck/precheck" in pages
    for page in pages:
        for ext in ("js", "wxml", "wxss", "json"):
            assert (ROOT / "miniprogram" / f"{page}.{ext}").is_file(), f"{page}.{ext}"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    var = tmp_path_factory.mktemp("mp-precheck")
    # 300 KB per file; 250 KB kept in all, so a 280 KB file is refused as 503 precheck_full
    web = WebService(var, UPLOAD_DIR=str(var / "uploads"), GOV_SECRET_KEY="mp-test-secret", WORKER_IN_WEB="0",
                     UPLOAD_MAX_BYTES=str(MAX_BYTES), UPLOAD_MAX_STORED_BYTES=str(250 * 1024)).start()
    yield web
    web.stop()
    log = web.log.read_text(encoding="utf-8", errors="replace")
    assert "unhandled error" not in log, log[-3000:]
    assert "张三丰" not in log and id_number() not in log  # nothing read is logged


def chat_reply(answers: dict[str, str]) -> str:
    """The list reply exactly as the bot words it (with the service's public URL in its links)."""
    from bot.situations.replies import render_list
    from bot.situations.data import get_situations

    return render_list(get_situations()[GUIDE], "补领结婚证", answers)


def files(tmp: Path) -> dict[str, str]:
    today = local_today()
    made = {
        "front.jpg": jpeg(id_front("张三丰", id_number())),
        "back.jpg": jpeg(id_back(today - timedelta(days=4000), today - timedelta(days=30))),  # expired
        "big.jpg": os.urandom(MAX_BYTES + 100 * 1024),
        "photo.jpg": SVG_SCRIPT,  # an SVG named .jpg: the service decides by the bytes
        "full.jpg": os.urandom(280 * 1024),
        "notes.docx": b"PK\x03\x04 not a document the service takes",
        "archive.pdf": pdf_with_text(["婚姻登记档案证明", "兹证明张三丰于2015年在广安区登记结婚。"]),
    }
    for name, data in made.items():
        (tmp / name).write_bytes(data)
    keys = {"front": "front.jpg", "back": "back.jpg", "big": "big.jpg", "svg": "photo.jpg", "full": "full.jpg",
            "docx": "notes.docx", "pdf": "archive.pdf"}
    return {key: str(tmp / name) for key, name in keys.items()}


def by_name(step: dict) -> dict:
    return {m["name"]: m for m in step["data"]["materials"]}


def test_citizen_prechecks_in_the_miniprogram(service, tmp_path):
    cfg = {"service": service.url, "repo": str(ROOT), "chat_text": chat_reply({"place": "elsewhere"}),
           "materials": {"id": ID, "photo": PHOTO, "archive": ARCHIVE}, "files": files(tmp_path)}
    (tmp_path / "cfg.json").write_text(json.dumps(cfg, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([NODE, str(ROOT / "tests/mp_precheck_driver.js"), str(tmp_path / "cfg.json")],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.stdout, run.stderr
    log = json.loads(run.stdout)
    assert run.returncode == 0 and not log["errors"], log["errors"] or run.stderr
    steps = {s["name"]: s for s in log["steps"]}

    # the chat: the reply's two links became buttons (a user's message gets none); the pre-check
    # one opens the page with the guide and the answers, the 告知单 one is copied
    links = steps["chat"]["data"]["messages"][0]["links"]
    assert [(l["kind"], l["title"]) for l in links] == [("copy", "复制告知单链接"), ("precheck", "上传材料预检")]
    assert steps["chat"]["user_links"] == []
    assert log["navigated"] == ["/pages/precheck/precheck?guide=" + GUIDE + "&q=place%3Delsewhere"]
    assert log["copied"] == [links[0]["target"]] and links[0]["target"].endswith(f"/checklist/{GUIDE}?place=elsewhere")

    first_load = steps["load-offline"]["data"]
    assert first_load["loadError"] == "网络连接失败，请检查网络后重试" and not first_load["loading"]
    # the page lists this applicant's own materials (the archive proof because registered elsewhere)
    loaded = steps["loaded"]["data"]
    assert [m["name"] for m in loaded["materials"]] == [ID, PHOTO, ARCHIVE]
    assert by_name(steps["loaded"])[ARCHIVE]["condition"] == ""  # decided by the answer, no condition shown
    assert loaded["onSite"] == ["申请补领婚姻登记证声明书"] and loaded["title"] == "补领结婚证"
    assert loaded["ref"] == "" and not loaded["loadError"]
    assert steps["check-before-upload"]["data"]["message"] == "请先为至少一项材料拍照或选择文件"
    assert steps["delete-before-upload"]["data"]["message"] == "您还没有上传文件"
    assert log["modals"][0]["confirm"] is False  # no dialog before anything was uploaded
    first = steps["docx-first"]  # a wrong type is refused on the phone, without opening a session
    assert first["opened"] == 0 and first["data"]["ref"] == "" and first["storage"] == []
    assert by_name(first)[ARCHIVE]["files"][0]["message"] == "只接受照片（JPG、PNG、WebP）或 PDF 文件，请重新选择"

    # the ID card: both sides read, the expired back makes it 有问题 with the reason
    card = steps["id-card"]
    assert [f["message"] for f in by_name(card)[ID]["files"]] == ["已上传，识别为居民身份证"] * 2
    assert by_name(card)[ID]["status"] == "有问题" and "有效期" in by_name(card)[ID]["reasons"], by_name(card)[ID]
    assert by_name(card)[PHOTO]["status"] == "缺少" and len(card["data"]["ref"]) == 10 and card["data"]["nameLocked"]
    assert "年" in card["data"]["expires"] and len(card["storage"]) == 1
    assert [u["formData"] for u in log["uploads"][:2]] == [{"material": ID}] * 2
    assert all(u["token"] for u in log["uploads"])
    assert log["chosen"][1] == {"api": "chooseMedia", "count": 9, "mediaType": ["image"],
                                "sourceType": ["album", "camera"]}

    # refusals are polite, say what to do, and never a dead end
    assert card["data"]["message"] == "预检结果：齐全 0 项，缺少 2 项，有问题 1 项"
    assert steps["cancelled"]["data"] == card["data"]  # cancelling the picker changes nothing
    big = by_name(steps["too-big"])[PHOTO]["files"][-1]
    assert steps["too-big"]["sent"] == 0  # refused before sending
    assert big["state"] == "failed" and big["message"] == "文件过大（最大 300 KB），请压缩或重新拍照后上传"
    assert not big["canRetry"]
    svg = by_name(steps["svg"])[PHOTO]["files"][-1]
    assert svg["state"] == "failed" and "SVG" in svg["message"] and not svg["canRetry"], svg
    full = by_name(steps["full"])[PHOTO]["files"][-1]
    assert full["state"] == "failed" and full["canRetry"]
    assert full["message"] == "预检暂时无法接收更多文件，请稍后再试或直接到窗口办理（可点“重试”）"
    docx = by_name(steps["docx"])[ARCHIVE]["files"][-1]
    assert steps["docx"]["sent"] == 0 and docx["message"] == "只接受照片（JPG、PNG、WebP）或 PDF 文件，请重新选择"
    assert log["chosen"][-1]["api"] == "chooseMessageFile" and "pdf" in log["chosen"][-1]["extension"]
    lost = by_name(steps["offline"])[ARCHIVE]["files"][-1]
    assert lost["state"] == "failed" and lost["message"] == NETWORK and lost["canRetry"]
    again = by_name(steps["retried"])[ARCHIVE]["files"][-1]
    assert again["state"] == "done" and again["message"] == "已上传" and again["label"] == "archive.pdf"

    # the result per material, in Chinese, never an approval
    checked = steps["checked"]
    result = {m["name"]: (m["status"], m["cls"]) for m in checked["data"]["materials"]}
    assert result == {ID: ("有问题", "problem"), PHOTO: ("缺少", "missing"), ARCHIVE: ("齐全", "ok")}
    assert by_name(checked)[PHOTO]["reasons"] == "没有上传"
    assert checked["data"]["message"] == "预检结果：齐全 1 项，缺少 1 项，有问题 1 项"
    assert "以窗口审核为准" in checked["data"]["note"] and checked["data"]["unmatched"] == []

    # coming back to the page finds the same session and result
    reopened = steps["reopened"]["data"]
    assert reopened["ref"] == checked["data"]["ref"] and reopened["nameLocked"] and reopened["named"]
    assert reopened["name"] == "" and "张三丰" not in json.dumps(log["stored"], ensure_ascii=False)  # never on the phone
    assert [m["uploaded"] for m in reopened["materials"]] == [2, 0, 1]
    assert {m["name"]: m["status"] for m in reopened["materials"]} == {k: v[0] for k, v in result.items()}

    # delete: asked first (cancel keeps everything), then the session and every file are gone
    assert steps["delete-cancelled"]["data"]["ref"] == reopened["ref"]
    assert log["modals"][-1]["confirm"] is True and "无法恢复" in log["modals"][-1]["content"]
    deleted = steps["deleted"]
    assert deleted["data"]["message"] == "已删除您上传的全部文件" and deleted["storage"] == []
    assert deleted["data"]["ref"] == "" and not deleted["data"]["nameLocked"]
    assert all(not m["files"] and not m["status"] for m in deleted["data"]["materials"])
    assert log["after_delete"]["status"] == 404

    again = steps["again"]["data"]
    assert again["ref"] and again["ref"] != reopened["ref"] and by_name(steps["again"])[ARCHIVE]["status"] == "齐全"
    gone = steps["gone-on-check"]
    assert gone["data"]["message"] == "预检已过期或已删除，请重新上传材料" and gone["storage"] == []
    assert gone["data"]["ref"] == "" and not gone["data"]["nameLocked"]
    lost = by_name(steps["gone-on-upload"])[ARCHIVE]["files"][-1]
    assert lost["message"] == "预检已过期或已删除，请点“重试”重新上传" and lost["canRetry"]
    renewed = steps["new-session"]
    assert renewed["replaced"] and by_name(renewed)[ARCHIVE]["files"][-1]["state"] == "done"
    assert by_name(renewed)[ARCHIVE]["status"] == "齐全" and renewed["data"]["ref"]
    assert steps["deleted-again"]["data"]["message"] == "已删除您上传的全部文件"
    assert [p for p in (service.var_dir / "uploads").iterdir() if p.is_file()] == []

    broken = steps["broken-link"]
    assert broken["requests"] == 0 and "重新打开" in broken["data"]["loadError"]
