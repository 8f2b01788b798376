"""bot.nlu.readings: the rules that correct the classifier on long, colloquial messages."""
from __future__ import annotations

import pytest

from bot.nlu.readings import reread


@pytest.mark.parametrize("text, intent, expected", [
    # a problem story is intake, not a lookup
    ("已经打过好几次电话了没人管，枣山街道那个夜市天天闹到凌晨两点", "query_ticket_status", "complain"),
    ("楼上装修天天砸墙，物业也不管，都一个多月了", "nlu_fallback", "complain"),
    # a service cut is a problem told, whatever word of the past it uses
    ("镇上进城的班车以前一天五趟 现在只剩两趟了 上班的根本赶不上", "query_ticket_status", "complain"),
    ("我们村到镇上的公交车这个月停了 娃儿上学都没车坐", "nlu_fallback", "complain"),
    # ... unless it refers to an earlier case or carries a number
    ("我上周反映的路灯问题处理得咋样了", "query_ticket_status", None),
    ("之前举报的黑诊所有没有处理", "query_ticket_status", None),
    ("我的申请审核完了没", "query_application_status", None),
    # "how do I" about a service is a procedure question
    ("屋头老人满八十了，高龄津贴咋个申请", "seek_help", "ask_procedure"),
    ("开个小卖部要办啥子手续", "complain", "ask_procedure"),
    ("驾照到期了咋个换", "query_ticket_status", "ask_procedure"),
    # ... but not a call for help or a suggestion
    ("屋头进了只老鼠 咋办", "seek_help", None),
    ("建议大厅增加上门帮办服务", "suggest", None),
    ("老板欠我工资不给咋个办", "seek_help", None),
    # asking where an application or a reply is stays a lookup (the flow asks for the number)
    ("我的食品许可证批了没有", "query_application_status", None),
    ("我交的规划许可证申请现在在哪个部门", "query_application_status", None),
    ("12345给我的回复还没收到", "query_ticket_status", None),
    # the matter put aside for a question; a plain "算了" keeps the classifier's reading
    ("我要反映我们老板欠工资的事他… 算了，我先问下劳动仲裁咋个申请", "complain", "ask_procedure"),
    ("算了 不说了", "deny", None),
    ("算了，我还是想反映楼上噪音的问题", "complain", None),
    # dialect question endings after an answer
    ("收费不", "deny", "ask_procedure"),
    ("办好了寄不寄 我住得远", "query_application_status", "ask_procedure"),
    ("可以喊我婆娘帮我去办不", "affirm", "ask_procedure"),
    ("多久能办好嘛", "affirm", "ask_procedure"),
    ("网上办得成不", "out_of_scope", "ask_procedure"),
    ("好的", "affirm", None),
    # urges and "why has nobody called"
    ("麻烦帮我催一下", "complain", "urge_ticket"),
    ("为啥子还没得人联系我", "complain", "query_ticket_status"),
    # a short aspect question read as a request for help is a question; a problem stays a request
    ("备案了好久生效", "seek_help", "ask_procedure"),
    ("是单位办还是个人办", "suggest", "ask_procedure"),
    ("停水了多久能修好", "seek_help", None),
    # the state of one's own document is why a service is asked
    ("我妈瘫在床上 身份证过期了 她去不了派出所 可以上门来办不", "seek_help", "ask_procedure"),
    ("楼下烧烤店油烟太大了咋个办", "seek_help", None),
    # a lookup needs a number or a reference to an earlier case
    ("我的养老金这个月少发了两百多 不晓得为啥子", "query_ticket_status", "complain"),
    ("我想问下我那个事情为啥子还莫得消息", "query_ticket_status", None),
    ("我家门口的下水道堵了好几天了 麻烦看一下", "query_ticket_status", "complain"),
    ("我的工单到哪一步了", "query_ticket_status", None),
    # how much, and entitlement: questions about a service, not suggestions
    ("那要是以后买房 公积金贷款最多能贷好多", "suggest", "ask_procedure"),
    ("办了残疾证能不能吃低保嘛", "complain", "ask_procedure"),
    ("娃儿半岁了 新生儿医保是不是过了时间就不能办了", "seek_help", "ask_procedure"),
    ("身份证过了期限还能补办不", "seek_help", "ask_procedure"),
    # someone else's report that went nowhere, and a request to us to take it up: a new matter
    ("村上说报上去了，一个多月没得动静，路塌了一半，请帮我们反映一下早点修", "query_ticket_status", "seek_help"),
    ("我上次反映的路灯坏了的事 帮我催一下", "query_ticket_status", "urge_ticket"),
    # "反映个事" announces a matter: intake asks for it
    ("不是说10个工作日吗，超时了哪个管", "nlu_fallback", "ask_procedure"),
    ("编号搞忘了 用身份证能查不", "ask_procedure", "query_ticket_status"),
    ("万盛街道阳光花园小区的电梯又坏了", "inform", "seek_help"), ("电梯又坏了", "nlu_fallback", "seek_help"),
    ("北辰街道万盛小区3栋", "inform", None), ("13990040006", "inform", None),
    # a person asked for outright, whatever else the message tells
    ("我已经打了三次12345了 每次都说转给相关部门 结果啥子都没解决 我不想跟机器人说 给我转人工", "query_ticket_status",
     "request_human"),
    ("打字太慢了 你们电话是好多 我打过来问", "complain", "ask_procedure"),
    ("反映个事", "nlu_fallback", "complain"), ("我想举报", "inform", "report"), ("你好，我要投诉", "greet", "complain"),
])
def test_rereading(text, intent, expected):
    assert reread(text, intent, has_case_number=False) == expected


def test_a_number_keeps_the_status_flow():
    assert reread("GD7KX3M9QP 帮我催一下", "query_ticket_status", has_case_number=True) is None
    assert reread("我的件SP20261113001多久办好", "query_application_status", has_case_number=True) is None


def test_urges_and_rejected_answers():
    from bot.nlu.readings import asks_to_urge, rejects_the_answer

    assert asks_to_urge("都超过时间了 你们帮我催一下嘛") and not asks_to_urge("多久能办好")
    assert rejects_the_answer("你们回复说已经处理了 结果昨天晚上照样吵 我对这个处理结果不满意 要求重新处理")
    assert rejects_the_answer("还是没有解决") and rejects_the_answer("等于没处理")
    assert not rejects_the_answer("处理得很好 谢谢") and not rejects_the_answer("我很满意")


@pytest.mark.parametrize("text, intent", [
    # typos and voice input, dialect how-to questions
    ("养老经认证咋么弄 我不会用手几", "out_of_scope"),
    ("喂 我问一哈 那个养老金的人证 今年咋个还没弄 要跑到哪里去弄哦", "seek_help"),
    ("我的身份证过期了 换新的要带些啥子 我七十二了", "query_ticket_status"),
    ("公司把我辞退了 交了五年社保 现在还没找到工作 有啥子能领的不", "seek_help"),
    ("要是忘了认证会咋样 钱会不会停", "out_of_scope"),
    # a service question is no search of the published documents
    ("孩子在岳池读三年级，想转到广安区的小学，转学咋个弄", "query_disclosure"),
    ("我们村五组有个孤老头子 没儿没女的 想帮他申请低保 要啥子材料", "apply_disclosure"),
    # short follow-ups the classifier reads as a yes, a question about the bot or noise
    ("要好久批下来", "affirm"), ("要体检不 我是A2的", "bot_challenge"), ("网上咋个弄 我不想跑", "out_of_scope"),
    ("房产证还没下来 只有购房合同 行不", "nlu_fallback"),
    # yes/no questions about an aspect with a long background
    ("我屋头没得智能手机 可不可以喊我儿子在他手机上帮我弄", "query_ticket_status"),
    ("他爸爸在成都上班回不来 我一个人去可以不", "seek_help"),
    ("我是村上的 他自己跑不动 我帮他去办可以不", "nlu_fallback"),
])
def test_procedure_questions_in_dialect_and_typos(text, intent):
    assert reread(text, intent, False) == "ask_procedure"


@pytest.mark.parametrize("text, intent", [
    ("我申请的低保批下来了没", "query_application_status"),  # a case's state stays a lookup
    ("政府信息公开咋个申请", "apply_disclosure"),  # a disclosure question stays one
    ("你是机器人不", "bot_challenge"),
    ("楼上漏水 找了物业没人管 可以帮我反映不", "complain"),  # a problem told stays intake
])
def test_readings_that_stay(text, intent):
    assert reread(text, intent, False) in (None, intent)


def test_the_citizens_situation_after_an_answer_is_no_request():
    assert reread("我是自己交的社保 没得单位的", "seek_help", False) == "ask_procedure"
    assert reread("我是自己交的社保 没得单位的", "query_ticket_status", False) == "ask_procedure"
    assert reread("我是低保户 屋顶漏雨没人管", "seek_help", False) is None


def test_a_report_of_something_sold_online_stays_a_report():
    assert reread("有人在网上卖管制刀具", "report", False) is None
    assert reread("网上咋个弄 我不想跑", "out_of_scope", False) == "ask_procedure"


@pytest.mark.parametrize("text", [
    "我是广安的退休职工 现在在深圳帮女儿带娃 看病咋个用医保",
    "我是1972年的 女的 灵活就业一直自己交社保 好久可以退休",
    "房本上是我和老伴两个人的名字 她前年走了 这个咋办",
    "他以前交得少 每年就交几百块 现在还补得进去不",
    "农村修房子要办啥手续",
    "有没有时间限制 过了就不能告了吗",
])
def test_questions_told_as_ones_own_situation(text):
    from bot.nlu.readings import asks_instead_of_telling

    assert asks_instead_of_telling(text)


@pytest.mark.parametrize("text", [
    "楼上漏水到我家 咋个办",                     # a problem
    "路灯坏了好几天了 能不能来修一下",
    "审批这么慢 能不能快点",                      # pressing
    "老板欠我工资三个月了 咋个办",
    "我想问下我家门口的路灯能不能申请修一下",        # something to be done on the spot
    "隔壁天天打麻将到半夜 有没有人管",
    "我们小区门口能不能装个红绿灯",
    "我上个月反映的那个事 处理得咋样了",            # an earlier case
    "屋头燃气好大一股味道 咋个办",                  # an emergency
    "凭什么不给我办",
])
def test_requests_and_problems_phrased_as_questions_stay_requests(text):
    from bot.nlu.readings import asks_instead_of_telling

    assert not asks_instead_of_telling(text)


@pytest.mark.parametrize("text", [
    "我是退伍军人 前年交了材料办优待证 到现在都没拿到 到底咋个回事",
    "算了 其实我主要是想说 我妈瘫在床上 我一个人照顾不过来 能不能有人来帮一下",
])
def test_waiting_and_asking_for_a_hand_are_matters(text):
    from bot.nlu.readings import asks_instead_of_telling

    assert not asks_instead_of_telling(text)


def test_a_long_account_the_classifier_cannot_place_is_a_matter():
    story = "我们石笋镇到城头的班车 以前一天六趟 现在只有两趟了 早上七点一趟下午四点一趟 我们老年人进城看病根本赶不上"
    assert reread(story, "nlu_fallback", False) in ("seek_help", "complain")
    assert reread("我们这边的班车以前一天六趟 现在只剩两趟 早上一趟下午一趟 进城很不方便", "nlu_fallback", False) \
        in ("seek_help", "complain")
    # a question, a service, a short message or a case number keep the fallback
    assert reread("我们这边到城里的班车以前一天有六趟 现在还有几趟 哪个电话可以问得到", "nlu_fallback", False) is None
    assert reread("我们村上好几个老年人都想问一下那个养老保险的认证每年都要搞一次", "nlu_fallback", False) is None
    assert reread("班车只有两趟了", "nlu_fallback", False) is None


@pytest.mark.parametrize("text, intent", [
    ("我外婆今年刚满80岁 听说有什么老年补贴 是真的吗", "out_of_scope"),
    ("钱是打到哪里的", "out_of_scope"),
    ("一年能取好多", "out_of_scope"),
    ("我生二娃了 生育津贴是咋个算的", "out_of_scope"),
    ("要是忘了没交会咋样", "out_of_scope"),
    ("行政复议找哪个", "out_of_scope"),
    ("钱是打给公司还是打给我", "nlu_fallback"),
    ("我驾照是在深圳考的 能在广安换不", "nlu_fallback"),
    ("我出国好多年了 户口会不会已经被注销了啊", "nlu_fallback"),
    ("我在菜市场卖卤菜 自己屋头做自己卖 要办啥子证", "nlu_fallback"),
])
def test_questions_read_as_out_of_scope_that_ask_about_a_service(text, intent):
    assert reread(text, intent, False) == "ask_procedure"


@pytest.mark.parametrize("text", ["今天天气咋样", "讲个笑话", "找谁都没用", "你会唱歌不"])
def test_small_talk_stays_out_of_scope(text):
    assert reread(text, "out_of_scope", False) is None


def test_a_long_greeting_about_ones_family_is_no_matter():
    """"喂 你好 我孙子教我用这个手机的 …": nothing is missing, stopped or changed in it — no matter to register
    (a greeting, answered by one); without the greeting the fallback stays."""
    assert reread("喂 你好 我孙子教我用这个手机的 他在成都读大学 好久才回来一次", "nlu_fallback", False) == "greet"
    assert reread("我孙子教我用这个手机的 他在成都读大学 好久才回来一次 周末才有空", "nlu_fallback", False) is None


def test_the_employer_going_out_of_business_is_the_story_of_a_claim():
    from bot.nlu.readings import asks_instead_of_telling

    assert asks_instead_of_telling("我在城头那个鞋厂干了三年 厂子垮了 老板说一直给我们交了失业保险的 我能领失业金不 咋个领")
    assert not asks_instead_of_telling("房子垮了 咋个办")


def test_a_refused_application_read_as_disclosure_is_a_complaint():
    text = "我去社区申请低保 那个工作人员说我有个儿子就不能申请 连表都不给我 这个合理不"
    assert reread(text, "query_disclosure", False) == "complain"
    assert reread("我申请公开的文件一直不给我", "query_disclosure", False) is None


@pytest.mark.parametrize("text, expected", [
    ("连表都不给我 这个合理不", True),
    ("三个月了报销的钱还没到 一般要好久", True),
    ("他们说有儿子就不能吃低保 有没有这个规定", True),
    ("楼上漏水到我家 咋个办", False),
    ("我上个月反映的那个事 正常吗", False),        # an earlier case: the lookup
    ("屋头燃气好大一股味道 这个正常吗", False),      # an emergency
])
def test_questions_whether_what_happened_is_right(text, expected):
    from bot.nlu.readings import asks_about_the_rule

    assert asks_about_the_rule(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("都快一个月了 是不是超期了哦 不是说几天就办好吗", True),
    ("好久能办好", True),
    ("现在到哪一步了", True),
    ("你们不要跟邻居说是我举报的哈", False),
    ("顺便问下护照要带啥", False),
])
def test_questions_the_status_answer_answers(text, expected):
    from bot.nlu.readings import asks_about_the_case

    assert asks_about_the_case(text) is expected


def test_a_request_to_register_is_a_request_for_help_whatever_it_carries():
    assert reread("等不起了 帮我登记一下 让医保局催一哈 我电话18783260045", "inform", False) == "seek_help"
    assert reread("帮我登记一下嘛", "nlu_fallback", False) == "seek_help"
    assert reread("我的电话18783260045", "inform", False) is None
    # after giving up: "还是帮我登记嘛" registers it after all; "还是帮我登记结婚" asks about a service
    assert reread("哎 还是帮我登记嘛 娃娃天天要走那条路 咬到了咋个办", "ask_procedure", False) == "seek_help"
    assert reread("还是帮我登记结婚", "ask_procedure", False) is None



def test_the_progress_of_a_disclosure_request_starts_the_lookup():
    assert reread("我之前申请了政府信息公开 想问下到哪一步了", "apply_disclosure", False) == "query_application_status"
    assert reread("政府信息公开申请怎么查进度", "query_disclosure", False) == "query_application_status"
    assert reread("我想申请政府信息公开 怎么申请", "apply_disclosure", False) is None
    assert reread("我们公司想申请公开一份规划审批的相关信息，提交以后一般多长时间答复？", "apply_disclosure", False) is None
    from bot.nlu.readings import asks_about_the_case

    assert asks_about_the_case("你们一般要好久才答复嘛")
    assert reread("我九月份申请了政府信息公开，到现在一个多月了，一直没有答复，这种情况怎么办？", "apply_disclosure", False) is None
    assert reread("这个编号在哪里看嘛？我只记得是十月份交的", "nlu_fallback", False) == "query_application_status"


def test_a_greeting_that_chats_is_a_greeting():
    assert reread("喂 你好 我孙子教我用这个手机的 他在成都读大学 好久才回来一次", "seek_help", False) == "greet"
    assert reread("你好 我家楼上天天漏水", "seek_help", False) is None
    assert reread("你好 我想问下养老金的事", "seek_help", False) is None
    assert reread("喂 你好 我孙子教我用这个手机的 他在成都读大学 好久才回来一次", "query_ticket_status", False) == "greet"


def test_a_complaint_already_decided_is_no_rule_question():
    from bot.nlu.readings import asks_about_the_rule, without_the_rule_question

    assert not asks_about_the_rule("投诉一下 老码头火锅店 要发票说没得 说要开发票就另外加8个点 这个合理不")
    assert "合理" not in without_the_rule_question("连表都不给我 这个合理不")
    assert "一般要好久" in without_the_rule_question("三个月了钱还没到 一般要好久")


def test_the_one_complained_about_asking_the_hours_asks_the_rule():
    from bot.nlu.readings import asks_about_the_rule

    assert asks_about_the_rule("我开了个火锅店 正在装修门面 楼上住户天天打12345投诉我们噪音 我想问清楚到底几点到几点可以施工")
    assert not asks_about_the_rule("我要投诉楼上 天天半夜装修 到底几点到几点可以施工")


def test_asking_for_a_real_person_and_to_note_it_down():
    assert reread("我的滴保咋个突然就莫得了 也没人来通知我 你是机器人哇 我要找个真人说", "bot_challenge", False) == "request_human"
    assert reread("你是真人吗", "bot_challenge", False) is None
    assert reread("那你先帮我记下来嘛 穿石镇 金山村7组", "out_of_scope", False) == "seek_help"


@pytest.mark.parametrize("text", ["网上说得太笼统了 能不能请人社局的人打电话给我解释一下 我电话是13568820471",
                                  "能不能叫公积金中心的人一次给我说清楚 打我电话嘛 18981750263 王",
                                  "麻烦安排个工作人员给我回个电话"])
def test_a_call_back_asked_for_is_a_person(text):
    assert reread(text, "ask_procedure", False) == "request_human"


@pytest.mark.parametrize("text", ["都一个星期了为啥没人给我打电话", "登记了以后会不会给我打电话",
                                  "不要给我打电话 短信回复就行", "能不能叫他们打电话给我 编号GD7KX3M9QP"])
def test_a_call_back_not_asked_for(text):
    assert reread(text, "ask_procedure", "GD7KX3M9QP" in text) != "request_human"


def test_a_goodbye_that_says_no_farewell_is_asked_again():
    assert reread("身份正掉了", "goodbye", False) == "nlu_fallback"
    assert reread("好的 谢谢你 再见", "goodbye", False) is None
    assert reread("没事了 晓得了", "goodbye", False) is None


def test_a_question_about_the_hotline_itself_is_no_lookup():
    assert reread("12345和你这个有啥子区别哦 打12345能不能查办件进度", "query_application_status", False) \
        == "ask_procedure"
    assert reread("我打了12345三次都没解决 楼下还是吵", "complain", False) != "ask_procedure"



def test_a_company_change_asked_in_traditional_characters_is_a_question():
    """"公司註冊地址變更要準備甚麼資料": 甚麼 is 什么 (not OpenCC's 甚么), and a company's 注册/变更 is a service."""
    from bot.nlu.normalize import normalize_text
    from bot.nlu.readings import reread

    text = normalize_text("現在辦公室要從濃洄街道搬到北辰街道，公司註冊地址變更要準備甚麼資料？")
    assert "什么资料" in text
    assert reread(text, "seek_help", False) == "ask_procedure"


def test_where_to_issue_a_special_invoice_is_a_question():
    """"客人要开专票 我个体户小规模能开不 在哪开": an invoice is a service, not a disclosure request."""
    assert reread("客人要开专票 我个体户小规模能开不 在哪开", "apply_disclosure", False) == "ask_procedure"
