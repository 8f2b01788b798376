"""The real knowledge base answers citizens' practical follow-up questions, asked in their own words
(colloquial, Sichuanese), with the facts of national rules it was enriched with — and says a local
fact it does not have (payment day, local amount) is unknown instead of inventing it.

Each case: the question, the kind of reply and the result it must come from (a guide id with the
aspect answered, or a FAQ id), and phrases the reply must contain."""
import pytest

from bot.knowledge.answer import compose


@pytest.fixture(scope="module")
def real_index():
    from bot.knowledge.search import build_index

    return build_index()


def _faq_id(index, reply):
    """The FAQ entry whose answer is the reply's text (FAQ replies carry no item id)."""
    return next((e.id for e in index.knowledge.faq.values() if reply.text.startswith(e.answer)), None)


CASES = [
    # 居民身份证 / 临时身份证 (《居民身份证法》, 《临时居民身份证管理办法》, 发改价格〔2003〕2322号)
    ("身份证掉了补办要好多钱", "resident-id-card", "fees", ["40元"]),
    ("身份证遭偷了咋办", "faq:id-card-lost", None, ["挂失申报", "40元", "60日", "临时居民身份证"]),
    ("身份证办好了能寄到屋头不", "faq:id-card-mail", None, ["邮寄", "本人到场", "以受理点告知为准"]),
    ("身份证能让屋头人帮我领不", "faq:id-card-mail", None, ["代领", "领取凭证"]),
    ("临时身份证要等好久", "temporary-id-card", "time", ["3日内"]),
    ("临时身份证能用多久", "temporary-id-card", "time", ["有效期3个月"]),
    ("办身份证好久能拿到", "resident-id-card", "time", ["60日", "60天"]),
    ("临时身份证好多钱", "temporary-id-card", "fees", ["10元"]),
    ("办身份证要本人去吗", "resident-id-card", "proxy", ["本人", "监护人"]),
    # 户口本、社保卡丢失
    ("户口本丢了咋个补", "faq:hukou-book-lost", None, ["户籍所在地公安派出所", "12345"]),
    ("社保卡丢了钱会不会被取走", "faq:social-security-card-lost", None, ["12333", "银行"]),
    # 交管12123、违章、审验、年检 (公安部令第162号、第163号; 行政处罚法第七十二条)
    ("交管12123能干啥", "faq:traffic-12123", None, ["期满换证", "检验标志", "罚款"]),
    ("12123怎么处理违章", "faq:traffic-violation", None, ["15日内", "3%"]),
    ("驾照扣满12分咋办", "faq:traffic-violation", None, ["满分12分", "学习"]),
    ("驾驶证审验是啥子", "faq:driver-license-audit", None, ["审验", "70周岁"]),
    ("车子年检咋个弄", "faq:vehicle-inspection", None, ["第6年、第10年", "交强险"]),
    ("私家车几年年检一次", "faq:vehicle-inspection", None, ["第6年、第10年"]),
    ("驾照补办要好多钱", "driver-license-renewal", "fees", ["10元"]),
    ("驾照换证能找人代办不", "driver-license-renewal", "proxy", ["委托", "代办"]),
    # 养老金、补贴的发放和查询：日期未知就说未知
    ("养老金每个月几号发", "faq:pension-payment-date", None, ["按月发放", "没有经过核实的日期", "掌上12333"]),
    ("退休金到账没有咋个查", "faq:pension-payment-date", None, ["掌上12333", "银行"]),
    ("手机上怎么认证养老金", "faq:pension-face-certification", None, ["12个月", "静默认证", "掌上12333"]),
    ("屋头老人不会刷脸认证咋办", "faq:pension-face-certification", None, ["上门认证", "现场认证"]),
    ("低保金几号发", "faq:allowance-payment", None, ["按月", "以广安区民政"]),
    ("低保好久批得下来", "minimum-living-allowance", "time", ["30个工作日", "45个工作日"]),
    ("低保一个月好多钱", "minimum-living-allowance", "amount", ["差额", "暂无经核实的金额"]),
    ("高龄津贴好多钱", "elderly-allowance", "fees", ["年龄段", "暂无经核实的金额"]),
    ("高龄补贴好久发", "elderly-allowance", "time", ["按月或按季", "以区民政局通知为准"]),
    ("失业金能领好久", "unemployment-insurance-benefit", "time", ["最长12个月", "最长24个月"]),
    # 线上渠道
    ("电子社保卡有啥用", "faq:electronic-social-security-card", None, ["掌上12333", "资格认证", "不能取现"]),
    ("个税APP能干啥", "faq:personal-income-tax-app", None, ["3月1日至6月30日", "专项附加扣除"]),
    ("国家医保服务平台APP能干啥", "faq:medical-insurance-app", None, ["医保电子凭证", "异地就医备案"]),
    # 代办、邮寄的通用问题：各事项的具体规定
    ("哪些事必须本人去", "faq:proxy-by-others", None, ["采集人像和指纹", "亲自到场", "委托村（居）民委员会"]),
    ("证件办好了能寄到家吗", "faq:mail-delivery", None, ["交管12123", "以受理点告知为准"]),
    ("在外地能办广安的事吗", "faq:cross-province", None, ["居住地公安机关受理点", "任一婚姻登记机关"]),
    ("收费标准在哪看", "faq:fees-general", None, ["临时居民身份证每证10元", "驾驶证工本费每证10元"]),
    # 四川话说法找到对应的办事指南
    ("扯结婚证要带啥子", "marriage-registration", "materials", ["居民身份证"]),
    ("农村社保一年交好多", "urban-rural-pension", "fees", ["缴费档次"]),
    ("公积金咋个取", "housing-provident-fund-withdrawal", None, ["住房公积金提取"]),
    ("娃儿出生了咋个上户口", "birth-registration", None, ["出生登记", "一个月以内"]),
    # 其他常问的时限、规则
    ("护照好久能办好", "passport", "time", ["15日内", "7个工作日"]),
    ("医保断缴了有啥限制", "resident-medical-insurance", "conditions", ["3个月", "1000元"]),
    # 办事情形说成自己的经历、语音输入的错字 (issue #12)
    ("对信息公开的答复不服咋个办", "faq:information-disclosure-remedy", None, ["行政复议", "60日", "6个月"]),
    ("生育津贴怎么算", "faq:maternity-allowance-amount", None, ["月平均工资", "158天"]),
    ("四川产假有好多天", "faq:maternity-allowance-amount", None, ["98天", "延长产假60天"]),
    ("养老保险和医保要分开转吗", "faq:social-insurance-transfer-together", None, ["分别办理", "15个工作日"]),
    ("医保忘记交了会咋样", "faq:resident-medical-insurance-missed", None, ["等待期", "3个月"]),
    ("想开个米粉店要办啥证", "food-business-license", None, ["食品经营许可"]),
    ("在外地打了好几年工 回来了社保怎么转回来", "pension-transfer", None, ["养老保险关系转移接续"]),
    ("办了残疾证能领啥补贴", "disability-subsidies", None, ["两项补贴"]),
    ("医宝一年交好多钱", "resident-medical-insurance", "fees", []),
]


@pytest.mark.parametrize("question, expected, aspect, facts", CASES, ids=[c[0] for c in CASES])
def test_colloquial_question_gets_the_enriched_fact(real_index, question, expected, aspect, facts):
    reply = compose(question, index=real_index)
    if expected.startswith("faq:"):
        assert reply.kind == "faq", (reply.kind, reply.procedure_item, reply.text[:80])
        assert _faq_id(real_index, reply) == expected[4:]
    else:
        assert reply.procedure_item == expected, (reply.kind, reply.procedure_item, reply.text[:80])
        assert reply.aspect == aspect
        if aspect is None:  # the overview, or the guide's lines on the situation told
            assert reply.kind == "overview" or "相关说明" in reply.text
    for fact in facts:
        assert fact in reply.text, (fact, reply.text)


def test_follow_up_on_the_id_card_gets_its_delivery_and_temporary_card(real_index):
    """After talking about the ID card, '那要多久' answers with the 60-day rule of the law."""
    reply = compose("那要多久", context_item="resident-id-card", index=real_index)
    assert reply.aspect == "time" and "60日" in reply.text
    process = compose("办理流程是怎样的", context_item="resident-id-card", index=real_index)
    assert "邮寄" in process.text and "临时居民身份证" in process.text


def test_every_enriched_faq_entry_names_its_sources():
    """The FAQ entries built from national rules keep the rules they come from (`sources`, a list
    read by reviewers, docs/knowledge.md) and leave local facts to the hotline."""
    import yaml

    from bot.settings import get_settings

    raw = yaml.safe_load((get_settings().knowledge_dir / "faq.yml").read_text(encoding="utf-8"))["faq"]
    enriched = [e for e in raw if "sources" in e]
    assert len(enriched) >= 12
    for entry in enriched:
        assert isinstance(entry["sources"], list) and all(isinstance(s, str) and s for s in entry["sources"]), entry["id"]


def test_a_short_follow_up_that_names_another_item_moves_on(real_index):
    """"请的两个帮工 健康证在哪里办" after 食品经营许可 asks about the workers' health certificate, not the
    licence's office; a bare "多久到账" stays on the item in context."""
    moved = compose("请的两个帮工 健康证在哪里办", "food-business-license", index=real_index)
    assert moved.procedure_item != "food-business-license" and "体检" in moved.text, moved.text[:80]
    stays = compose("多久到账", "retirement-pension", index=real_index)
    assert stays.procedure_item == "retirement-pension" and stays.aspect == "time"


def test_an_aspect_question_naming_nothing_else_stays_on_the_item(real_index):
    """"卖家在浙江打工回不来 可以委托别人来办不" while talking about 二手房过户: nothing else is named, so it
    is the transfer's proxy rule, not a list of unrelated items."""
    reply = compose("卖家在浙江打工回不来 可以委托别人来办不", "property-transfer-registration", index=real_index)
    assert reply.procedure_item == "property-transfer-registration" and reply.aspect == "proxy"
    assert "委托书" in reply.text


def test_when_questions_say_how_the_result_reaches_the_citizen(real_index):
    """"好久拿得到" of an ID card, "好久到账" of a housing fund withdrawal, "最迟好久交" of the residents'
    medical insurance: the time answer also says how the card or money arrives, or the deadline."""
    card = compose("好久拿得到", context_item="resident-id-card", index=real_index)
    assert card.aspect == "time" and "邮寄送达" in card.text
    fund = compose("好久到账", context_item="housing-provident-fund-withdrawal", index=real_index)
    assert fund.aspect == "time" and "银行账户" in fund.text
    fee = compose("最迟好久交", context_item="resident-medical-insurance", index=real_index)
    assert fee.aspect == "time" and "集中缴费期" in fee.text and "截止日期" in fee.text


def test_a_first_question_told_as_a_situation_gets_the_guides_lines_on_it(real_index):
    """"驾照过期一年多了咋办": the guide on renewal, with its line on a licence more than a year past
    its validity (注销, 科目一) — not the bare overview, which answers nothing of what was told."""
    reply = compose("驾照过期一年多了咋办", index=real_index)
    assert reply.procedure_item == "driver-license-renewal" and reply.aspect is None
    assert "注销" in reply.text and "科目一" in reply.text
    plain = compose("公积金咋个取", index=real_index)
    assert plain.kind == "overview" and "相关说明" not in plain.text


def test_a_time_qualifier_names_no_faq(real_index):
    """"最迟好久交" after 居民医保 asks the item's deadline; 最迟 alone must not pick the FAQ on the
    disclosure extension ("延长了最迟好久答复")."""
    fee = compose("最迟好久交", context_item="resident-medical-insurance", index=real_index)
    assert fee.procedure_item == "resident-medical-insurance" and fee.aspect == "time"
    assert "信息公开" not in fee.text
