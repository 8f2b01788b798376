"""A small knowledge directory for tests of the knowledge area: the real catalog plus two guides,
a FAQ entry and synonyms written here (so tests do not depend on the edits of knowledge/)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL_CATALOG = ROOT / "knowledge" / "catalog" / "items.json"

DEPARTMENTS = """
departments:
  - name: 区公安分局
    aliases: [公安局, 派出所]
    phone: {value: "0826-1234567"}
    address: {value: 广安区政务服务中心公安窗口}
    hours: {value: "工作日 9:00-12:00，14:00-17:00"}
  - name: 区人社局
    aliases: [人社局]
    phone: {unknown: true}
  - name: 区行政审批局
    aliases: [审批局]
    phone: {unknown: true}
"""

ID_CARD = """
id: id_card
name: 居民身份证申领
department: 区公安分局
catalog_names: [居民身份证办理（包括临时）]
aliases: [身份证, 办身份证, 换身份证]
conditions: [具有中华人民共和国国籍的公民]
materials:
  - {name: 居民户口簿, form: 原件, copies: 1}
  - {name: 近期免冠照片, form: 现场采集, note: 可在窗口现场拍摄}
process: [窗口申请, 采集指纹和相片, 领取证件]
legal_time_limit: {working_days: 60, note: 法定60日}
promised_time_limit: {working_days: 20}
fees: {text: 首次申领20元, free: false, basis: 发改价格规定}
location:
  text: 户籍所在地派出所
  hours: {unknown: true}
phone: {unknown: true}
online: {url: "https://www.sczwfw.gov.cn/", text: 可在天府通办预约}
legal_basis: [《中华人民共和国居民身份证法》]
sources: ["https://www.gov.cn/"]
"""

SOCIAL_CARD = """
id: social_security_card
name: 社会保障卡申领
department: 区人社局
catalog_names: [社会保障卡申领]
aliases: [社保卡, 办社保卡]
conditions: []
materials: []
process: []
legal_time_limit: {unknown: true}
promised_time_limit: {unknown: true}
fees: {text: null, free: true}
location: {text: null, hours: {unknown: true}}
phone: {unknown: true}
online: {url: null}
legal_basis: []
sources: []
"""

FAQ = """
faq:
  - id: hall_hours
    question: 政务服务中心几点上班
    aliases: [政务大厅上班时间, 办事大厅几点开门]
    answer: 广安区政务服务中心工作日上午9:00-12:00、下午14:00-17:00办公。
    department: 区政府办
"""

SYNONYMS = """
synonyms:
  社会保障卡: [社保卡]
  居民身份证: [身份证, 身分证]
stopwords: [请问, 我想, 怎么办, 需要, 什么]
"""


def write_knowledge(root: Path, guides: dict[str, str] | None = None, catalog: Path | None = REAL_CATALOG) -> Path:
    (root / "guides").mkdir(parents=True, exist_ok=True)
    (root / "catalog").mkdir(exist_ok=True)
    (root / "departments.yml").write_text(DEPARTMENTS, encoding="utf-8")
    for name, text in (guides if guides is not None else {"id_card": ID_CARD, "social": SOCIAL_CARD}).items():
        (root / "guides" / f"{name}.yml").write_text(text, encoding="utf-8")
    (root / "faq.yml").write_text(FAQ, encoding="utf-8")
    (root / "synonyms.yml").write_text(SYNONYMS, encoding="utf-8")
    if catalog is not None:
        shutil.copy(catalog, root / "catalog" / "items.json")
    return root


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    from bot.knowledge.search import build_index

    root = write_knowledge(tmp_path_factory.mktemp("knowledge"))
    return build_index(root)
