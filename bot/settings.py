"""Every setting of the application, read from the environment with embedded defaults.

Nothing else in the code base reads ``os.environ``: import :func:`get_settings` instead. Each
default is written once, here (the grouped settings' defaults are their dataclass fields); readers
use the typed attributes without defaults of their own. docs/settings.md lists every variable with
its default and meaning (tests/test_settings_doc.py keeps the two in step).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str = "") -> str:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else value.strip()


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"setting {name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    return _env(name, "true" if default else "false").lower() in ("1", "true", "yes")


# Used only when neither GOV_AUDIT_KEY nor GOV_SECRET_KEY is set (make run on a laptop).
DEV_AUDIT_KEY = "dev-only-audit-key-change-me"


@dataclass(frozen=True)
class WeChatSettings:
    """The WeChat Official Account (WECHAT_*, docs/channels.md); empty token/appid: not configured."""

    token: str = ""
    aes_key: str = ""
    appid: str = ""
    secret: str = ""
    api_base: str = "https://api.weixin.qq.com"  # WECHAT_API_BASE, shared with the mini-program
    replay_window: int = 300  # WECHAT_REPLAY_WINDOW: seconds a signed push may be old (shared)
    # WECHAT_NOTICE_TEMPLATES / WECHAT_MP_NOTICE_TEMPLATES: "stage=template_id,..." for the stage
    # notices (docs/supervision.md); empty: no template/subscription messages
    notice_templates: str = ""

    def templates(self) -> dict:
        """The stage → template id map of ``notice_templates`` (``*`` names every stage)."""
        return parse_stage_templates(self.notice_templates)


def parse_stage_templates(spec: str) -> dict:
    out = {}
    for part in (spec or "").replace("，", ",").split(","):
        if not part.strip():
            continue
        stage, sep, template_id = part.partition("=")
        if not sep or not stage.strip() or not template_id.strip():
            raise ValueError(f"notice templates should be 'stage=template_id,...', got {part.strip()!r}")
        out[stage.strip()] = template_id.strip()
    return out


@dataclass(frozen=True)
class MiniProgramSettings(WeChatSettings):
    """The WeChat mini-program (WECHAT_MP_*, docs/channels.md)."""

    session_ttl: int = 7 * 24 * 3600  # WECHAT_MP_SESSION_TTL: seconds a login session lasts (0: default)


@dataclass(frozen=True)
class RateLimitSettings:
    """RATE_LIMIT_* (docs/hardening.md): messages per sender per window in chat; requests per client
    IP (and per signed-in staff user) per window on /api; a limit of 0 turns that limiter off."""

    chat_limit: int = 30
    chat_window: int = 60
    api_limit: int = 300
    api_window: int = 60  # also the window of staff_limit
    staff_limit: int = 1200  # agents of one call centre share an IP
    trust_forwarded: bool = False  # client IP from X-Forwarded-For (only behind a trusted load balancer)


@dataclass(frozen=True)
class PendingSettings:
    """PENDING_*: retry of chat turns that failed inside Rasa (docs/hardening.md)."""

    retry_interval: int = 15  # seconds between retry passes (at least 1)
    max_attempts: int = 20  # attempts before a message is marked failed


@dataclass(frozen=True)
class UploadSettings:
    """UPLOAD_*: the material pre-check's uploads (docs/uploads.md)."""

    dir: str = ""                # UPLOAD_DIR: where encrypted files are kept; empty: var/uploads (never under the web root)
    max_bytes: int = 8 * 1024 * 1024  # one file
    max_files: int = 12          # files per upload session
    max_pixels: int = 40_000_000  # an image's width × height (decompression-bomb limit)
    max_pdf_pages: int = 10
    max_stored_bytes: int = 2 * 1024 ** 3  # all sessions' files together; past it new uploads answer 503
    retention_days: int = 7      # days an upload session and its files are kept (at least 1)


@dataclass(frozen=True)
class Settings:
    project_root: Path
    var_dir: Path
    knowledge_dir: Path
    database_url: str
    redis_url: str
    rasa_url: str
    action_server_url: str
    web_host: str
    web_port: int
    admin_token: str
    timezone: str
    log_level: str
    log_format: str
    secret_key: str
    wechat: WeChatSettings = field(default_factory=WeChatSettings)
    rasa_public_url: str = "http://localhost:5005"  # the Rasa URL browsers use (portal widget)
    # WEB_PUBLIC_URL: the web service as citizens reach it, for the links they open (告知单 and its QR code,
    # the return visit, the published answers' feed); empty: this service on localhost (or, for the
    # feed, the address the request came to). docs/settings.md
    web_public_url: str = ""
    miniprogram: MiniProgramSettings = field(default_factory=MiniProgramSettings)
    audit_key: str = DEV_AUDIT_KEY  # HMAC key of the audit trail (docs/tickets.md)
    worker_interval: int = 60      # WORKER_INTERVAL: seconds between ticket worker sweeps (docs/tickets.md)
    worker_in_web: bool = True     # WORKER_IN_WEB: the web service also runs a worker (make run)
    sms_sender: str = ""           # SMS_SENDER: "module:Class" of the SMS sender; log-only when empty
    livechat_hours: str = "09:00-17:30"  # live-chat service hours on working days, or "always" (docs/console.md)
    rate_limits: RateLimitSettings = field(default_factory=RateLimitSettings)
    pending: PendingSettings = field(default_factory=PendingSettings)
    uploads: UploadSettings = field(default_factory=UploadSettings)
    tracker_url: str = ""  # Rasa's SQL tracker store, for `python -m bot privacy` (docs/privacy.md)
    visit_reminder_days: int = 2  # VISIT_REMINDER_DAYS: working days after 办结 before the return visit's reminder
    visit_window_days: int = 5  # VISIT_WINDOW_DAYS: working days the citizen has to answer (then 未评价)

    @property
    def public_url(self) -> str:
        """Where citizens reach the web service: WEB_PUBLIC_URL, else this service on localhost."""
        return self.web_public_url or f"http://localhost:{self.web_port}"

    @property
    def async_database_url(self) -> str:
        """The SQLAlchemy URL with the asyncio driver for the same database."""
        return to_async_url(self.database_url)


def to_async_url(url: str) -> str:
    if url.startswith("sqlite:///") or url == "sqlite://":
        return "sqlite+aiosqlite" + url[len("sqlite"):]
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("postgresql+psycopg2://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def to_sync_url(url: str) -> str:
    if url.startswith("sqlite+aiosqlite"):
        return "sqlite" + url[len("sqlite+aiosqlite"):]
    if url.startswith("postgresql+asyncpg://"):
        return "postgresql://" + url.split("://", 1)[1]
    if url.startswith("postgres://"):
        return "postgresql://" + url.split("://", 1)[1]
    return url


def _tracker_url(var_dir: Path) -> str:
    """Rasa's tracker store: TRACKER_DATABASE_URL, else the SQLite file TRACKER_DB (make run), else
    the application database when it is PostgreSQL (the production profile), else var/tracker.db."""
    explicit = _env("TRACKER_DATABASE_URL")
    if explicit:
        return to_sync_url(explicit)
    sqlite_file = _env("TRACKER_DB")
    if sqlite_file:
        return f"sqlite:///{sqlite_file}"
    database = to_sync_url(_env("DATABASE_URL", ""))
    if database.startswith("postgresql"):
        return database
    return f"sqlite:///{var_dir / 'tracker.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    root = Path(_env("GOV_PROJECT_ROOT", str(PROJECT_ROOT)))
    var_dir = Path(_env("GOV_VAR_DIR", str(root / "var")))
    return Settings(
        project_root=root,
        var_dir=var_dir,
        knowledge_dir=Path(_env("GOV_KNOWLEDGE_DIR", str(root / "knowledge"))),
        database_url=to_sync_url(_env("DATABASE_URL", f"sqlite:///{var_dir / 'app.db'}")),
        redis_url=_env("REDIS_URL", ""),
        rasa_url=_env("RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        action_server_url=_env("ACTION_SERVER_URL", "http://127.0.0.1:5055").rstrip("/"),
        web_host=_env("WEB_HOST", "0.0.0.0"),
        web_port=_env_int("WEB_PORT", 8080),
        admin_token=_env("GOV_ADMIN_TOKEN", ""),
        timezone=_env("GOV_TIMEZONE", "Asia/Shanghai"),
        log_level=_env("LOG_LEVEL", "INFO").upper(),
        log_format=_env("LOG_FORMAT", "json"),
        secret_key=_env("GOV_SECRET_KEY", ""),
        rasa_public_url=_env("RASA_PUBLIC_URL", "http://localhost:5005").rstrip("/"),
        web_public_url=_env("WEB_PUBLIC_URL", "").rstrip("/"),
        audit_key=_env("GOV_AUDIT_KEY", _env("GOV_SECRET_KEY", DEV_AUDIT_KEY)),
        worker_interval=max(1, _env_int("WORKER_INTERVAL", 60)),
        worker_in_web=_env("WORKER_IN_WEB", "1").lower() not in ("0", "false", "no", "off"),
        sms_sender=_env("SMS_SENDER", ""),
        livechat_hours=_env("LIVECHAT_HOURS", "09:00-17:30"),
        wechat=WeChatSettings(
            token=_env("WECHAT_TOKEN"),
            aes_key=_env("WECHAT_AES_KEY"),
            appid=_env("WECHAT_APPID"),
            secret=_env("WECHAT_SECRET"),
            api_base=_env("WECHAT_API_BASE", WeChatSettings.api_base).rstrip("/"),
            replay_window=_env_int("WECHAT_REPLAY_WINDOW", WeChatSettings.replay_window),
            notice_templates=_env("WECHAT_NOTICE_TEMPLATES", ""),
        ),
        rate_limits=RateLimitSettings(
            chat_limit=_env_int("RATE_LIMIT_CHAT", RateLimitSettings.chat_limit),
            chat_window=_env_int("RATE_LIMIT_CHAT_WINDOW", RateLimitSettings.chat_window),
            api_limit=_env_int("RATE_LIMIT_API", RateLimitSettings.api_limit),
            api_window=_env_int("RATE_LIMIT_API_WINDOW", RateLimitSettings.api_window),
            staff_limit=_env_int("RATE_LIMIT_API_STAFF", RateLimitSettings.staff_limit),
            trust_forwarded=_env_bool("RATE_LIMIT_TRUST_FORWARDED", RateLimitSettings.trust_forwarded),
        ),
        tracker_url=_tracker_url(var_dir),
        visit_reminder_days=max(1, _env_int("VISIT_REMINDER_DAYS", 2)),
        visit_window_days=max(2, _env_int("VISIT_WINDOW_DAYS", 5)),
        pending=PendingSettings(
            retry_interval=max(1, _env_int("PENDING_RETRY_INTERVAL", PendingSettings.retry_interval)),
            max_attempts=_env_int("PENDING_MAX_ATTEMPTS", PendingSettings.max_attempts),
        ),
        uploads=UploadSettings(
            dir=_env("UPLOAD_DIR", str(var_dir / "uploads")),
            max_bytes=max(1024, _env_int("UPLOAD_MAX_BYTES", UploadSettings.max_bytes)),
            max_files=max(1, _env_int("UPLOAD_MAX_FILES", UploadSettings.max_files)),
            max_pixels=max(10_000, _env_int("UPLOAD_MAX_PIXELS", UploadSettings.max_pixels)),
            max_pdf_pages=max(1, _env_int("UPLOAD_MAX_PDF_PAGES", UploadSettings.max_pdf_pages)),
            max_stored_bytes=max(1024, _env_int("UPLOAD_MAX_STORED_BYTES", UploadSettings.max_stored_bytes)),
            retention_days=max(1, _env_int("UPLOAD_RETENTION_DAYS", UploadSettings.retention_days)),
        ),
        miniprogram=MiniProgramSettings(
            token=_env("WECHAT_MP_TOKEN"),
            aes_key=_env("WECHAT_MP_AES_KEY"),
            appid=_env("WECHAT_MP_APPID"),
            secret=_env("WECHAT_MP_SECRET"),
            api_base=_env("WECHAT_API_BASE", MiniProgramSettings.api_base).rstrip("/"),
            replay_window=_env_int("WECHAT_REPLAY_WINDOW", MiniProgramSettings.replay_window),
            notice_templates=_env("WECHAT_MP_NOTICE_TEMPLATES", ""),
            session_ttl=_env_int("WECHAT_MP_SESSION_TTL", MiniProgramSettings.session_ttl)
            or MiniProgramSettings.session_ttl,
        ),
    )


def reload_settings() -> Settings:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
    return get_settings()
