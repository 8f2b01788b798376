"""knowledge/ reference data: one typed loader per file, all checked once at start-up."""
from __future__ import annotations

import shutil

import pytest

from bot.knowledge.loader import KnowledgeError, load_departments
from bot.reference_data import LOADERS, ReferenceDataError, check_reference_data
from bot.settings import get_settings, reload_settings


@pytest.fixture
def knowledge_copy(tmp_path, monkeypatch):
    root = tmp_path / "knowledge"
    shutil.copytree(get_settings().knowledge_dir, root)
    monkeypatch.setenv("GOV_KNOWLEDGE_DIR", str(root))
    reload_settings()
    _clear_caches()
    yield root
    monkeypatch.undo()
    reload_settings()
    _clear_caches()


def _clear_caches():
    from bot.calendar import reload_overrides
    from bot.cases import numbers
    from bot.tickets import classify, emergency, places, sla

    for cached in (numbers._schemes_at, classify._rules, emergency._emergencies_at, places._divisions_at, sla._load):
        cached.cache_clear()
    reload_overrides()


def test_the_shipped_reference_data_is_valid():
    check_reference_data()
    assert (get_settings().knowledge_dir / "departments.yml").exists()
    assert all((get_settings().knowledge_dir / name).exists() for name in LOADERS)


def test_departments_are_typed_and_in_file_order():
    departments = load_departments()
    first = next(iter(departments.values()))
    assert first.name == "区行政审批局" and "审批局" in first.aliases and first.keywords
    tax = departments["广安区税务局"]
    assert tax.phone.known and tax.phone.value == "12366"
    assert not departments["区人社局"].phone.known


def test_a_missing_departments_file_is_no_departments(tmp_path):
    assert load_departments(tmp_path / "departments.yml") == {}


def test_a_bad_department_entry_is_named(tmp_path):
    path = tmp_path / "departments.yml"
    path.write_text("departments:\n  - name: 区民政局\n  - full_name: 无名\n  - name: 区民政局\n"
                    "  - name: 区统计局\n    aliases: {a: 1}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load_departments(path)
    assert info.value.problems == [
        "departments.yml: departments[1].name: 必填",
        "departments.yml: departments[2].name: 部门 区民政局 重复",
        "departments.yml: departments[3].aliases: 应为文字列表，实际为 dict",
    ]


def test_start_up_check_lists_every_bad_file_once(knowledge_copy):
    deps = knowledge_copy / "departments.yml"
    deps.write_text(deps.read_text(encoding="utf-8").replace("  - name: 区人社局", "  - nam: 区人社局", 1),
                    encoding="utf-8")
    (knowledge_copy / "sla.yml").write_text("sign_working_days: 1\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        check_reference_data()
    problems = info.value.problems
    assert problems[0] == "departments.yml: departments[1].name: 必填"
    assert problems.count(problems[0]) == 1  # the dispatch catalog's re-read is not repeated
    assert any("sla.yml" in p and "resolve_working_days" in p for p in problems)
    assert "departments[1].name" in str(info.value)


def test_every_reader_of_departments_uses_the_loader(knowledge_copy):
    """The readers of departments.yml (phones, routing keywords, dispatch references, user
    dictionary, staff departments) all fail or fall back the same way on a bad file."""
    from bot.approvals import departments as phones
    from bot.knowledge.dispatch import load_dispatch_catalog
    from bot.nlu.userdict import collect_terms
    from bot.tickets.routing import load_department_keywords

    path = knowledge_copy / "departments.yml"
    path.write_text("departments:\n  - aliases: [无名局]\n", encoding="utf-8")
    for read in (lambda: load_department_keywords(path), lambda: collect_terms(knowledge_copy),
                 lambda: load_dispatch_catalog(knowledge_copy / "dispatch_catalog.yml")):
        with pytest.raises(KnowledgeError):
            read()
    phones.reload()
    try:
        assert phones.department_phone("无名局") == "12345"  # a status answer falls back to the hotline
    finally:
        phones.reload()
