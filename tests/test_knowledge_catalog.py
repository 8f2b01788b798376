"""`python -m bot import catalog`: idempotent, malformed rows reported by position, the rest
loaded — on SQLite and PostgreSQL; the seeder fills an empty table."""
import json

from sqlalchemy import select

from bot.db import sync_engine
from bot.knowledge.importer import catalog_row_count, import_catalog
from bot.knowledge.tables import CatalogItemRow
from tests.knowledge_fixtures import REAL_CATALOG


def test_import_real_catalog_is_idempotent(migrated_db_url):
    first = import_catalog(REAL_CATALOG, migrated_db_url)
    assert (first.rows, first.added, first.updated, first.unchanged, first.errors) == (1135, 1135, 0, 0, [])
    second = import_catalog(REAL_CATALOG, migrated_db_url)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 1135)
    assert not second.changed and "无变化" in second.summary()
    assert catalog_row_count(migrated_db_url) == 1135


def test_malformed_rows_are_reported_and_the_rest_loaded(migrated_db_url, tmp_path):
    rows = json.loads(REAL_CATALOG.read_text(encoding="utf-8"))[:5]
    rows.insert(2, {"department": "区公安分局", "name": "没有链接"})
    rows.append(["not", "an", "object"])
    rows.append(dict(rows[0]))  # same URL again
    path = tmp_path / "items.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    result = import_catalog(path, migrated_db_url)
    assert result.added == 5
    assert [e.position for e in result.errors] == [3, 7, 8]
    assert "第3条: 缺少字段 url" in result.summary()

    # A changed row is updated, the others left alone.
    rows = [r for r in rows if isinstance(r, dict) and "url" in r][:5]
    rows[0] = {**rows[0], "name": rows[0]["name"] + "（更新）"}
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    again = import_catalog(path, migrated_db_url)
    assert (again.added, again.updated, again.unchanged, again.errors) == (0, 1, 4, [])
    engine = sync_engine(migrated_db_url)
    with engine.connect() as conn:
        names = set(conn.execute(select(CatalogItemRow.name)).scalars())
    engine.dispose()
    assert rows[0]["name"] in names


def test_unreadable_file_changes_nothing(migrated_db_url, tmp_path):
    import pytest

    path = tmp_path / "items.json"
    path.write_text("[{broken", encoding="utf-8")
    with pytest.raises(ValueError, match="不是合法的 JSON"):
        import_catalog(path, migrated_db_url)
    assert catalog_row_count(migrated_db_url) == 0


def test_cli_prints_counts(app_env, capsys):
    from bot.cli import main

    assert main(["import", "catalog", str(REAL_CATALOG)]) == 0
    assert "新增 1135" in capsys.readouterr().out
    assert main(["import", "catalog", str(REAL_CATALOG)]) == 0
    out = capsys.readouterr().out
    assert "新增 0，更新 0，未变 1135" in out and "无变化" in out
    assert main(["import", "catalog", "/nonexistent/items.json"]) == 2


def test_seeder_fills_an_empty_table_once(migrated_db_url):
    from bot.knowledge.seed import seed_catalog

    assert seed_catalog(migrated_db_url) == 1135
    assert seed_catalog(migrated_db_url) == 0
