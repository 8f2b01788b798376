"""Procedure answers to situations told in dialect and to the follow-ups after them (blind dev writers
r and t): who the citizen is is no item, a lost document asks for the item offering 补, the item in
context keeps a follow-up that names nothing it lacks, a FAQ answers the clause asking it."""
from bot.knowledge.answer import compose, detect_aspect, follow_up_reply, plausible_items, fallback_items_text
from bot.knowledge.search import get_index


def test_a_clause_telling_who_asks_names_no_item():
    """"我自己开理发店的" is the story; "没得单位 能买社保不" asks about 灵活就业 social insurance."""
    reply = compose("我自己开理发店的 没得单位 能买社保不")
    assert reply.procedure_item == "flexible-employment-pension" and "税务" in reply.text
    # the fallback offers the same, named in its text
    items = plausible_items("我自己开理发店的 没得单位 能买社保不")
    assert items[0].id == "flexible-employment-pension"
    assert "灵活就业" in fallback_items_text(items)
    # a story clause with nothing else asked keeps the whole question
    assert compose("我是开理发店的 要办啥子证").procedure_item == "public-place-hygiene-license"


def test_a_yes_no_follow_up_gets_the_guide_line_on_it():
    reply = compose("医保呢 能一起交不", "flexible-employment-pension")
    assert reply.procedure_item == "flexible-employment-pension" and reply.specific
    assert "职工基本医疗保险" in reply.text and "退休年龄" not in reply.text


def test_no_unit_any_more_and_paying_oneself_moves_to_flexible_employment_with_the_steps():
    reply = compose("转回来以后我没单位了 自己接着交 咋个交", "pension-transfer")
    assert reply.procedure_item == "flexible-employment-pension"
    assert "办理流程" in reply.text and "税务" in reply.text


def test_a_lost_document_asks_for_the_item_offering_its_replacement():
    """"搞掉了" asks for 补证: 驾驶证换证（…补证） rather than 驾驶证公证, with the guide's lines on 遗失."""
    found = get_index().search("对了 我驾驶证也搞掉了 咋个补", k=2)
    assert found[0].id == "driver-license-renewal"
    reply = compose("对了 我驾驶证也搞掉了 咋个补", "resident-medical-insurance")
    assert reply.procedure_item == "driver-license-renewal" and "补领" in reply.text


def test_words_the_item_in_context_shares_name_no_other_item():
    """"以前交的城乡居民那几年" after 城乡居民养老保险 stays on it (制度衔接), not 城乡居民医保."""
    reply = compose("那我以前交的城乡居民那几年咋办", "urban-rural-pension")
    assert reply.procedure_item == "urban-rural-pension" and "转入职工养老保险" in reply.text


def test_the_verb_of_any_item_makes_no_matter_common():
    """遗属待遇…申领 and 基本养老金申领 share only 申领: the pension paid after death is on 遗属待遇."""
    reply = compose("这个月的养老金还是打到卡上了 要退回去不", "survivor-benefits")
    assert reply.procedure_item == "survivor-benefits" and "退还" in reply.text and "次月起停发" in reply.text


def test_words_side_by_side_name_no_item_and_the_bedridden_get_the_home_assessment():
    """"医院评残" has 院评 but names no 医院评审; 下不了床 is 卧床, 评残 is 残疾评定."""
    reply = compose("他下不了床 还要去医院评残不", "disability-certificate")
    assert reply.procedure_item == "disability-certificate" and "上门评定" in reply.text
    # the fallback's first stage gets this answer too (a follow-up the guide in context answers)
    assert follow_up_reply("他下不了床 还要去医院评残不", "disability-certificate").specific


def test_the_spouse_s_housing_fund_for_a_loan():
    reply = follow_up_reply("我老婆也有公积金 能一起算不", None)
    assert reply is not None and "夫妻" in reply.text and "贷款" in reply.text


def test_a_faq_answering_a_later_clause_answers_a_long_story():
    reply = compose("我上个月在政务中心办了个营业执照变更 那个回执单搞掉了 莫得号码 能不能用身份证号查嘛")
    assert reply.kind == "faq" and "短信" in reply.text and "我的办件" in reply.text
    about = compose("12345和你这个有啥子区别哦 打12345能不能查办件进度")
    assert about.kind == "faq" and "12345" in about.text and "进度" in about.text


def test_papers_already_handed_in_are_the_story_and_two_aspects_are_both_answered():
    assert detect_aspect("回来交了手工报销的材料 三个月了钱还没到 一般要好久") == "time"
    assert detect_aspect("要带啥子材料") == "materials"
    reply = compose("手机上咋个备案 要等好久", "out-of-area-medical-filing")
    assert "办理时限" in reply.text and "网上办理" in reply.text and "国家医保服务平台" in reply.text


async def test_the_fallback_answers_a_follow_up_on_the_item_in_context():
    """"他下不了床 还要去医院评残不" read as nlu_fallback after 残疾人证 is answered, not met with "您是想…吗"."""
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    import actions.common as common

    message = {"text": "他下不了床 还要去医院评残不", "intent": {"name": "nlu_fallback"},
               "intent_ranking": [{"name": "nlu_fallback"}, {"name": "ask_procedure"}]}
    dispatcher = CollectingDispatcher()
    await common.ActionAskAffirmation().run(
        dispatcher, Tracker("t", {"procedure_item": "disability-certificate"}, message, [], False, None, {},
                            "action_listen"), {})
    assert "上门评定" in dispatcher.messages[0]["text"]


async def test_the_items_the_fallback_offers_are_the_context_of_the_next_question():
    """"身份正掉了" gets "您是想问 居民身份证…吗"; "这个咋个补" next is about the first item offered, and
    "都不是" leaves no item in context."""
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    import actions.common as common

    message = {"text": "身份正掉了", "intent": {"name": "nlu_fallback"}, "intent_ranking": [{"name": "nlu_fallback"}]}
    dispatcher = CollectingDispatcher()
    events = await common.ActionAskAffirmation().run(
        dispatcher, Tracker("t", {}, message, [], False, None, {}, "action_listen"), {})
    offered = dispatcher.messages[0]["buttons"][0]["payload"]
    item = next(e["value"] for e in events if e["name"] == "procedure_item")
    assert "居民身份证" in dispatcher.messages[0]["text"] and item in offered
    assert "补" in compose("赶场的时候掉的 找不到了 这个咋个补", item).text

    dispatcher = CollectingDispatcher()
    none_of_these = {"text": "/out_of_scope", "intent": {"name": "out_of_scope"}}
    events = await common.ActionOutOfScope().run(
        dispatcher, Tracker("t", {"procedure_item": item}, none_of_these, [], False, None, {}, "action_listen"), {})
    assert {"event": "slot", "name": "procedure_item", "value": None, "timestamp": None} in events


def test_what_a_materials_question_also_asks_is_answered_before_the_interview():
    from bot.knowledge.answer import aspects_beside_materials

    assert aspects_beside_materials("办护照 在哪 要啥") == ["location"]
    assert aspects_beside_materials("身份证补办要带什么 多少钱") == ["fees"]
    assert aspects_beside_materials("办护照要啥材料") == []
    assert "办理地点" in compose("", asked_item="passport", asked_aspect="location").text
