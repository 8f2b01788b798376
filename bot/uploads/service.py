"""Upload sessions, their encrypted files, the pre-check and the retention sweep (docs/uploads.md).

A session is opened for one guide and the applicant's situation answers; its token (256 random
bits, returned once) is the only key to it for the citizen. Files are cleaned (bot.uploads.sanitize),
read by OCR once on upload, and kept encrypted: the bytes on disk under UPLOAD_DIR, the text read in
the database. Staff read a session or a file only with a reason, and each read is an audit entry.
Everything is deleted when the session expires (UPLOAD_RETENTION_DAYS) by the worker's sweep, or at
once when the citizen deletes the session. Nothing here logs a name, a number or a text read."""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import trail
from bot.calendar import local_today
from bot.db import session_scope
from bot.settings import get_settings
from bot.situations.data import get_situations
from bot.situations.engine import checklist
from bot.uploads import checks, crypto, ocr
from bot.uploads.models import UploadFile, UploadSession
from bot.uploads.sanitize import Clean, Rejected, clean

logger = logging.getLogger(__name__)
MAX_NAME = 20
# OCR has a thread of its own (one inference at a time on a small machine), so it never holds up the
# default executor the other pages use; more uploads than this waiting for it answer 503.
MAX_OCR_WAITING = 8
_ocr_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr")
_ocr_waiting = 0
REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class UploadError(Exception):
    """A request the service refuses: status, code and a Chinese message without personal data."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


NOT_FOUND = ("upload_session_not_found", "上传会话不存在或已过期，请重新开始预检")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite gives naive UTC


def upload_dir() -> Path:
    path = Path(get_settings().uploads.dir)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


# --- sessions -------------------------------------------------------------------------------------
@dataclass
class Opened:
    token: str
    ref: str
    expires_at: datetime


def materials_of(guide: str, answers: dict) -> list[dict]:
    """The applicant's list for the guide and answers: name, form and the condition it depends on."""
    spec = get_situations().get(guide)
    if spec is None:
        raise UploadError(404, "situations_not_found", f"办事指南 {guide} 没有情形引导，无法预检")
    return [{"name": i.material.name, "form": i.material.form, "condition": i.condition}
            for i in checklist(spec, answers).items]


async def open_session(guide: str, answers: dict, applicant_name: str | None, url: str | None = None) -> Opened:
    if applicant_name is not None and (not applicant_name.strip() or len(applicant_name) > MAX_NAME):
        raise UploadError(400, "invalid_name", f"姓名应为 1 到 {MAX_NAME} 个字")
    materials_of(guide, answers)  # the guide has situations
    token = secrets.token_urlsafe(32)
    ref = "".join(secrets.choice(REF_ALPHABET) for _ in range(10))
    now = _now()
    expires = now + timedelta(days=get_settings().uploads.retention_days)
    async with session_scope(url) as session:
        session.add(UploadSession(ref=ref, token_hash=crypto.token_hash(token), guide=guide, answers=answers,
                                  applicant_name_enc=crypto.encrypt_text(applicant_name.strip()) if applicant_name else None,
                                  created_at=now, expires_at=expires))
    return Opened(token, ref, expires)


async def _by_token(session: AsyncSession, token: str | None) -> UploadSession:
    if not token or len(token) > 128:
        raise UploadError(401, "upload_token_required", "请先开始预检（缺少或无效的上传会话令牌）")
    row = (await session.execute(select(UploadSession).where(
        UploadSession.token_hash == crypto.token_hash(token)))).scalar_one_or_none()
    if row is None or _aware(row.expires_at) <= _now():
        raise UploadError(404, *NOT_FOUND)
    return row


async def _by_ref(session: AsyncSession, ref: str) -> UploadSession:
    row = (await session.execute(select(UploadSession).where(UploadSession.ref == ref.upper()))).scalar_one_or_none()
    if row is None or _aware(row.expires_at) <= _now():
        raise UploadError(404, *NOT_FOUND)
    return row


async def _files(session: AsyncSession, upload: UploadSession) -> list[UploadFile]:
    return list((await session.execute(select(UploadFile).where(UploadFile.session_id == upload.id)
                                       .order_by(UploadFile.id))).scalars())


async def _file_of(session: AsyncSession, upload: UploadSession, file_id: str) -> UploadFile:
    row = (await session.execute(select(UploadFile).where(
        UploadFile.public_id == file_id, UploadFile.session_id == upload.id))).scalar_one_or_none()
    if row is None:
        raise UploadError(404, "upload_file_not_found", "没有找到这个文件")
    return row


# --- files ----------------------------------------------------------------------------------------
def read_text(cleaned: Clean, engine: ocr.OcrEngine | None = None) -> str:
    """A PDF's text layer and the OCR of its images, or the OCR of a photo."""
    lines = [cleaned.text] if cleaned.text.strip() else []
    if cleaned.images:
        engine = engine or ocr.get_engine()
        for image in cleaned.images:
            lines.extend(engine.read(image))
    return "\n".join(lines)


def _write(name: str, data: bytes) -> None:
    path = upload_dir() / name
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _unlink(name: str) -> None:
    try:
        (upload_dir() / name).unlink()
    except FileNotFoundError:
        pass


async def add_file(token: str | None, data: bytes, material: str | None, url: str | None = None) -> dict:
    limits = get_settings().uploads
    async with session_scope(url) as session:
        upload = await _by_token(session, token)
        if len(await _files(session, upload)) >= limits.max_files:
            raise UploadError(409, "too_many_files", f"每次预检最多上传 {limits.max_files} 个文件")
        names = [m["name"] for m in materials_of(upload.guide, upload.answers)]
        stored_total = (await session.execute(select(func.coalesce(func.sum(UploadFile.size), 0)))).scalar_one()
    if stored_total + len(data) > limits.max_stored_bytes:  # a flood of uploads cannot fill the disk
        logger.warning("upload storage full", extra={"bytes": int(stored_total)})
        raise UploadError(503, "precheck_full", "预检暂时无法接收更多文件，请稍后再试或直接到窗口办理")
    if material is not None and material not in names:
        raise UploadError(400, "unknown_material", "所选材料不在本事项的材料清单中")
    loop = asyncio.get_running_loop()
    try:
        cleaned = await loop.run_in_executor(
            None, clean, data, limits.max_bytes, limits.max_pixels, limits.max_pdf_pages)
    except Rejected as exc:
        raise UploadError(413 if exc.code in ("file_too_large",) else 415 if exc.code.endswith(
            ("_not_allowed", "unsupported_type")) else 400, exc.code, str(exc)) from None
    global _ocr_waiting
    if _ocr_waiting >= MAX_OCR_WAITING:
        raise UploadError(503, "precheck_busy", "预检识别繁忙，请稍后再上传")
    _ocr_waiting += 1
    try:
        text = await loop.run_in_executor(_ocr_pool, read_text, cleaned)
    except Exception as exc:  # the OCR failing is an unreadable file, not a 500; only its kind is logged
        logger.warning("upload not read", extra={"error": type(exc).__name__})
        text = cleaned.text
    finally:
        _ocr_waiting -= 1
    doc_type = checks.classify(text)
    stored = secrets.token_hex(16)
    await loop.run_in_executor(None, _write, stored, crypto.encrypt(cleaned.stored))
    try:
        async with session_scope(url) as session:
            upload = await _by_token(session, token)
            row = UploadFile(public_id=secrets.token_hex(8), session_id=upload.id, material=material,
                             kind=cleaned.kind, media_type=cleaned.media_type, size=len(cleaned.stored),
                             stored_name=stored, doc_type=doc_type, text_enc=crypto.encrypt_text(text),
                             created_at=_now())
            session.add(row)
    except BaseException:
        _unlink(stored)  # never a file without its row
        raise
    logger.info("upload stored", extra={"kind": cleaned.kind, "bytes": len(cleaned.stored)})
    return {"id": row.public_id, "kind": row.kind, "material": material,
            "doc_type": checks.DOC_NAMES.get(doc_type or ""), "read": bool(checks.norm(text))}


def _file_json(f: UploadFile) -> dict:
    return {"id": f.public_id, "kind": f.kind, "material": f.material, "size": f.size,
            "doc_type": checks.DOC_NAMES.get(f.doc_type or ""), "uploaded_at": _aware(f.created_at).isoformat()}


def evaluate(upload: UploadSession, files: list[UploadFile], today: date | None = None) -> dict:
    materials = materials_of(upload.guide, upload.answers)
    readings = [checks.FileReading(f.public_id, crypto.decrypt_text(f.text_enc) or "", f.material) for f in files]
    name = crypto.decrypt_text(upload.applicant_name_enc)
    results, others, on_site = checks.evaluate([(m["name"], m["form"]) for m in materials], readings, name,
                                               today or local_today())
    conditions = {m["name"]: m["condition"] for m in materials}
    items = [dict(r.to_json(), condition=conditions.get(r.name)) for r in results]
    counts = {s: sum(1 for r in results if r.status == s) for s in (checks.PRESENT, checks.MISSING, checks.PROBLEM)}
    return {"guide": upload.guide, "ref": upload.ref, "materials": items, "unmatched_files": others,
            "on_site": on_site, "counts": counts, "files": [_file_json(f) for f in files],
            "expires_at": _aware(upload.expires_at).isoformat(), "note": checks.WINDOW_NOTE}


async def check(token: str | None, url: str | None = None, today: date | None = None) -> dict:
    async with session_scope(url) as session:
        upload = await _by_token(session, token)
        files = await _files(session, upload)
    try:
        return evaluate(upload, files, today)
    except crypto.DecryptError:
        raise UploadError(409, "upload_unreadable", "已上传的文件无法读取（服务密钥已更换），请删除后重新上传") from None


def _read_stored(f: UploadFile) -> bytes:
    try:
        return crypto.decrypt((upload_dir() / f.stored_name).read_bytes())
    except (FileNotFoundError, crypto.DecryptError):
        raise UploadError(410, "upload_file_gone", "文件已删除或无法读取") from None


async def citizen_file(token: str | None, file_id: str, url: str | None = None) -> tuple[UploadFile, bytes]:
    """A file of the caller's own session; another session's file is not found (404), never 403,
    so file ids cannot be probed."""
    async with session_scope(url) as session:
        row = await _file_of(session, await _by_token(session, token), file_id)
    return row, _read_stored(row)


async def staff_session(ref: str, actor: str, reason: str, url: str | None = None) -> dict:
    """A session's pre-check result and file list for window staff; audited."""
    async with session_scope(url) as session:
        upload = await _by_ref(session, ref)
        files = await _files(session, upload)
        await trail.append(session, actor=actor, action="upload_view", object_type="upload_session",
                           object_id=upload.ref, reason=reason, data={"files": len(files)})
    return evaluate(upload, files)


async def staff_file(ref: str, file_id: str, actor: str, reason: str, url: str | None = None) -> tuple[UploadFile, bytes]:
    async with session_scope(url) as session:
        upload = await _by_ref(session, ref)
        row = await _file_of(session, upload, file_id)
        await trail.append(session, actor=actor, action="upload_read", object_type="upload_file",
                           object_id=row.public_id, reason=reason, data={"session": upload.ref})
    return row, _read_stored(row)


# --- deletion -------------------------------------------------------------------------------------
async def _delete_sessions(session: AsyncSession, uploads: list[UploadSession]) -> list[str]:
    ids = [u.id for u in uploads]
    if not ids:
        return []
    names = list((await session.execute(select(UploadFile.stored_name).where(UploadFile.session_id.in_(ids)))).scalars())
    await session.execute(delete(UploadFile).where(UploadFile.session_id.in_(ids)))
    await session.execute(delete(UploadSession).where(UploadSession.id.in_(ids)))
    return names


async def delete_session(token: str | None, url: str | None = None) -> int:
    """The citizen deletes their session and files now."""
    async with session_scope(url) as session:
        upload = await _by_token(session, token)
        names = await _delete_sessions(session, [upload])
    for name in names:
        _unlink(name)
    return len(names)


async def sweep(url: str | None = None, now: datetime | None = None) -> int:
    """Delete expired sessions with their files, and files on disk that no row names (left by a
    crash between writing and committing) once older than the retention. Returns files deleted."""
    now = now or _now()
    async with session_scope(url) as session:
        expired = list((await session.execute(select(UploadSession).where(UploadSession.expires_at <= now))).scalars())
        names = await _delete_sessions(session, expired)
        known = set((await session.execute(select(UploadFile.stored_name))).scalars())
    for name in names:
        _unlink(name)
    cutoff = (now - timedelta(days=get_settings().uploads.retention_days)).timestamp()
    orphans = 0
    directory = Path(get_settings().uploads.dir)
    if directory.is_dir():
        for path in directory.iterdir():
            if path.is_file() and path.stem not in known and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                orphans += 1
    if names or orphans or expired:
        logger.info("uploads swept", extra={"sessions": len(expired), "files": len(names) + orphans})
    return len(names) + orphans
