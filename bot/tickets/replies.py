"""Chinese lines of ticket intake in chat said by actions/tickets.py: composed lines, and the form's own
lines and buttons (the static questions are domain.yml responses; docs/replies.md)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from bot.calendar import format_cn_date
from bot.replies import HOTLINE_NAME, try_later
from bot.tickets import sla

ACKNOWLEDGE_ANGER = "非常理解您的心情，给您添麻烦了。我马上帮您把问题登记下来，转给负责的部门处理。"
HUMAN_WITH_TICKET = ("您要找人工服务：我先把您的问题完整登记下来，工作人员会按登记的内容回电联系您；"
                     f"着急的话也可以直接拨打{HOTLINE_NAME}。")
HUMAN_CALLBACK = ("人工坐席现在接不进来，我给您登记一个人工回电：工作人员会按您留的手机号码给您回电话。"
                  f"着急的话也可以直接拨打{HOTLINE_NAME}。")
CALLBACK_DESCRIPTION = "市民要求人工客服回电（在对话中未说明具体事项，请回电时询问）。"
RESUME = "我们继续刚才的诉求登记："
SIDE_NOT_ANSWERED = f"这个问题我暂时答不上来，您可以拨打{HOTLINE_NAME}咨询。"
STORY_NOTED = "好的，这些情况我补充记录到诉求里了。"
SIDE_NOTED = "这个问题我记下了，登记后会随诉求一并转给承办部门，由他们答复您。"
LOCATION_HINT = "没有听明白具体地点。请告诉我问题发生在哪里，例如“北辰街道万盛小区3栋”或“协兴镇牌坊村3组”；说不清可以回复“跳过”。"
NAME_HINT = "请问怎么称呼您？回复“姓X”就可以，例如“姓陈”；不想留可以回复“不留”。"
NAME_LEFT_OUT = "称呼先不填了，不影响办理；工作人员联系您时会再确认。"
LOCATION_LEFT_OUT = "地点先空着，不影响登记；承办部门联系您时会再核实具体位置，您也可以在核对时点“修改”补上。"
ANONYMOUS = ("好的，不留电话也可以登记。提醒您：没有联系电话，承办部门无法联系您核实情况、告知办理结果，"
             "您也无法凭手机号查询进度；需要时可以随时补充。")

LANDLINE_NOTED = ("好的，座机号码{number}已记在诉求内容里，承办部门可以打这个座机联系您。系统只能登记手机号码，"
                  "所以不能发短信，查询进度请记下工单编号并拨打12345热线。")

_ANGER = re.compile(r"管不管|到底|气死|太过分|过分了|凭什么|凭啥|妈的|土匪|垃圾|什么玩意|几次了|好几次|多少次|"
                    r"没人管|踢皮球|推来推去|[!！]{2,}|[?？]{2,}")
_HUMAN = re.compile(r"转人工|人工客服|人工服务|要人工|找人工|接人工|真人|活人|不跟机器|不和机器|"
                    r"回个电话|(?<![这那上下来])回电话|给我回电|打个电话给我|给我打个电话|喊个人|叫个人|找个人")


# "这个归派出所还是城管嘛": naming two departments and asking which one is asking who handles it too
_WHO = re.compile(r"归哪个管|归谁管|哪个部门管|哪个管|谁管|找哪个|找谁|该找哪|(归|找)[^，,。\s了没不]{1,8}还是[^，,。\s了没不]{1,8}(管|嘛|吗|呢|哦|[?？]|$)")
# "你们到底管不管嘛": whether we (the government) take the matter up at all — yes, and who does
_DO_YOU_HANDLE = re.compile(r"(你们|政府|你们政府|这里)(到底|究竟|还|会|能)?(管不管|管吗|管得了不|管得到不|能不能管|可不可以管|会不会管)")
RESPONSIBLE_MIN_SCORE = 0.35  # the router's confidence needed to name the department to the citizen


def responsible(description: str) -> str | None:
    """The department that usually handles the matter, when the citizen asks who is responsible and
    the router is confident enough to say so."""
    if not _WHO.search(description or ""):
        return None
    return department_for(description)


def department_for(description: str) -> str | None:
    """The department the router names with confidence, or None."""
    from bot.tickets.routing import get_router

    try:
        ranked = get_router().route(description, k=1)
    except Exception:  # routing data broken: the question is answered by the ticket itself
        return None
    return ranked[0][0] if ranked and ranked[0][1] >= RESPONSIBLE_MIN_SCORE else None


def opening(category: str, department: str | None = None) -> str:
    """The first line of intake: what is happening ("我帮您登记…"), and who usually handles it when the
    router is confident (the same confidence that dispatches the ticket at once), so that the citizen
    hears the matter was understood ("这类问题一般由区医疗保障局负责")."""
    who = f"这类问题一般由{department}负责，" if department else ""
    return f"好的，{who}我帮您把这条{category}登记下来，转给负责的部门办理。先跟您确认几项信息。"


# Questions citizens ask in the middle of intake that the knowledge base does not answer.
_PRIVACY_WORRY = re.compile(r"(晓得|知道|发现).{0,6}是我|保密|泄露|泄漏|匿名|打击报复|报复我|会不会.{0,6}(找我|曝光|公开)|"
                            r"(不要|别|莫).{0,8}(说|讲|告诉).{0,6}是我|"
                            # "会不会告诉老板是我反映的", "会不会把我电话给他们"
                            r"(会不会|会|能不能|可不可以).{0,4}(告诉|透露|说给|说|给|让).{0,8}(是我|我的(名字|姓名|电话|号码|信息))|"
                            r"(会不会|会|能不能).{0,3}把我的?(名字|姓名|电话|号码|信息).{0,4}(给|告诉|透露|说)")
_ROBOT = re.compile(r"(你是|是不是|是)(机器人|机器|人工智能|AI|真人)")
PRIVACY_ANSWER = ("请放心：您的姓名和电话只用于办理这件事，对被反映的单位和个人保密，不会公开；"
                  "不想留姓名也可以登记。")
ROBOT_ANSWER = "我是12345智能助手，帮您把问题登记清楚、转给负责的部门；需要人工可以回复“转人工”。"
ANGER_AT_QUESTION = "理解您的着急，这次一定给您登记上、转给负责的部门限时处理。"


# "你们管得到白马乡不嘛": whether a division is ours — every one of the 25 is (knowledge/gazetteer.yml)
_COVERS = re.compile(r"管得到|管得了|管不到|能不能管|能管|管不管|归不归|归你们|你们管|属不属于|属于")
COVERED = "管得到。{division}属于广安区，您的诉求登记后会转给负责的部门办理。"


def _covered_division(text: str) -> str | None:
    if not _COVERS.search(text or ""):
        return None
    from bot.tickets.places import division_in

    found = division_in(text)
    return found[0].name if found else None


def asks_whether_handled(text: str) -> bool:
    """"你们到底管不管嘛": whether the matter is taken up at all."""
    return bool(_DO_YOU_HANDLE.search(text or ""))


def worries_about_privacy(text: str) -> bool:
    """"你们不要跟邻居说是我举报的哈", "会不会把我电话给他们": will the person reported learn who it was."""
    return bool(_PRIVACY_WORRY.search(text or ""))


def side_answer(text: str, description: str | None) -> str | None:
    """The answer to a side question about intake itself (who handles it, will they know it was me,
    are you a robot), or None when it is a question for the knowledge base."""
    if worries_about_privacy(text):
        return PRIVACY_ANSWER
    if _ROBOT.search(text):
        return ROBOT_ANSWER
    covered = _covered_division(text)
    if covered:
        return COVERED.format(division=covered)
    if _WHO.search(text):
        department = department_for(description) if description else None
        return f"这类问题一般由{department}负责，登记后会转给他们办理。" if department else None
    if asks_whether_handled(text):
        department = department_for(description) if description else None
        who = f"这类问题一般由{department}负责，" if department else ""
        return f"管的。{who}您的诉求登记后会转给承办部门办理，并按规定时限联系您、答复办理结果。"
    return None


_CANNOT_CALL = re.compile(r"(110|119|120|12356|急救|报警).{0,6}(好多|多少|是好多|咋个打|怎么打|打不来|不会打|打不通)|"
                          r"打不来电话|不会打电话|(我|电话)打不来")
HOW_TO_CALL = ("拨打方法：用手机或座机直接按这三位数字（如1-2-0）再按拨号键，免费，不用加区号，手机欠费、没有信号时也能打；"
               "自己打不了请马上喊邻居或身边的人帮忙打。")


SELF_HARM_FOLLOW_UP = ("谢谢您陪着他，这很重要。请继续陪在他身边，不要让他一个人待着，收好刀具、药品等危险物品；"
                       "可以一起拨打心理援助热线12356（24小时），情况再有变化请马上拨打110或120。"
                       "方便的话留个手机号码，工作人员会联系您和社区一起关心他；不方便可以回复“不留”。")


def cannot_call(text: str) -> bool:
    """"120好多号 我打不来": an emergency caller who does not know how to dial."""
    return bool(_CANNOT_CALL.search(text or ""))


def angry(text: str) -> bool:
    return bool(_ANGER.search(text or ""))


def wants_human(text: str) -> bool:
    return bool(_HUMAN.search(text or ""))


# Words around a request for a person that tell no matter: "不想跟机器人说 给我转人工".
_HUMAN_FILLER = re.compile(r"不想|不愿意?|不要|跟|和|机器人|机器|说话|说|聊|给我|我要|我想|我|帮我|麻烦|请|你好|您好|喂|快点|马上|客服|坐席|人工|"
                           r"直接|赶紧|能不能|可不可以|吗|嘛|啊|哈|[^\u4e00-\u9fffA-Za-z0-9]")


def only_asks_for_human(text: str) -> bool:
    """The message asks for a person and tells no matter: the call-back ticket then says so in its
    text (CALLBACK_DESCRIPTION), never "我要人工" itself."""
    return wants_human(text) and len(_HUMAN_FILLER.sub("", _HUMAN.sub("", text or ""))) <= 2


def processing_time(category: str, urgent: bool, now: datetime | None = None) -> str:
    """"多久有人处理": the deadlines this ticket would get if registered now."""
    now = now or datetime.now(timezone.utc)
    d = sla.compute_deadlines(category, urgent, now)
    from bot.tickets.intake import local

    def when(at):
        at = local(at)
        return f"{format_cn_date(at)} {at:%H:%M}" if urgent else format_cn_date(at)

    return (f"登记后，承办部门应在{when(d.first_contact_by)}前与您联系，{when(d.resolve_by)}前答复办理结果"
            f"（{'紧急诉求按小时计算' if urgent else '按工作日计算'}）。提交后凭工单编号和手机号后四位可随时查询进度。")


URGE_NEEDS_NUMBER = ("请先告诉我工单编号和登记时预留手机号的后四位，核验后我帮您催办；"
                     f"也可以拨打{HOTLINE_NAME}催办。")
URGE_FAILED = try_later("催办暂时没有记录成功", "催办")


def urged(ticket: dict | None, number: str) -> str:
    if ticket is None:
        return f"工单 {number} 已经办结，不需要催办了。如对结果不满意，可以拨打{HOTLINE_NAME}反映。"
    return (f"已为您催办工单 {number}：催办已记录在工单上，承办部门（{ticket.get('department') or '12345热线分派中'}）"
            "会看到并尽快处理、联系您。")


# "处理结果不满意 要求重新处理" after a verified status, by what became of it (service.not_satisfied)
NOT_SATISFIED = {
    "reopened": "已记录您对办理结果不满意，工单已退回承办部门重新办理，办理后会再次答复您。",
    "escalated": "已记录您对办理结果不满意。这件事已重新办理过一次，现转交督办人员跟进，会再联系您。",
    "urged": "已记录您对目前处理情况不满意，并已催办：您的意见已写在工单上，承办部门会看到并尽快处理、联系您。",
}


def not_satisfied_text(outcome: str | None, number: str) -> str:
    return NOT_SATISFIED.get(outcome or "", f"工单 {number} 已经办结并完成回访。如仍有意见，可以拨打{HOTLINE_NAME}反映，"
                                             "或者告诉我新的情况，我帮您重新登记。")


# The current question said again in plain words ("我听不懂", "为啥子还要名字").
PLAIN_QUESTIONS = {
    "ticket_description": "就是请您说说遇到了什么事，比如哪里漏水、哪里太吵、多久了。",
    "ticket_location": "就是问这个事发生在哪里，比如哪个街道、哪个小区、几栋。工作人员知道地方才能去处理。说不清楚回复“跳过”就行。",
    "ticket_phone": "就是请您留个手机号码，工作人员处理时好给您打电话。没有或者不想留，回复“不留”就行。",
    "ticket_name": "留个称呼，是为了工作人员打电话时好称呼您，说“姓李”就可以。不想留，回复“不留”就行。",
    "ticket_confirm": "上面是我帮您记下的内容。没问题就回复“确认提交”，要改就回复“修改”，不登记了就回复“取消”。",
}


def plain_question(asked: str | None) -> str:
    return PLAIN_QUESTIONS.get(asked or "", PLAIN_QUESTIONS["ticket_description"])


def noted(location: str) -> str:
    return f"好的，地点记下了：{location}。"


_EMERGENCY_NUMBER = re.compile(r"120|119|110")


def with_emergency_label(description: str, label: str) -> str:
    """An urgent ticket's description headed by the kind of danger, for the handler: "【紧急：燃气泄漏】…"."""
    return f"【紧急：{label}】{description}" if label and not description.startswith("【紧急") else description


def emergency_number(advice: str | None) -> str | None:
    """The emergency number the safety instruction tells the citizen to call first (120, 119 or 110)."""
    m = _EMERGENCY_NUMBER.search(advice or "")
    return m.group(0) if m else None


def call_with_address(location: str, number: str) -> str:
    """Said when the place of an emergency is given: the address is what the emergency service needs."""
    return (f"好的，地点记下了：{location}。如果还没有拨打{number}，请马上拨打，把这个地址告诉对方；"
            f"可以喊邻居或家人过来帮忙。")


# -- the form's own lines and buttons (actions/tickets.py) ---------------------------------------------
CANCEL_BUTTON = {"title": "取消", "payload": "取消"}          # under a question: "取消" as typed
DENY_BUTTON = {"title": "取消", "payload": "/deny"}           # at the summary and after a failed submission
CONFIRM_BUTTON = {"title": "确认提交", "payload": "/affirm"}
EDIT_BUTTON = {"title": "修改", "payload": "修改"}
KEEP_AND_SUBMIT_BUTTON = {"title": "不用改，确认提交", "payload": "/affirm"}
SKIP_BUTTON = {"title": "跳过", "payload": "跳过"}
DECLINE_BUTTON = {"title": "不留", "payload": "不留"}
WHICH_TO_EDIT = "请问要修改哪一项？"
PHONE_USE = "（号码仅用于办理本诉求）"   # the privacy notice with every request for a phone number
ASK_PHONE_OPTIONAL = f"请留下您的手机号码，方便工作人员向您反馈{PHONE_USE}。不想留可以回复“不留”。"
ASK_PHONE = f"请留下您的手机号码，方便承办部门联系您核实和答复{PHONE_USE}。不方便留也可以回复“不留”。"
CANCELLED = f"好的，已取消本次诉求登记，您填写的信息不会保存。如需帮助，请随时告诉我，或拨打{HOTLINE_NAME}。"
SUBMIT_FAILED = ("抱歉，工单系统暂时繁忙，您的诉求还没有提交成功。您填写的信息已为您保留，请稍后点击“确认提交”再试一次；"
                 f"如情况紧急，请直接拨打{HOTLINE_NAME}。")
REFUSED = "抱歉，诉求未能提交：{reason}"
PHONE_INVALID = "没有识别到手机号码，请输入11位手机号码，例如 13800001234；不想留可以回复“不留”。"
DESCRIPTION_TOO_SHORT = "请再具体描述一下您要反映的问题，例如发生了什么、持续多久。"
NAME_INVALID = "称呼请控制在20个字以内，不想留可以回复“不留”。"
# After the rule is answered to "这个合理不" / "一般要好久": registering stays the citizen's choice.
OFFER_TO_REGISTER = ("如果您认为办理不当、或者等得太久想请部门跟进，我可以帮您把这件事登记下来，转给负责的部门处理并答复您，"
                     "回复“帮我登记”即可。")
REGISTER_BUTTON = {"title": "帮我登记", "payload": "/seek_help"}
UNRESOLVED = "抱歉没能帮您解决问题。我先为您登记诉求，由工作人员跟进处理并答复您。"
LANDLINE_IN_DESCRIPTION = "联系座机：{number}"   # added to the description for the handler


ASK_PRAISED_UNIT = "请问您要表扬的是哪个单位的工作人员（如哪个街道、社区或窗口）？说清楚了我们好把您的感谢转达到位；不清楚可以回复“跳过”。"


def location_question(category: str) -> str | None:
    """The place question in the words of the category (praise: which unit), or None for the
    domain's utter_ask_ticket_location."""
    return ASK_PRAISED_UNIT if category == "表扬" else None


def ask_phone(optional: bool) -> str:
    """The phone question: softer when the category needs no call-back."""
    return ASK_PHONE_OPTIONAL if optional else ASK_PHONE


def edit_buttons(labels) -> list[dict]:
    """After 修改: one button per field that can be changed, and 不用改."""
    return [{"title": f"修改{label}", "payload": f"修改{label}"} for label in labels] + [KEEP_AND_SUBMIT_BUTTON]
