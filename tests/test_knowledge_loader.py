"""Loading and validating knowledge/: a valid directory loads; every problem is reported with its
file and field, all at once."""
import pytest

from bot.knowledge.catalog import parse_catalog
from bot.knowledge.loader import KnowledgeError, load_knowledge
from tests.knowledge_fixtures import ID_CARD, SOCIAL_CARD, write_knowledge


def test_valid_directory_loads(tmp_path):
    kb = load_knowledge(write_knowledge(tmp_path, catalog=None))
    assert set(kb.guides) == {"id_card", "social_security_card"}
    guide = kb.guides["id_card"]
    assert guide.department == "区公安分局"
    assert guide.materials[0].name == "居民户口簿" and guide.materials[0].copies == 1
    assert guide.promised_time_limit.working_days == 20 and guide.promised_time_limit.known
    assert guide.location.value == "户籍所在地派出所" and not guide.hours.known
    assert not kb.guides["social_security_card"].legal_time_limit.known
    assert kb.department("派出所").name == "区公安分局"
    assert kb.departments["区人社局"].phone.known is False
    assert kb.faq["hall_hours"].aliases
    assert kb.synonyms.canonical["社会保障卡"] == ("社保卡",)


def test_every_problem_is_reported_with_file_and_field(tmp_path):
    broken = ID_CARD.replace("name: 居民身份证申领", "name: ''").replace("working_days: 20", "working_days: -3")
    unknown_dept = SOCIAL_CARD.replace("department: 区人社局", "department: 区不存在局")
    root = write_knowledge(tmp_path, guides={"id_card": broken, "social": unknown_dept}, catalog=None)
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(root)
    problems = "\n".join(err.value.problems)
    assert "guides/id_card.yml.name: 必填" in problems
    assert "guides/id_card.yml.promised_time_limit.working_days" in problems
    assert "guides/social.yml.department: '区不存在局' 不在 departments.yml 中" in problems
    assert len(err.value.problems) == 3


def test_duplicate_guide_id_and_yaml_syntax_error(tmp_path):
    root = write_knowledge(tmp_path, guides={"a": ID_CARD, "b": ID_CARD.replace("catalog_names: [居民身份证办理（包括临时）]", ""),
                                             "c": "id: [unclosed"}, catalog=None)
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(root)
    text = str(err.value)
    assert "guides/b.yml.id: id_card 与另一个指南重复" in text
    assert "guides/c.yml:1: YAML 语法错误" in text


def test_materials_required_and_faq_fields(tmp_path):
    root = write_knowledge(tmp_path, guides={"a": ID_CARD.replace("materials:", "materials_old:")}, catalog=None)
    (root / "faq.yml").write_text("faq:\n  - {id: x, question: 问题}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(root)
    assert any("materials: 必填" in p for p in err.value.problems)
    assert any(p == "faq.yml: faq[0].answer: 必填" for p in err.value.problems)


def test_catalog_rows_are_checked_by_position():
    rows = [
        {"department": "区公安分局", "group": None, "name": "无犯罪记录证明", "url": "http://x/1"},
        {"department": "区公安分局", "name": "缺链接"},
        "not an object",
        {"department": "", "group": None, "name": "空部门", "url": "http://x/2"},
        {"department": "区公安分局", "group": None, "name": "重复", "url": "http://x/1"},
        {"department": "区公安分局", "group": 5, "name": "坏主项", "url": "http://x/3"},
        {"department": "区民政局", "group": "婚姻登记", "name": "  补领结婚证 ", "url": "ftp://x/4"},
        {"department": "区民政局", "group": "婚姻登记", "name": "补领结婚证", "url": "https://x/5"},
    ]
    items, errors = parse_catalog(rows)
    assert [i.name for i in items] == ["无犯罪记录证明", "补领结婚证"]
    assert [e.position for e in errors] == [2, 3, 4, 5, 6, 7]
    assert "缺少字段 url" in str(errors[0]) and str(errors[0]).startswith("第2条")
    assert "重复" in errors[3].message


def test_real_knowledge_directory_is_valid():
    """The project's own knowledge/ must load (guides cite real catalog names)."""
    from bot.knowledge.catalog import read_catalog
    from bot.knowledge.loader import check_catalog_names
    from bot.settings import get_settings

    kb = load_knowledge()
    items, errors = read_catalog()
    assert len(items) == 1135 and not errors
    assert kb.guides, "knowledge/guides/*.yml missing"
    assert check_catalog_names(kb, {i.name for i in items}) == []
    assert (get_settings().knowledge_dir / "catalog" / "SOURCE.md").exists()


def test_item_aliases_are_merged_across_files_and_checked(tmp_path):
    from bot.knowledge.loader import check_catalog_names

    root = write_knowledge(tmp_path, catalog=None)
    (root / "aliases").mkdir()
    (root / "aliases" / "a.yml").write_text("items:\n  无犯罪记录证明: [良民证, 開個證明]\n", encoding="utf-8")
    (root / "aliases" / "b.yml").write_text("items:\n  无犯罪记录证明: [良民证, 政审证明]\n  没有这个事项: [某某]\n",
                                            encoding="utf-8")
    kb = load_knowledge(root)
    # union in file order, Traditional → Simplified, no repeats
    assert kb.item_aliases["无犯罪记录证明"] == ("良民证", "开个证明", "政审证明")
    known = {"无犯罪记录证明", "居民身份证办理（包括临时）", "社会保障卡申领"}
    assert check_catalog_names(kb, known) == ["aliases: 事项 '没有这个事项' 不在目录中"]


def test_malformed_item_aliases_are_reported(tmp_path):
    root = write_knowledge(tmp_path, catalog=None)
    (root / "aliases").mkdir()
    (root / "aliases" / "bad.yml").write_text("items:\n  无犯罪记录证明: 良民证\n  户口登记: []\n", encoding="utf-8")
    (root / "aliases" / "list.yml").write_text("- 不是映射\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(root)
    problems = err.value.problems
    assert "aliases/bad.yml: items.无犯罪记录证明: 应为非空文字列表（每个不超过40字）" in problems
    assert "aliases/bad.yml: items.户口登记: 应为非空文字列表（每个不超过40字）" in problems
    assert "aliases/list.yml: 应为映射 {items: {事项名称: [俗称...]}}" in problems
