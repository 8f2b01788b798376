"""The service-item catalog (政务服务事项目录) as plain rows: parsing and validation shared by the
database import and the retrieval index (which reads the JSON file, not the database)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from bot.settings import get_settings

MAX_NAME = 200
MAX_DEPARTMENT = 64
MAX_GROUP = 200
MAX_URL = 1000


@dataclass(frozen=True)
class CatalogItem:
    id: str
    department: str
    group: str | None
    name: str
    url: str

    @property
    def content_hash(self) -> str:
        payload = json.dumps([self.department, self.group, self.name, self.url], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RowError:
    position: int  # 1-based position of the row in the file
    message: str

    def __str__(self) -> str:
        return f"第{self.position}条: {self.message}"


def item_id(url: str) -> str:
    """A stable identifier derived from the item's portal URL (the unique key of the catalog)."""
    return "c" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:11]


def default_catalog_path() -> Path:
    return get_settings().knowledge_dir / "catalog" / "items.json"


def _text(row: dict, key: str, limit: int, required: bool) -> str | None:
    value = row.get(key)
    if value is None:
        if required:
            raise ValueError(f"缺少字段 {key}")
        return None
    if not isinstance(value, str):
        raise ValueError(f"字段 {key} 应为字符串，实际为 {type(value).__name__}")
    value = " ".join(value.split())
    if not value:
        if required:
            raise ValueError(f"字段 {key} 为空")
        return None
    if len(value) > limit:
        raise ValueError(f"字段 {key} 超过 {limit} 个字符")
    return value


def parse_row(row) -> CatalogItem:
    if not isinstance(row, dict):
        raise ValueError(f"应为对象，实际为 {type(row).__name__}")
    department = _text(row, "department", MAX_DEPARTMENT, True)
    name = _text(row, "name", MAX_NAME, True)
    group = _text(row, "group", MAX_GROUP, False)
    url = _text(row, "url", MAX_URL, True)
    if not (url.startswith("http://") or url.startswith("https://")):
        raise ValueError("字段 url 不是 http(s) 链接")
    return CatalogItem(id=item_id(url), department=department, group=group, name=name, url=url)


def parse_catalog(rows) -> tuple[list[CatalogItem], list[RowError]]:
    """Valid items (first occurrence of each URL) and the errors of the others, by position."""
    if not isinstance(rows, list):
        raise ValueError("目录文件应为 JSON 数组")
    items: list[CatalogItem] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for position, row in enumerate(rows, start=1):
        try:
            item = parse_row(row)
        except ValueError as exc:
            errors.append(RowError(position, str(exc)))
            continue
        if item.url in seen:
            errors.append(RowError(position, f"url 与第{seen[item.url]}条重复"))
            continue
        seen[item.url] = position
        items.append(item)
    return items, errors


def read_catalog(path: Path | str | None = None) -> tuple[list[CatalogItem], list[RowError]]:
    path = Path(path) if path else default_catalog_path()
    if not path.exists():
        raise FileNotFoundError(f"目录文件不存在: {path}")
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: 不是合法的 JSON（{exc}）") from exc
    return parse_catalog(rows)
