"""Chinese lines of the status flows shared by every kind of case number. The neutral answer is the
same for an unknown number, wrong digits and every kind, so replies reveal nothing about which
numbers exist."""
from __future__ import annotations

import re

from bot.replies import HOTLINE_NAME, try_later

NEUTRAL = ("未能核验到与该编号和手机号后四位相符的记录。请核对编号（见受理通知书、回执或短信）和登记时预留手机号的后四位；"
           f"如果是后四位记错了，直接告诉我正确的后四位即可。如需帮助，请拨打{HOTLINE_NAME}。")
# The first failed check keeps the lookup open for the digits once more (a second failure ends it, NEUTRAL);
# it says nothing about whether the number exists.
NEUTRAL_RETRY = ("未能核验到与该编号和手机号后四位相符的记录，请核对后重新输入后四位；"
                 "如果是编号记错了，直接发正确的编号，不查了可以回复“取消”。")
BAD_CODE = "请输入登记时预留手机号码的后4位数字（例如“1234”），也可以直接输入完整手机号。"
SYSTEM_BUSY = try_later("查询服务暂时不可用")
# "帮我催一下" / "不满意" while the lookup waits for the digits: done right after the check.
URGE_AFTER_CHECK = "好的，核验通过后马上帮您催办、反映。"
STATE_AFTER_CHECK = "核验通过后，我马上告诉您这件事办到哪一步、有没有超过时限。"
URGE_NOT_RECORDED = try_later("催办暂时没有登记成功", "催办")


NOTHING_TO_URGE = f"这件事已经办结，不需要再催办了；对办理结果有疑问，可以回复“我要反映问题”登记，或拨打{HOTLINE_NAME}。"


def application_urged(ticket: dict) -> str:
    """The answer to an application's 催办: the ticket that now carries it."""
    return (f"已为您登记催办，工单编号：{ticket['ticket_no']}，已转{ticket.get('department') or '负责部门'}"
            "督促办理，办理情况会答复您；也可以随时发送工单编号查询催办进度。")
OTHER_WAYS = f"\n也可以：回复“转人工”由工作人员帮您查，回复“我要反映问题”登记诉求，或拨打{HOTLINE_NAME}；不查了请回复“取消”。"
URGE_BUTTON = {"title": "催办", "payload": "/urge_ticket"}
SESSION_FOLLOW_UP = ("承办部门会在上面的“应联系时间”前与您联系，时限按工作日计算；如果已经超过时间还没人联系，"
                     "或者事情紧急，可以回复“催办”，我会把催办记录在工单上，承办部门会看到。")
CANCEL_BUTTON = {"title": "取消", "payload": "/deny"}
OTHER_WAY_BUTTONS = [{"title": "转人工", "payload": "/request_human"},
                     {"title": "登记诉求", "payload": "/seek_help"},
                     CANCEL_BUTTON]


# The lookup started with the whole story ("材料五月份就交到镇上了…你们帮我催一下"): it is registered as told.
NO_NUMBER_STORY = ("没有编号也没关系，我按您刚才说的情况帮您登记，转给负责的部门核实办理进度，并注明您在催办。"
                   f"只想查进度的话，也可以拨打{HOTLINE_NAME}，报办理时登记的姓名和手机号码查询。")
NO_NUMBER = ("没有编号也没关系。如果是之前反映过的问题，可以回复“我要反映问题”把情况再说一遍，我重新帮您登记并注明之前反映过；"
             f"也可以回复“转人工”，或拨打{HOTLINE_NAME}，用登记时的手机号码查询。")
_NO_NUMBER = re.compile(r"(没有|没得|莫得|不知道|忘了|忘记|找不到|记不得|记不到|不记得|弄丢|搞丢)了?.{0,4}(编号|单号|号码|回执|受理号)|"
                        r"(编号|单号|回执).{0,4}(没有|没得|莫得|不知道|忘了|找不到|丢了|搞丢)|"
                        r"^(没有|没得|莫得|不知道|不晓得|不清楚|记不到|忘了)[。！!~]?$")


def has_no_number(text: str) -> bool:
    """"我没有编号", "回执搞丢了": the citizen cannot give the number asked for."""
    return bool(_NO_NUMBER.search(text or ""))


WHERE_IS_THE_NUMBER = ("编号一般写在受理通知书、回执或受理后收到的短信里（依申请公开的申请编号见登记回执或告知书）；"
                       "用申请时的身份实名登录天府通办APP，在“我的办件”里也能看到本人名下的办件。找到后发给我就行；"
                       "实在找不到可以回复“没有编号”，我告诉您其他查询办法。")
def ask_number(hint: str) -> str:
    return f"请告诉我您的{hint}，可在受理通知书、回执或短信中找到；编号和手机号后四位可以一起发给我。"


def bad_number(hint: str) -> str:
    return f"没有找到编号。请发送您的{hint}；没有编号的话，可以回复“转人工”或拨打{HOTLINE_NAME}。"


def locked_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return (f"该编号的身份核验失败次数过多，为保护申请人信息，已暂停查询（约{minutes}分钟后可再试）。"
            f"如需帮助，请携带身份证件到政务服务大厅窗口，或拨打{HOTLINE_NAME}。")
