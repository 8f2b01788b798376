"""Material pre-check (申报预检) over HTTP, for the portal widget and the mini-program (docs/uploads.md).

The citizen's calls carry the upload-session token in ``X-Upload-Token`` (no login: the token,
returned once when the session is opened, is the key):

POST   /api/uploads                    {"guide", "answers", "name"} → 201 {"token", "ref", "expires_at", "materials"}
POST   /api/uploads/files              multipart: file (+ material) → 201 the file's id and the type read
GET    /api/uploads/check              → per material 齐全 / 缺少 / 有问题 with the reasons
GET    /api/uploads/files/{file_id}    → the stored (re-encoded) file, own session only
DELETE /api/uploads                    → the session and its files deleted now

The page ``GET /precheck/{guide_id}?q=v`` (linked from the 一次性告知单's mobile page) does these
calls in the browser (static/precheck.js).

Window staff (dispatcher, supervisor, admin; bearer token) with a reason, each read audited:

GET /api/uploads/staff/{ref}?reason=…                  → the session's result and files
GET /api/uploads/staff/{ref}/files/{file_id}?reason=…  → one file
"""
from __future__ import annotations

import json
import logging
from html import escape

from aiohttp import web

from bot.situations.data import SituationError
from bot.situations.engine import clean_answers
from bot.settings import get_settings
from bot.situations.sheet import SheetError, parse_answers
from bot.uploads import service
from bot.uploads.checks import ON_SITE_FORMS, WINDOW_NOTE
from bot.web.errors import ApiError, error_response, read_json
from bot.web.http import json_response, principal

logger = logging.getLogger(__name__)
TOKEN_HEADER = "X-Upload-Token"
STAFF_ROLES = ("dispatcher", "supervisor")  # admin always passes
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
    "Content-Security-Policy": "sandbox; default-src 'none'", "Referrer-Policy": "no-referrer",
}


# The widget runs on other sites' pages: the citizen's calls answer any origin. The token travels in
# a header (no cookie), so a foreign page can use only a session it opened itself.
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": f"Content-Type, {TOKEN_HEADER}",
        "Access-Control-Expose-Headers": "Content-Disposition", "Access-Control-Max-Age": "86400"}


def _cors(handler):
    """The handler's answer, its errors too, with the CORS headers (else a browser hides the error)."""
    async def wrapped(request: web.Request) -> web.Response:
        try:
            response = await handler(request)
        except ApiError as exc:
            response = error_response(exc.status, exc.code, exc.message, **exc.details)
        response.headers.update(CORS)
        return response
    return wrapped


async def preflight(_request: web.Request) -> web.Response:
    return web.Response(status=204, headers=CORS)


def _api_error(exc: service.UploadError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


def _token(request: web.Request) -> str | None:
    return request.headers.get(TOKEN_HEADER, "").strip() or None


async def open_session(request: web.Request) -> web.Response:
    body = await read_json(request, max_bytes=8 * 1024)
    guide, name, raw = body.get("guide"), body.get("name"), body.get("answers") or {}
    if not isinstance(guide, str) or not guide:
        raise ApiError(400, "invalid_guide", "请提供办事指南编号 guide")
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ApiError(400, "invalid_answer", "answers 应为 {问题: 选项值} 映射")
    if name is not None and not isinstance(name, str):
        raise ApiError(400, "invalid_name", "姓名应为文字")
    try:
        from bot.situations.data import get_situations

        spec = get_situations().get(guide)
        answers = clean_answers(spec, raw) if spec else {}
        opened = await service.open_session(guide, answers, name)
        materials = service.materials_of(guide, answers)
    except service.UploadError as exc:
        raise _api_error(exc) from None
    except SituationError:
        raise ApiError(503, "situations_unavailable", "情形引导数据暂不可用，请稍后再试") from None
    return json_response({"token": opened.token, "ref": opened.ref, "expires_at": opened.expires_at.isoformat(),
                          "materials": materials, "limits": _limits()}, status=201)


def _limits() -> dict:
    u = get_settings().uploads
    return {"max_bytes": u.max_bytes, "max_files": u.max_files, "types": ["image/jpeg", "image/png", "image/webp",
                                                                         "application/pdf"]}


async def _read_upload(request: web.Request) -> tuple[bytes, str | None]:
    """The multipart ``file`` (read up to the size limit, never further) and ``material`` fields."""
    limit = get_settings().uploads.max_bytes
    if not request.content_type.startswith("multipart/"):
        raise ApiError(400, "multipart_required", "请以 multipart/form-data 上传文件（字段 file）")
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise ApiError(413, "file_too_large", f"文件过大（最大 {limit // (1024 * 1024)} MB），请压缩后再上传")
    data, material = None, None
    try:
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if part.name == "file" and data is None:
                buf = bytearray()
                while True:
                    chunk = await part.read_chunk(64 * 1024)
                    if not chunk:
                        break
                    buf.extend(chunk)
                    if len(buf) > limit:
                        raise ApiError(413, "file_too_large", f"文件过大（最大 {limit // (1024 * 1024)} MB），请压缩后再上传")
                data = bytes(buf)
            elif part.name == "material":
                raw = await part.read_chunk(2048)  # a material's name; never read further
                material = raw.decode("utf-8", errors="replace")[:500].strip() or None
    except ApiError:
        raise
    except Exception:
        raise ApiError(400, "bad_multipart", "上传内容格式有误，请重新选择文件") from None
    if data is None:
        raise ApiError(400, "missing_file", "请选择要上传的文件（字段 file）")
    return data, material


async def upload_file(request: web.Request) -> web.Response:
    token = _token(request)
    data, material = await _read_upload(request)
    try:
        return json_response(await service.add_file(token, data, material), status=201)
    except service.UploadError as exc:
        raise _api_error(exc) from None


async def check(request: web.Request) -> web.Response:
    try:
        return json_response(await service.check(_token(request)))
    except service.UploadError as exc:
        raise _api_error(exc) from None


def _file_response(row, data: bytes) -> web.Response:
    ext = "pdf" if row.kind == "pdf" else "jpg"
    return web.Response(body=data, content_type=row.media_type, headers={
        **FILE_HEADERS, "Content-Disposition": f'attachment; filename="{row.public_id}.{ext}"'})


async def own_file(request: web.Request) -> web.Response:
    try:
        row, data = await service.citizen_file(_token(request), request.match_info["file_id"])
    except service.UploadError as exc:
        raise _api_error(exc) from None
    return _file_response(row, data)


async def delete_session(request: web.Request) -> web.Response:
    try:
        files = await service.delete_session(_token(request))
    except service.UploadError as exc:
        raise _api_error(exc) from None
    return json_response({"deleted": True, "files": files})


def _reason(request: web.Request) -> str:
    reason = (request.query.get("reason") or "").strip()
    if not reason or len(reason) > 200:
        raise ApiError(400, "reason_required", "查看申请人上传的材料须填写事由（reason，200 字以内）")
    return reason


async def staff_session(request: web.Request) -> web.Response:
    who = await principal(request, *STAFF_ROLES)
    reason = _reason(request)
    try:
        return json_response(await service.staff_session(request.match_info["ref"], who.username, reason))
    except service.UploadError as exc:
        raise _api_error(exc) from None


async def staff_file(request: web.Request) -> web.Response:
    who = await principal(request, *STAFF_ROLES)
    reason = _reason(request)
    try:
        row, data = await service.staff_file(request.match_info["ref"], request.match_info["file_id"],
                                             who.username, reason)
    except service.UploadError as exc:
        raise _api_error(exc) from None
    return _file_response(row, data)


PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
}
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf"


async def page(request: web.Request) -> web.Response:
    """The pre-check page for a guide and the answers in the query (as the 告知单's links)."""
    from bot.web.situations import _spec

    guide = request.match_info["guide_id"]
    spec = _spec(guide)
    try:
        answers = parse_answers(spec, dict(request.query))
        materials = service.materials_of(guide, answers)
    except SheetError as exc:
        raise ApiError(400, exc.code, str(exc)) from None
    except service.UploadError as exc:
        raise _api_error(exc) from None
    e = escape
    rows = []
    for m in materials:
        if m["form"] in ON_SITE_FORMS:
            continue
        cond = f'<span class="note">（{e(m["condition"])}）</span>' if m["condition"] else ""
        rows.append(f'<li class="pc-row"><span class="name">{e(m["name"])}</span>{cond}'
                    f'<input type="file" accept="{ACCEPT}" multiple data-material="{e(m["name"])}" '
                    f'aria-label="上传{e(m["name"])}"><span class="pc-file-status"></span></li>')
    on_site = [m["name"] for m in materials if m["form"] in ON_SITE_FORMS]
    limit_mb = get_settings().uploads.max_bytes // (1024 * 1024)
    days = get_settings().uploads.retention_days
    html = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>材料预检</title>
<link rel="stylesheet" href="/static/checklist.css">
</head>
<body>
<main class="sheet" id="precheck" data-guide="{e(guide)}" data-answers="{e(json.dumps(answers, ensure_ascii=False))}">
<h1>材料预检</h1>
<p class="note">为每项材料拍照或选择 PDF（JPG、PNG、WebP 或 PDF，每个不超过 {limit_mb} MB），系统自动识别并提示缺少或有问题的材料。
文件加密保存，{days} 天后自动删除，您也可以随时删除。</p>
<p class="pc-name"><label>申请人姓名（用于核对证件，可不填）：<input id="pc-name" maxlength="20" autocomplete="name"></label></p>
<ol class="materials">{''.join(rows)}</ol>
{f'<p class="note">现场办理、无需上传：{e("、".join(on_site))}</p>' if on_site else ''}
<p><button type="button" id="pc-check">查看预检结果</button><button type="button" class="secondary" id="pc-delete">删除我上传的材料</button></p>
<p id="pc-message" role="status"></p>
<ul class="pc-result" id="pc-result"></ul>
<p class="note" id="pc-ref"></p>
<p class="note">{e(WINDOW_NOTE)}</p>
</main>
<script src="/static/precheck.js"></script>
</body>
</html>"""
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS)


def setup(app: web.Application) -> None:
    app.router.add_get(r"/precheck/{guide_id:[a-z0-9][a-z0-9_\-]*}", page)
    for path, routes in (("/api/uploads", (("POST", open_session), ("DELETE", delete_session))),
                         ("/api/uploads/files", (("POST", upload_file),)),
                         ("/api/uploads/check", (("GET", check),)),
                         ("/api/uploads/files/{file_id}", (("GET", own_file),))):
        for method, handler in routes:
            app.router.add_route(method, path, _cors(handler))
        app.router.add_route("OPTIONS", path, preflight)
    app.router.add_get("/api/uploads/staff/{ref}", staff_session)
    app.router.add_get("/api/uploads/staff/{ref}/files/{file_id}", staff_file)
