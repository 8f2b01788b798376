"""Database access: the declarative base, the async engine and session factory."""
from bot.db.base import Base
from bot.db.engine import get_engine, get_sessionmaker, dispose_engine, session_scope, sync_engine

__all__ = ["Base", "get_engine", "get_sessionmaker", "dispose_engine", "session_scope", "sync_engine"]
