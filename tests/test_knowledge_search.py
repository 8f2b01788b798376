"""Retrieval: ranking of representative questions (Traditional, typos, synonyms, fillers), guides
merged with their catalog items, FAQ through the same index, and the latency budget."""

import pytest

from tests.knowledge_fixtures import small_index  # noqa: F401  (fixture)


def top(index, q, k=3):
    return [r.id if r.kind != "item" else r.name for r in index.search(q, k)]


@pytest.mark.parametrize("question, expected", [
    ("办身份证要带什么材料", "id_card"),
    ("身份證到期了怎麼換", "id_card"),          # Traditional
    ("身分证", "id_card"),                      # common miswriting, via synonyms
    ("社保卡怎么办", "social_security_card"),    # alias
    ("社宝卡第一次申领", "social_security_card"),  # typo repaired to 社保卡
    ("户口签移怎么办理", "户口迁移审批"),         # typo repaired to 迁移
    ("单位要我开无犯罪记录证明", "无犯罪记录证明"),
    ("请问我想申请失业保险金", "失业保险金申领"),   # fillers removed
    ("政务大厅几点开门", "hall_hours"),           # FAQ
])
def test_representative_questions_rank_first(small_index, question, expected):
    assert top(small_index, question)[0] == expected


def test_guide_is_merged_with_its_catalog_item(small_index):
    results = small_index.search("居民身份证办理（包括临时）", k=10)
    assert results[0].id == "id_card" and results[0].has_guide
    assert [i.name for i in results[0].items] == ["居民身份证办理（包括临时）"]
    # the bare catalog duplicate is not a separate result
    assert all(r.name != "居民身份证办理（包括临时）" for r in results)
    assert results[0].to_json()["url"] == "https://www.sczwfw.gov.cn/"


def test_results_are_ordered_and_serialisable(small_index):
    results = small_index.search("社会保障卡", k=5)
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True) and len(results) == 5
    body = results[0].to_json()
    assert set(body) == {"id", "kind", "name", "department", "score", "has_guide", "url"}
    assert body["department"] == "区人社局"


def test_nothing_for_empty_or_meaningless_queries(small_index):
    assert small_index.search("") == []
    assert small_index.search("   ？？！！ ") == []
    assert small_index.search("😀😀") == []
    assert small_index.search("a" * 5000) == []  # overlong input is cut, not an error


def test_index_is_built_once_per_process(monkeypatch, tmp_path):
    from bot.knowledge import search
    from bot.settings import reload_settings
    from tests.knowledge_fixtures import write_knowledge

    monkeypatch.setenv("GOV_KNOWLEDGE_DIR", str(write_knowledge(tmp_path)))
    reload_settings()
    search.reset_index()
    try:
        first = search.get_index()
        assert search.get_index() is first
        assert first.get("id_card").name == "居民身份证申领"
    finally:
        search.reset_index()
        monkeypatch.undo()
        reload_settings()


@pytest.fixture(scope="module")
def real_index():
    from bot.knowledge.search import build_index
    from bot.settings import get_settings

    assert any((get_settings().knowledge_dir / "guides").glob("*.yml")), "knowledge/guides/*.yml missing"
    return build_index()


@pytest.mark.parametrize("question, expected", [
    ("办身份证要带什么材料", "resident-id-card"),
    ("身份證到期了怎麼換", "resident-id-card"),
    ("户口签移怎么办理", "hukou-migration"),            # typo
    ("社宝卡补办", "social-security-card"),              # typo
    ("醫保報銷要什麼資料", "medical-reimbursement"),     # Traditional
    ("医保卡在外地能用吗", "out-of-area-medical-filing"),
    ("房子过户去哪办", "property-transfer-registration"),
    ("怎么申请低保", "minimum-living-allowance"),
    ("想在乡下开个加油站要什么手续", "refined-oil-retail-license"),
    ("打12345都能反映哪些事情", "hotline-12345-scope"),  # FAQ
])
def test_real_knowledge_ranks_citizen_questions(real_index, question, expected):
    assert real_index.search(question, k=1)[0].id == expected


def _scores(index, questions):
    top1 = top3 = 0
    for q in questions:
        results = index.search(q["q"], k=3)
        hits = [any(r.matches(label) for label in q["expect"]) for r in results]
        top1 += bool(hits and hits[0])
        top3 += any(hits)
    return top1 / len(questions), top3 / len(questions)


def test_real_knowledge_evaluation_floor(real_index):
    """Regression floors just under the measured figures (bench/report.md of 2026-11-29 and this
    change: dev 0.942 / 1.000, held-out 0.922 / 0.973), so a real regression fails. Raise them
    with the figures; never lower them to make a change pass."""
    from bench.retrieval import EVAL_FILE, TEST_FILE, load_questions

    dev, test = load_questions(EVAL_FILE), load_questions(TEST_FILE)
    assert len(dev) >= 150 and len(test) >= 150
    dev_top1, dev_top3 = _scores(real_index, dev)
    assert dev_top1 >= 0.92 and dev_top3 >= 0.98, (dev_top1, dev_top3)
    test_top1, test_top3 = _scores(real_index, test)
    assert test_top1 >= 0.90 and test_top3 >= 0.95, (test_top1, test_top3)


def test_every_evaluation_label_names_an_indexed_result(real_index):
    """A label that names nothing (renamed item, typo in an id) would silently count as a miss."""
    from bench.retrieval import SETS, load_questions

    for name, path in SETS.items():
        for q in load_questions(path):
            for label in q["expect"]:
                assert any(r.matches(label) for r in real_index.results), f"{name}: {q['q']} → {label}"


def test_bench_measure_reports_both_sets():
    from bench.retrieval import measure

    report = measure()
    for name in ("dev", "test"):
        assert report[name]["questions"] >= 150
        assert 0 < report[name]["top1"] <= report[name]["top3"] <= 1
        assert report[name]["p95_ms"] > 0  # the 20 ms target is checked in `make bench`, not here


def test_a_citizen_word_may_bridge_to_several_catalog_terms():
    from bot.knowledge.text import EXPANSION_WEIGHT, Analyzer

    analyzer = Analyzer(synonyms={"营业性演出": ("演唱会",), "大型群众性活动": ("演唱会", "庙会"),
                                  "犬类": ("狗", "养狗证")})
    assert analyzer.expansions("办演唱会") == ["营业性演出", "大型群众性活动"]
    assert analyzer.expansions("养狗证") == ["犬类"]  # the longest variant, once
    tokens = analyzer.query_tokens("养狗要办证吗")
    # the citizen's own words count fully, the canonical forms they bridge to a little less
    assert tokens["b:养狗"] == 1.0 and 0 < EXPANSION_WEIGHT < 1
    assert tokens["w:犬类"] == EXPANSION_WEIGHT and tokens["b:犬类"] == EXPANSION_WEIGHT


def test_department_cue_lifts_its_results(real_index):
    """养老金 is a keyword of 区人社局 in departments.yml: an otherwise equal 人社 result ranks higher."""
    import numpy as np

    from bot.knowledge import search

    with_cue, _ = real_index.score_all("养老金 资格认证")
    saved = search.DEPARTMENT_PRIOR
    search.DEPARTMENT_PRIOR = 0.0
    try:
        without, _ = real_index.score_all("养老金 资格认证")
    finally:
        search.DEPARTMENT_PRIOR = saved
    rsj = np.array([r.department == "区人社局" and r.kind != "faq" for r in real_index.results])
    assert np.allclose(with_cue[rsj], without[rsj] * (1 + saved))
    assert np.allclose(with_cue[~rsj], without[~rsj])


def test_a_colloquial_item_name_finds_the_item(tmp_path):
    """knowledge/aliases/: a citizen's name for an item without a guide bridges to its official name,
    and aliases of an item merged into a guide find the guide."""
    from bot.knowledge.search import build_index
    from tests.knowledge_fixtures import write_knowledge

    root = write_knowledge(tmp_path)
    question, item = "过年想摆摊卖鞭炮", "烟花爆竹经营（零售）许可证核发"
    assert not any(r.name == item for r in build_index(root).search(question, k=3))
    (root / "aliases").mkdir()
    (root / "aliases" / "items.yml").write_text(
        f"items:\n  {item}: [卖鞭炮的证, 摆摊卖鞭炮]\n  社会保障卡申领: [办张新卡领养老金用]\n", encoding="utf-8")
    index = build_index(root)
    assert index.search(question, k=1)[0].name == item
    assert index.search("办张新卡领养老金用", k=1)[0].id == "social_security_card"


def test_a_typo_is_repaired_by_the_character_that_sounds_like_it():
    """Pinyin input puts a homophone in place of the intended character: among the characters that
    would make both neighbouring bigrams known, those that sound like the typed one are chosen."""
    from bot.knowledge.text import Analyzer

    analyzer = Analyzer()
    analyzer.learn_vocabulary(["户口", "口迁", "迁移", "口转", "转移", "口漂", "漂移"])
    assert analyzer.repairs("户口签移") == ["口迁", "迁移"]       # 签 qian → 迁 qian
    analyzer.learn_vocabulary(["社保", "保卡"])
    assert analyzer.repairs("社宝卡") == ["社保", "保卡"]          # 宝 bao → 保 bao
    # when none sounds like it: the one or two candidates there are, none when there are more
    assert analyzer.repairs("户口哈移") == []                      # 迁, 转, 漂: too many to guess
    analyzer.learn_vocabulary(["医保", "保险"])
    assert analyzer.repairs("医哈险") == ["医保", "保险"]


def test_two_typed_homophones_are_repaired_by_merged_sounds():
    """Southwestern speakers merge zh/z, ch/c, sh/s, -ng/-n and n/l when typing by pinyin: 生分证
    (sheng fen) is 身份证 (shen fen); a sound several known bigrams share is not guessed."""
    from bot.knowledge.text import Analyzer

    analyzer = Analyzer()
    analyzer.learn_vocabulary(["身份", "份证", "低保", "老金", "养老"])
    assert analyzer.repairs("生分证") == ["身份", "份证"]
    assert analyzer.repairs("我底保") == ["低保"]
    assert "老金" in analyzer.repairs("养老经")
    analyzer.learn_vocabulary(["试题", "实体"])
    assert analyzer.repairs("是提") == []                     # shi ti: two known bigrams, no guess


def test_one_question_is_scored_once_and_searched_alike(small_index, monkeypatch):  # noqa: F811
    """An answer searches the same words several times: the scores are remembered, the results the same."""
    calls = []
    real = type(small_index).score_all
    monkeypatch.setattr(type(small_index), "score_all", lambda self, q: calls.append(q) or real(self, q))
    first = small_index.search("身份证要带什么材料", k=3)
    again = small_index.search("身份证要带什么材料", k=5)[:3]
    assert [(r.id, r.score) for r in first] == [(r.id, r.score) for r in again]
    assert calls == ["身份证要带什么材料"]
