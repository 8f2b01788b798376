"""Staff identities: who a bearer token belongs to, and user/department management.

Roles: admin (every right), dispatcher (12345 operator: create, dispatch, reassign, visit),
handler (department staff: acts on its own department's tickets only), supervisor (督办, extension
approval, reads everything), system (a source system pushing applications and disclosure requests
through POST /api/approvals/applications and /api/disclosure/requests; nothing else). Tokens are
random 32-byte strings shown once; only their SHA-256 is stored. GOV_ADMIN_TOKEN
(settings.admin_token), when set, is an admin token without a user row.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.auth.models import ROLES, ApiToken, Department, User
from bot.knowledge.loader import KnowledgeError, load_departments
from bot.settings import get_settings

TOKEN_BYTES = 32


class AuthError(ValueError):
    """A management command with bad input (unknown user, role, department...)."""


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    department: Optional[str] = None
    user_id: Optional[int] = None

    def has_role(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles

    def sees_department(self, department: Optional[str]) -> bool:
        """Handlers see their own department's tickets only; other roles see all."""
        if self.role != "handler":
            return True
        return department is not None and department == self.department


SYSTEM = Principal("system", "admin")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def authenticate(session: AsyncSession, token: Optional[str]) -> Optional[Principal]:
    """The principal of a bearer token, or None when unknown, revoked or its user is disabled."""
    if not token:
        return None
    admin = get_settings().admin_token
    if admin and hmac.compare_digest(token.encode("utf-8"), admin.encode("utf-8")):
        return Principal("admin", "admin")
    row = (await session.execute(
        select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    )).unique().scalar_one_or_none()
    if row is None or not row.active:
        return None
    return Principal(row.username, row.role, row.department.name if row.department else None, row.id)


# ---- management (synchronous: CLI, seeders) -------------------------------------------------

def _department(session: Session, name: Optional[str], create: bool = False) -> Optional[Department]:
    if not name:
        return None
    dep = session.execute(select(Department).where(Department.name == name)).scalar_one_or_none()
    if dep is None:
        if not create:
            raise AuthError(f"部门不存在：{name}（先运行 python -m bot users sync-departments 或 departments add）")
        dep = Department(name=name, active=True)
        session.add(dep)
        session.flush()
    return dep


def add_department(session: Session, name: str, description: Optional[str] = None) -> Department:
    name = (name or "").strip()
    if not name:
        raise AuthError("部门名称不能为空")
    dep = _department(session, name, create=True)
    if description:
        dep.description = description
    return dep


def sync_departments(session: Session, path: Optional[Path] = None) -> tuple[int, int]:
    """Add the departments of knowledge/departments.yml that are missing; returns (added, total)."""
    path = path or get_settings().knowledge_dir / "departments.yml"
    if not path.exists():
        raise AuthError(f"{path} 不存在")
    try:
        departments = load_departments(path)
    except KnowledgeError as exc:
        raise AuthError(f"{path}: {exc}") from exc
    existing = set(session.execute(select(Department.name)).scalars())
    added = 0
    for dept in departments.values():
        if dept.name not in existing:
            session.add(Department(name=dept.name, description=dept.full_name, active=True))
            existing.add(dept.name)
            added += 1
    session.flush()
    return added, len(existing)


def add_user(session: Session, username: str, role: str, department: Optional[str] = None,
             display_name: Optional[str] = None) -> User:
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise AuthError("用户名不能为空，且不超过 64 个字符")
    if role not in ROLES:
        raise AuthError(f"未知角色：{role}（应为 {', '.join(ROLES)}）")
    if role == "handler" and not department:
        raise AuthError("承办人（handler）必须指定所属部门 --department")
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise AuthError(f"用户已存在：{username}")
    dep = _department(session, department)
    user = User(username=username, role=role, department=dep, display_name=display_name, active=True)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AuthError(f"用户不存在：{username}")
    return user


def issue_token(session: Session, username: str, label: Optional[str] = None) -> str:
    """A new bearer token for the user; the clear text is returned once and never stored."""
    user = get_user(session, username)
    if not user.active:
        raise AuthError(f"用户已停用：{username}")
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), label=label))
    session.flush()
    return token


def disable_user(session: Session, username: str) -> User:
    """Deactivate the user and revoke every token of theirs."""
    user = get_user(session, username)
    user.active = False
    now = datetime.now(timezone.utc)
    for tok in session.execute(select(ApiToken).where(ApiToken.user_id == user.id,
                                                      ApiToken.revoked_at.is_(None))).scalars():
        tok.revoked_at = now
    session.flush()
    return user


def list_users(session: Session) -> list[dict]:
    rows = session.execute(select(User).order_by(User.username)).unique().scalars()
    return [{"username": u.username, "role": u.role, "department": u.department.name if u.department else None,
             "display_name": u.display_name, "active": u.active} for u in rows]
