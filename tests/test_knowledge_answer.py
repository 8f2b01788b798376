"""Reply composition for ask_procedure: the aspect asked, an overview with aspect buttons,
disambiguation, an item without a guide, FAQ, follow-ups on the item in context."""
import json
from datetime import date

import pytest

from bot.knowledge.answer import (
    aspect_text, close_candidates, compose, detect_aspect, names_no_item,
)
from tests.knowledge_fixtures import small_index  # noqa: F401  (fixture)


def payload(button):
    intent, _, entities = button["payload"].partition("{")
    return intent, json.loads("{" + entities)


def test_aspect_detection():
    assert detect_aspect("办身份证要带什么材料") == "materials"
    assert detect_aspect("那要多久？") == "time"
    assert detect_aspect("收費嗎") == "fees"
    assert detect_aspect("在哪办？") == "location"
    assert detect_aspect("能在网上办吗") == "online"
    assert detect_aspect("低保申请条件") == "conditions"
    assert detect_aspect("办理流程是怎样的") == "process"
    assert detect_aspect("身份证") is None
    assert names_no_item("那要多久？") and names_no_item("收费吗？") and names_no_item("在哪办？")
    assert not names_no_item("社保卡要多久")


def test_aspect_asked_is_answered_with_item_and_department(small_index):
    reply = compose("办身份证要带什么材料", index=small_index)
    assert reply.kind == "answer" and reply.procedure_item == "id_card"
    assert reply.text.startswith("【居民身份证申领】（区公安分局）申请材料")
    assert "1. 居民户口簿（原件，1份）" in reply.text
    # buttons for the other aspects of the same item
    intents = {payload(b)[0] for b in reply.buttons}
    assert intents == {"/ask_procedure"}
    assert all(payload(b)[1]["procedure_item"] == "id_card" for b in reply.buttons)


def test_overview_with_aspect_buttons_when_no_aspect_asked(small_index):
    reply = compose("我想办身份证", index=small_index)
    assert reply.kind == "overview"
    assert "【居民身份证申领】由区公安分局办理" in reply.text and "20个工作日" in reply.text
    aspects = [payload(b)[1]["aspect"] for b in reply.buttons]
    assert aspects == ["materials", "conditions", "process", "time", "fees", "location", "online"]


def test_follow_ups_use_the_item_in_context(small_index):
    time_reply = compose("那要多久？", context_item="id_card", index=small_index)
    assert time_reply.procedure_item == "id_card"
    assert "承诺时限：20个工作日" in time_reply.text and "法定时限：60个工作日" in time_reply.text
    fees = compose("收费吗？", context_item="id_card", index=small_index)
    assert "首次申领20元" in fees.text and "【居民身份证申领】" in fees.text
    where = compose("在哪办？", context_item="id_card", index=small_index)
    assert "户籍所在地派出所" in where.text and "0826-1234567" in where.text
    # a message naming a new item switches the context
    other = compose("社保卡要多久", context_item="id_card", index=small_index)
    assert other.procedure_item == "social_security_card"


def test_button_choice_of_item_and_aspect(small_index):
    reply = compose("", asked_item="id_card", asked_aspect="fees", index=small_index)
    assert reply.text.startswith("【居民身份证申领】（区公安分局）收费标准")


def test_time_answer_gives_the_expected_date(tmp_path):
    from bot.knowledge.loader import load_knowledge
    from tests.knowledge_fixtures import write_knowledge

    kb = load_knowledge(write_knowledge(tmp_path, catalog=None))
    text = aspect_text(kb.guides["id_card"], "time", None, today=date(2026, 1, 5))
    assert "预计2026年2月2日前办结" in text  # 20 working days after Monday 5 January 2026


def test_unknown_facts_are_said_honestly(small_index):
    reply = compose("社保卡要带什么材料", index=small_index)
    assert "暂无公布的申请材料信息" in reply.text and "12345" in reply.text
    when = compose("社保卡要多久", index=small_index)
    assert "法定时限：暂无公布" in when.text and "承诺时限：暂无公布" in when.text
    where = compose("社保卡在哪办", index=small_index)
    assert "暂无公布" in where.text and "可拨打12345热线" in where.text


def test_item_without_guide_gets_department_phone_and_link(small_index):
    reply = compose("开无犯罪记录证明", index=small_index)
    assert reply.kind == "no_guide"
    assert "【无犯罪记录证明】由区公安分局办理" in reply.text
    assert "0826-1234567" in reply.text and "sczwfw.gov.cn" in reply.text
    unknown_phone = compose("失业保险金申领", index=small_index)
    assert "12345" in unknown_phone.text and "区人社局" in unknown_phone.text


def test_close_candidates_ask_which(small_index):
    results = small_index.search("公益性岗位", k=5)
    close = close_candidates(results)
    assert len(close) >= 2
    reply = compose("公益性岗位", index=small_index)
    assert reply.kind == "choose" and reply.procedure_item is None
    chosen = [payload(b)[1]["procedure_item"] for b in reply.buttons]
    assert chosen == [r.id for r in close]
    assert any("公益性岗位申请" in b["title"] for b in reply.buttons)
    # the aspect asked travels with the choice
    reply = compose("公益性岗位要多久", index=small_index)
    assert all(payload(b)[1].get("aspect") == "time" for b in reply.buttons)


def test_faq_answered_through_the_same_retrieval(small_index):
    reply = compose("政务大厅几点开门", index=small_index)
    assert reply.kind == "faq" and "9:00-12:00" in reply.text


def test_nothing_to_go_on(small_index):
    assert compose("", index=small_index).kind == "not_found"
    assert compose("那要多久？", index=small_index).kind == "not_found"
    assert compose("asdfgh qwerty", index=small_index).kind == "not_found"


def test_weak_matches_are_suggested_not_answered(small_index):
    reply = compose("我要投诉楼下烧烤店", index=small_index)
    assert reply.kind == "suggest" and reply.procedure_item is None
    assert "没有找到与您的问题完全对应的事项" in reply.text and "12345" in reply.text
    assert 1 <= len(reply.buttons) <= 3


def test_fallback_offers_items_only_for_procedure_like_questions(small_index):
    from bot.knowledge.answer import plausible_items
    from bot.nlu.readings import plausible_reading

    offered = plausible_items("身份证要咋个弄", index=small_index)
    assert offered and offered[0].id == "id_card" and all(r.kind != "faq" for r in offered)
    assert plausible_items("啊吧啊吧", index=small_index) == [] and plausible_items("", index=small_index) == []
    # "您是想表扬吗？" is never asked about a plain question
    assert not plausible_reading("praise", "退休了要办啥子") and plausible_reading("praise", "谢谢窗口的王姐")
    assert not plausible_reading("complain", "退休了要办啥子")


@pytest.mark.parametrize("question, aspect", [
    ("要准备些什么", "materials"), ("退休要办些啥子手续", "materials"), ("中午有人上班不", "location"),
    ("搞不懂的话打哪个电话问", "location"), ("交了以后多久给答复", "time"),
    ("需要哪些东西", "materials"), ("收不收钱", "fees"), ("啥时候拿得到", "time"), ("微信上能办不", "online"),
    ("需要本人去吗", "proxy"), ("身份证咋个弄", None), ("可以喊我婆娘帮我去办不", "proxy"),
    ("她走不动可以上门办不", "proxy"), ("办好了寄不寄", "delivery"), ("能寄到屋头不", "delivery"),
    ("可以快递给我吗", "delivery"), ("是单位办还是个人办", "conditions"),
])
def test_colloquial_aspect_phrases(question, aspect):
    from bot.knowledge.answer import detect_aspect

    assert detect_aspect(question) == aspect


def test_a_clearly_ahead_weak_match_is_named_and_becomes_the_context(small_index):
    from bot.knowledge.answer import suggest
    from bot.knowledge.search import Result

    ahead = [Result(kind="guide", id="id_card", name="居民身份证申领", department="区公安分局", url=None, score=20.0, confidence=0.18),
             Result(kind="item", id="x", name="临时居民身份证", department="区公安分局", url=None, score=12.0, confidence=0.16)]
    reply = suggest(ahead, None)
    assert "居民身份证申领" in reply.text and reply.procedure_item == "id_card"
    close = [ahead[0], Result(kind="item", id="x", name="临时居民身份证", department="区公安分局", url=None, score=19.0,
                              confidence=0.16)]
    reply = suggest(close, None)
    assert reply.procedure_item is None and "没有找到与您的问题完全对应的事项" in reply.text


def test_follow_ups_on_the_real_catalog_stay_with_the_matter_talked_about():
    from bot.knowledge.search import get_index

    index = get_index()
    # "预约" asks how, it names no item (公证业务预约办理 is not meant)
    booking = compose("要预约不，咋个预约", context_item="marriage-registration", index=index)
    assert booking.text.startswith("【结婚登记】") and "办理流程" in booking.text
    # unknown hours: the usual practice and how to make sure
    weekend = compose("周六上班不", context_item="marriage-registration", index=index)
    assert "工作日" in weekend.text and "12345" in weekend.text
    who = compose("是单位办还是个人办", context_item="retirement-pension", index=index)
    assert who.text.startswith("【企业职工退休申请") and "办理条件" in who.text
    # several 资格认证 items are close; after retirement the pension one is meant
    check = compose("听说每年还要做啥子资格认证，咋个弄", context_item="retirement-pension", index=index)
    assert check.text.startswith("【养老保险定期待遇领取资格认证】")
    # the item talked about named as background to a new question: the new one is answered
    dibao = compose("办了残疾证能不能吃低保嘛", context_item="disability-certificate", index=index)
    assert "低保" in dibao.text.split("】")[0]
    # without that context the guide of the most asked one (养老金认证, with the guides' prior) is
    # answered; the 工伤 and 供养亲属 认证 items stay in the catalog for those who name them
    alone = compose("听说每年还要做啥子资格认证，咋个弄", index=index)
    assert alone.kind == "answer" and alone.procedure_item == "pension-qualification-certification"
    assert compose("工伤保险定期待遇领取资格认证", index=index).text.startswith("【工伤保险定期待遇领取资格认证")


def test_a_place_in_the_question_does_not_hide_the_item():
    from bot.knowledge.search import get_index
    from bot.tickets.places import without_places

    assert without_places("身份证在菜市场搞掉了 补办要好久嘛") == "身份证搞掉了 补办要好久嘛"
    # a place that names the service's office is kept: the search without places is only a second try
    assert "不动产" in compose("不动产登记中心在哪里", index=get_index()).text.split("】")[0]
    reply = compose("身份证在菜市场搞掉了 补办要好久嘛", index=get_index())
    # answered as the question without the place is (the guide's time limit or the FAQ on a lost ID card,
    # whichever the index ranks first): about the ID card, and saying how long
    assert reply.text == compose("身份证搞掉了 补办要好久嘛", index=get_index()).text
    assert "身份证" in reply.text and ("办理时限" in reply.text or "60日" in reply.text)


def test_delivery_and_proxy_follow_ups_quote_the_guide_then_the_general_rule():
    """"喊我婆娘帮我去办" and "寄不寄" after an item: the guide's own lines about it (not a bare
    "unknown"), the general rule from the FAQ, and for someone who cannot go, how to ask for a home visit."""
    from bot.knowledge.answer import compose

    proxy = compose("可以喊我婆娘帮我去办不", "resident-id-card")
    assert proxy.kind == "answer" and proxy.aspect == "proxy" and proxy.procedure_item == "resident-id-card"
    assert "本人须到场" in proxy.text and "委托书" in proxy.text and "上门" in proxy.text
    assert "身份证号码或其他身份证明" not in proxy.text, "a line that only says 本人 is not about proxies"
    assert "婚姻登记" not in proxy.text and len(proxy.text) < 450, \
        "the guide said it: the general rule's list of other items is left out"
    mail = compose("办好了寄不寄 我住得远", "resident-id-card")
    assert mail.aspect == "delivery" and "邮寄送达" in mail.text and "收件地址" in mail.text
    home = compose("我妈瘫在床上好几年了 身份证过期了 她人去不了派出所 可以上门来办不", None)
    assert home.procedure_item == "resident-id-card" and home.aspect == "proxy" and "上门" in home.text


def test_a_short_follow_up_naming_another_item_by_name_moves_to_it():
    """"营业执照多久能办好" after 身份证: the scores split over several 营业执照 items, but the words are
    in one item's name and in nothing of the ID card's; a bare aspect question stays."""
    from bot.knowledge.answer import compose

    assert compose("营业执照多久能办好", "resident-id-card").procedure_item == "individual-business-registration"
    assert compose("那结婚证呢要带啥", "divorce-registration").procedure_item == "marriage-registration"
    assert compose("能领好久", "resident-id-card").procedure_item == "resident-id-card"
    assert compose("身份证补办要多久", "resident-id-card").procedure_item == "resident-id-card"


def test_dialect_follow_ups_stay_on_the_item_and_homophones_name_nothing():
    """"在哪里申请嘛" after 高龄津贴: the 嘛 that sounds like 麻醉药品's 麻 does not take it elsewhere."""
    from bot.knowledge.answer import compose

    for question, aspect in (("在哪里申请嘛", "location"), ("要带些啥子", "materials")):
        reply = compose(question, "elderly-allowance")
        assert (reply.procedure_item, reply.aspect) == ("elderly-allowance", aspect), question


def test_the_facts_citizens_ask_after_a_procedure_are_in_the_knowledge():
    """Questions of the blind conversations whose answer lacked the fact (#12): taxes of a
    second-hand sale, 公积金 rent withdrawals, a proxy signed abroad, the yearly pension check, the
    pension estimate, who applies for retirement, the health check at licence renewal, one parent
    registering a birth. Each is answered from knowledge/, not from code."""
    from bot.knowledge.answer import compose

    tax = compose("要交些啥子税 大概好多", "property-transfer-registration")
    assert "契税" in tax.text and "个人所得税" in tax.text and "12366" in tax.text
    fund = compose("一年能取几次 能取多少", "housing-provident-fund-withdrawal")
    assert "额度" in fund.text and "12329" in fund.text
    abroad = compose("委託書在美國做好寄回去可以嗎", None)
    assert "附加证明书" in abroad.text and "使领馆" in abroad.text
    fee = compose("弄这个要不要钱哦", "pension-qualification-certification")
    assert fee.aspect == "fees" and "不收任何费用" in fee.text
    stop = compose("要是忘了认证会咋样 有啥子条件", "pension-qualification-certification")
    assert "暂停发放" in stop.text and "补发" in stop.text
    estimate = compose("退休以后每个月好多钱 能先算一下不", "retirement-pension")
    assert "测算" in estimate.text and "计发月数" in estimate.text
    who = compose("是单位办还是个人办", "retirement-pension")
    assert "用人单位为职工申报" in who.text and "本人申报" in who.text
    check = compose("要体检不", "driver-license-renewal")
    assert check.aspect == "conditions" and "A2" in check.text and "身体条件证明" in check.text
    birth = compose("办出生登记有啥子条件", "birth-registration")
    assert "父母一方" in birth.text and "亲子鉴定" in birth.text
    heir = compose("一定要去公证吗 听说公证费好贵", "property-transfer-registration")
    assert "不一定要先公证" in heir.text and "全部法定继承人" in heir.text


@pytest.mark.parametrize("question, aspect", [
    # padded question words: 些/点/哪些/啥子 between the verb and what is asked
    ("要拿些啥子单子", "materials"), ("要些啥子证明", "materials"), ("需要带点什么", "materials"),
    # 地址 alone asks no location; a "will it do" question asks the conditions
    ("没有店面 用家里地址可以吗", "conditions"), ("只有购房合同 行不", "conditions"), ("办公地址在哪", "location"),
    ("要体检不 我是A2的", "conditions"),
    # taxes are what a citizen pays; trips one might make ask whether it can be done from afar
    ("过户的时候契税这些是好多 个税要交不", "fees"), ("要回南充那边跑一趟不", "online"),
    ("要我自己跑东莞去不", "online"),
    ("他爸爸在成都上班回不来 我一个人去可以不", "proxy"), ("可不可以喊我儿子在他手机上帮我弄", "proxy"),
    # what follows a self-correction is asked, not the question taken back
    ("请问结婚登记需要什么材料。不对，我先问另一个：我户口在贵州，可以在广安区登记吗？", "conditions"),
    ("身份证咋个弄", None),
])
def test_padded_and_yes_no_aspect_questions(question, aspect):
    assert detect_aspect(question) == aspect


def test_yes_no_follow_ups_stay_with_the_matter_in_context():
    """"X不" after an item asks about that item or one of its matter, not whatever else the words
    touch: a city in a long catalog name, 高龄津贴 for 补贴, 老年人优待证 for 临时的."""
    home = compose("要回南充那边跑一趟不", "hukou-migration")
    assert home.procedure_item == "hukou-migration" and "无需往返迁出地" in home.text
    assert compose("办了有啥子补贴没得", "disability-certificate").procedure_item == "disability-subsidies"
    assert compose("中间要坐车出去耍 能先开个临时的不", "resident-id-card").procedure_item == "temporary-id-card"
    papers = compose("要些啥子证明", "minimum-living-allowance")
    assert (papers.procedure_item, papers.aspect) == ("minimum-living-allowance", "materials")
    address = compose("没有店面 用家里地址可以吗", "individual-business-registration")
    assert address.aspect == "conditions" and "住宅" in address.text


def test_a_how_question_gets_the_steps_with_the_overview():
    reply = compose("想问下低保咋个申请")
    assert reply.kind == "overview" and reply.procedure_item == "minimum-living-allowance"
    assert "办理流程" in reply.text
    assert "办理流程" not in compose("低保").text


def test_the_citizen_telling_their_case_after_an_item_gets_its_conditions():
    """"我是自己交的社保 没得单位的" after 退休: what applies to that case (灵活就业 apply themselves);
    a case that names another guide ("我是退休职工" after 身份证) moves to it."""
    own = compose("我是自己交的社保 没得单位的", "retirement-pension")
    assert (own.procedure_item, own.aspect) == ("retirement-pension", "conditions") and "灵活就业" in own.text
    assert compose("我是退休职工", "resident-id-card").procedure_item == "retirement-pension"


def test_typed_by_voice_told_in_clauses_and_asked_about_amounts_or_lines_of_the_guide():
    # voice input of a whole word (申情第保, 残积证) and a story around the item named in one clause
    assert compose("我想申情第保 要啥子手续", None).procedure_item == "minimum-living-allowance"
    assert compose("想给他办个残积证 咋个办", None).procedure_item == "disability-certificate"
    marriage = compose("我和男朋友下周想去扯结婚证 要带啥子材料 赶时间说简单点", None)
    assert marriage.procedure_item == "marriage-registration" and marriage.aspect == "materials"
    # how much and how often: the guide's amounts, on the item in context
    loan = compose("一年能贷好多", "student-financial-aid")
    assert loan.aspect == "amount" and "16000元" in loan.text
    levels = compose("一年交好多钱 有几个档次", "urban-rural-pension")
    assert levels.procedure_item == "urban-rural-pension" and "档次" in levels.text
    # a follow-up about something the guide in context speaks of gets those lines, not another item
    earlier = compose("那我在外头交的那几年咋个办 会不会作废", "urban-rural-pension")
    assert earlier.procedure_item == "urban-rural-pension" and "不会作废" in earlier.text
    rent = compose("要租房合同吗 房东不愿意去备案", "housing-provident-fund-withdrawal")
    assert rent.procedure_item == "housing-provident-fund-withdrawal" and "备案" in rent.text
    # ... unless the FAQ on it answers: remedies of a disclosure, the 20+20 working days
    assert "60日" in compose("行政复议找哪个", "government-information-disclosure").text
    assert "20个工作日" in compose("为啥子要延长 延长了最迟好久答复", None).text


def test_follow_ups_answered_from_the_guide_the_stage_words_and_english():
    # a stage word (到期, 延续) names no item: the guide in context says what it says of it
    renew = compose("以前那个证明年就到期了 延续要提前好久去办", "food-small-shop-filing")
    assert renew.procedure_item == "food-small-shop-filing" and "延续" in renew.text
    # 健康证 has its own guide; asked after the shop's filing it is the one answered
    health = compose("健康证在哪里办 要好多钱", "food-small-shop-filing")
    assert health.procedure_item == "food-worker-health-certificate"
    both = compose("店头就我们两口子 两个人都要办健康证吗", "food-worker-health-certificate")
    assert "两个人都要办" in both.text
    # "好久可以退休" asks who may retire when, not how long a procedure takes
    age = compose("我是1972年的 女的 灵活就业一直自己交社保 好久可以退休", None)
    assert age.aspect == "conditions" and "延迟" in age.text
    # a city elsewhere is 异地; a guide's line on it answers "能在成都换吗"
    away = compose("可以在成都换吗 还是必须回广安", "resident-id-card")
    assert away.procedure_item == "resident-id-card" and "异地" in away.text
    married = compose("户口本还要不要带 他户口在重庆 我的在广安 能不能就在广安办", "marriage-registration")
    assert married.procedure_item == "marriage-registration" and "不再需要提供户口簿" in married.text
    assert compose("婚检是不是必须要做", "marriage-registration").text.count("自愿") >= 1
    # an English word of a returnee
    assert compose("身份证去年就expired了 现在要换新的 去哪里办", None).procedure_item == "resident-id-card"
    # still moving on when the question names another guide
    assert "低保" in compose("办了残疾证能不能吃低保嘛", "disability-certificate").text.split("】")[0]


def test_out_of_scope_messages_that_are_follow_ups_get_their_answer():
    from bot.knowledge.answer import follow_up_reply

    loan = follow_up_reply("一年能贷好多", "student-financial-aid")
    assert loan is not None and loan.procedure_item == "student-financial-aid" and "16000元" in loan.text
    remedy = follow_up_reply("行政复议找哪个", None)
    assert remedy is not None and "60日" in remedy.text
    assert follow_up_reply("今天天气怎么样", "student-financial-aid") is None
    assert follow_up_reply("讲个笑话", None) is None
    assert follow_up_reply("/out_of_scope", "student-financial-aid") is None


def test_follow_ups_that_open_another_matter_leave_the_guide_in_context():
    # a word the guide never mentions names the item ranked near the top
    assert compose("执照下来以后发票咋个领", "company-registration").text.startswith("【发票领用")
    # "还有…" opens another matter
    assert compose("还有明年的医保钱咋个交 在哪里交", "medical-reimbursement").procedure_item == "resident-medical-insurance"
    # a voice typo in the clause that names the item
    assert compose("喂 我问一哈 那个养老金的人证 今年咋个还没弄 要跑到哪里去弄哦",
                   None).procedure_item == "pension-qualification-certification"
    # moving one's pension home is the transfer, not joining the residents' scheme
    assert compose("我以前在东莞打工交了8年养老保险，现在回广安了，社保咋转回来？", None).procedure_item == "pension-transfer"


def test_an_answer_quoting_the_guide_on_what_was_asked_is_marked_specific():
    married = compose("户口本还要不要带 他户口在重庆 我的在广安 能不能就在广安办", "marriage-registration")
    assert married.aspect == "materials" and married.specific
    assert not compose("结婚要带啥子材料", None).specific


def test_a_follow_up_on_an_faq_after_a_story_is_read_by_its_question():
    """"中间要坐车出去耍 能先开个临时的不" after the FAQ on a lost ID card: its short question names the
    sentence on the temporary card, the story before it aside."""
    from bot.knowledge.search import get_index

    reply = compose("中间要坐车出去耍 能先开个临时的不", context_faq="id-card-lost", index=get_index())
    assert reply.kind == "faq" and "临时居民身份证" in reply.text


def test_an_aside_about_availability_names_no_item():
    """"可以 online 办吗，我平时走不开" after 公司变更登记: the online aspect of it, not 人民防空工程平时使用备案."""
    from bot.knowledge.search import get_index

    reply = compose("可以 online 办吗，我平时走不开", context_item="company-change-registration", index=get_index())
    assert reply.text.startswith("【公司变更登记") and "网上" in reply.text
