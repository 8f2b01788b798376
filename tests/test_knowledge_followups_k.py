"""Procedure answers found with blind dev writers w and y: a FAQ phrasing said word for word in a long story
ranks above a catalog item without a guide, an item called by its alias among close candidates, when a time
limit starts, an unknown time limit says whom to ask, and a question about both items talked about."""
from bot.knowledge.answer import asks_about_both, compose
from bot.knowledge.search import get_index
from bot.nlu.readings import reread

STORY = "宝宝两个月了 出院的时候医院给了个小本本 说要去打疫苗 我们住广福街道 应该去哪里打啊"


def test_a_faq_phrasing_said_in_a_long_story_ranks_above_an_item_without_a_guide():
    found = get_index().search(STORY, k=3)
    assert found[0].id == "child-vaccination"
    reply = compose(STORY)
    assert reply.kind == "faq" and "社区卫生服务中心" in reply.text
    missed = compose("上个月感冒了有一针没去打 现在补还来得及吗 会不会有影响")
    assert missed.kind == "faq" and "补种" in missed.text
    # the certificate itself stays the catalog item, and a short question is no story
    assert get_index().search("娃娃的疫苗本搞丢了", k=1)[0].name == "《预防接种证》办理"
    assert get_index().search("办事大厅中午休息吗", k=1)[0].id == "service-center-hours"


def test_of_close_candidates_the_one_called_by_its_alias_is_answered():
    reply = compose("你好，我娃儿有孤独症，医生说可以办残疾证，请问咋个办")
    assert reply.procedure_item == "disability-certificate"
    proxy = compose("娃儿必须要去吗 还是我一个人去就可以了", "disability-certificate")
    assert proxy.procedure_item == "disability-certificate" and "监护人" in proxy.text


def test_when_a_time_limit_starts_is_a_time_question():
    assert reread("从哪天开始算", "out_of_scope", has_case_number=False) == "ask_procedure"
    reply = compose("从哪天开始算", "government-information-disclosure")
    assert reply.aspect == "time" and "收到申请之日" in reply.text and "补正" in reply.text


def test_an_unknown_time_limit_says_whom_to_ask():
    reply = compose("大概要好久才办得下来", "disability-certificate")
    assert reply.aspect == "time" and "区残联受理时告知为准" in reply.text and "12345" in reply.text
    # a published figure needs no such line
    assert "受理时告知" not in compose("要好久办得下来", "residence-permit").text


def test_a_question_about_both_items():
    assert asks_about_both("两个证办下来要好久") and asks_about_both("这两个加起来要多少钱")
    assert not asks_about_both("要好久办得下来") and not asks_about_both("我们两口子都没得工作")
    assert not asks_about_both("一共要带几样材料")


async def test_both_items_talked_about_get_the_aspect_answered():
    """"两个证办下来要好久" after 营业执照 and then 小经营店备案: the time of both."""
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.procedures import ActionAnswerProcedure

    events = [{"event": "slot", "name": "procedure_item", "value": "individual-business-registration"},
              {"event": "slot", "name": "procedure_item", "value": "food-small-shop-filing"}]
    tracker = Tracker("test", {"procedure_item": "food-small-shop-filing"},
                      {"text": "两个证办下来要好久", "intent": {"name": "ask_procedure"}, "entities": []},
                      events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    await ActionAnswerProcedure().run(dispatcher, tracker, {})
    text = dispatcher.messages[0]["text"]
    assert "【食品小经营店、小作坊备案】" in text and "【个体工商户设立登记（办营业执照）】" in text and "3个工作日" in text
