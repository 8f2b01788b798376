"""Corrections of the classifier's reading of long, colloquial messages, as rules over the text.

- A status intent (or no confident intent) without a case number and without a reference to an
  earlier case, on a message that tells a problem, is intake: "反映过好几次了还没人管！卤菜店油烟…" is a new complaint.
- "帮我催一下" is an urge of the case in hand; "为什么还没人联系我" asks about it.
- A request for help or complaint phrased as "how do I do X" about a service ("出生医学证明咋个办",
  "身份证过期了可以上门办不") is a procedure question, unless it also tells a problem or an emergency.
"""
from __future__ import annotations

import re
from typing import Optional

STATUS_INTENTS = ("query_ticket_status", "query_application_status")
_EARLIER_CASE = re.compile(
    r"(查|查询|查一下|问一下|看一下|看看).{0,6}(进度|工单|办件|结果|状态)|进度|到哪一步|到哪了|办到哪|处理到哪|"
    r"怎么样了|咋样了|有结果|有回复|有答复|回复了没|答复了没|处理了没|办好了没|"
    r"(我的|上次|之前|前几天|前段时间|以前|那个|刚才|刚刚).{0,6}(?<!咋个|怎么|如何|怎样)(工单|投诉|诉求|申请|办件|件)|编号|单号|"
    r"(我|之前|上次|上个月|前几天|前段时间|那天).{0,8}(反映|举报|投诉|申请|提交|报)的|"
    r"处理结果|结果呢|有没有处理|处理了吗|还没答复|还没回复|有人去看|审核完|审批|已受理|受理了|完了没|好了没|办好没|"
    r"(上周|上次|上个月|前段时间|前几天|之前|[一二三四五六七八九十几两\d]+(天|周|个月)前).{0,24}(反映|举报|投诉|求助)|"
    r"(反映|举报|投诉|求助)(的|那个).{0,16}(了没|没有|吗|没$|情况|结果|进展|状态|程度|哪个单位)|"
    r"有进展|进展没|查了没|查没查|来看没|来看了没|什么状态|什么程度|啥情况|什么情况|派给|转给|"
    # "批下来了没" asks where a case is; "要好久批下来" asks how long the procedure takes
    r"(没|没有|莫得)批下来|批下来(了|没)|"
    r"(莫得|没有|没得|没)(消息|回音|下文|动静)")
_PROBLEM = re.compile(r"投诉|举报|反映|不满意|来回跑|欠|拖欠|不管|没人管|吵|噪|漏|坏|堵|臭|脏|乱|违建|违章|占道|油烟|过期|"
                      r"扰民|停水|停电|打人|骗|不给|不退|不修|受伤|浑|发黄|黄的|异味|垮|塌|烂|积水|冒烟|没水|没电|"
                      r"少发|扣了|取消了|不发|被占|占起|占了|占用|管不到|不作为|短斤少两|缺斤少两|"
                      # a service cut or stopped: "班车以前一天六趟 现在只有两趟了 根本赶不上"
                      r"赶不上|停运|停开|减班|撤了|停了|减到|减成")


def tells_problem(text: str) -> bool:
    """Whether a message tells a problem (something wrong, broken, owed or done to the citizen)."""
    return bool(_PROBLEM.search(text or ""))
_HOWTO = re.compile(r"(咋个|怎么|怎样|如何|咋么|咋)(办|办理|申请|弄|领|报|缴|交|补|换|开|查|登记|参保|上户|整|预约|算|用|认定|提|取|转)|"
                    # "要办啥子证", "听说可以办个啥子慢性病", "能在广安换不", "户口会不会已经被注销了"
                    r"办(个|一个)?(啥子?|什么)|(能|可以)在.{1,6}(办|换|补|领|考|转)(不|吗|嘛)|"
                    # "这个医保能报不", "还报得到不", "没得单位 能买社保不", "咋个在手机上帮她交"
                    r"(能|可以)报(销)?(不|吗)|报得(到|了)(不|吗)|(能|可以)(买|交|缴)[\u4e00-\u9fff]{0,3}(不|吗)$|"
                    r"(咋个|怎么|咋)(在手机上|在网上|手机上|网上|帮[他她我]|给[他她我])+(交|缴|办|弄|申请)|"
                    # whether one qualifies: "可以吃低保 我够不够格嘛"
                    r"够不够格|够格不|够条件不|符不符合|"
                    r"会不会.{0,8}(注销|作废|取消|清零|停发|过期|失效|不算)|有(啥子?|什么)[\u4e00-\u9fff]{0,4}(补贴|津贴|补助|优惠|待遇)|"
                    r"要带些?(啥|什么)|(什么|啥子?)(材料|手续|资料|条件)|(去|在|到)哪(里|儿|点|个地方)?去?(办|申请|领|交|弄|开)|"
                    # "有啥子能领的不": what one is entitled to
                    r"有(啥子?|什么)(能|可以)(领|申请|享受)|"
                    # what happens when it is not done: "要是忘了认证会咋样 钱会不会停"
                    r"(忘了|忘记|没有?|不)[\u4e00-\u9fff]{0,4}(会咋样|会怎样|会怎么样)|会不会停|"
                    r"可以上门|能不能上门|能上门|上门来办|上门办不|能领不|可以领不|能办不|能不能办|(要|收)(钱|费)不|"
                    # how much, and whether one is entitled: "公积金贷款最多能贷好多", "能不能吃低保"
                    r"最多(能|可以)|(能|可以)(贷|取|提|领|报|退|补|拿)(好多|多少|几)|(能不能|可不可以|能否)(吃|享受|领|拿|申请)|"
                    # whether it is too late: "新生儿医保是不是过了时间就不能办了", "过了期限还能补办不"
                    r"(是不是|会不会).{0,10}(不能|办不了|不得)(办|领|报|补|参保|上)?|还(能|可以)(办|补办|补|领|报|申请|参保)")
# "咋办" about a snake in the house is a call for help: a how-to question is about a service.
_SERVICE = re.compile(r"证|照|卡|保|户口|户籍|登记|许可|补贴|津贴|补助|手续|备案|公积金|养老|低保|报销|入学|转学|落户|"
                      r"执照|发票|税|金|申请|认定|认证|参保|上户|迁|护照|签注|预约|年审|驾照|出生|结婚|离婚|上门办|上门来办|"
                      # a company's registration: "公司注册地址变更要准备什么资料"
                      r"注册|变更|专票|普票|"
                      # "合作医疗" as said, and the homophones pinyin input puts for it and for 医保/社保
                      r"医疗|合作医|合做医|农合|医宝|医报|社宝|社报|"
                      # hurt at work is the matter of 工伤认定: "在工地上做活路 从架子上摔下来把腿摔断了"
                      r"(工地|上班|干活|做活路|做工|厂里|车间).{0,12}(摔|砸|伤|断|压)")
# "身份证过期了", "社保卡搞丢了": the state of one's own document is why a service is asked, not a problem
# to report.
_DOCUMENT_STATE = re.compile(r"(证|照|卡|证件|本本?|户口簿)(已经|都|也|早就)?(过期|到期|丢|掉|搞丢|弄丢|坏|烂|不见)了?|"
                             # "厂子垮了 我能领失业金不": the employer went out of business, the story of a claim
                             r"(厂|厂子|公司|单位|企业)(已经|都|也)?(垮|倒闭|关门|破产|垮杆)了?")
# "转学咋个弄" is no search of the published documents unless it names one.
_DISCLOSURE_WORDS = re.compile(r"公开|信息|文件|政策|通知|公告|规划|预算|决算|招标|采购|会议|纪要|红头|文号|依申请")
_HOWTO_MISREADS = ("query_disclosure", "apply_disclosure", "seek_help", "complain", "suggest", "praise", "report", "out_of_scope", "nlu_fallback",
                   "query_ticket_status", "query_application_status", "inform")
# Follow-up questions about an aspect of the item in context ("收费不", "多久到账", "材料呢"): dialect
# question endings are not yes/no answers.
_ASPECT = re.compile(r"收费|要钱|交钱|要交|交好多|交多少|费用|多少钱|好多钱|多久|好久|几天|多长时间|材料|资料|要带|带啥|带什么|"
                     r"哪里办|在哪办|哪儿办|哪里拿|去哪拿|在哪拿|哪里领取|网上办|线上办|网上能|能网上|手机上办|预约|上班不|上不上班|到账|生效|"
                     r"报销|比例|流程|条件|手续|办得成不|能办不|能领不|可以领不|答复|上班|哪个电话|咨询电话|准备|"
                     r"单位办|个人办|本人办|自己办|自己去|本人去|代办|谁办|谁去|啥时候|什么时候|收不收|哪些东西|拿啥|微信上|"
                     r"年龄限制|要些啥|需要啥|(网上|线上)(咋|怎|能|可以|办|弄|申请|整)|网办|体检|照相|拍照|跑一趟|自己跑|要跑|一个人去|一个人办|"
                     # whether something will do: "只有购房合同 行不", "用家里地址可以吗"
                     r"行不$|行吗|可以不$|要得不|得行不|"
                     # how much, how often, what follows, who to see: "一年能取好多", "钱是打到哪里的", "会咋样"
                     r"(能|可以)(贷|取|提|领|报|退|补|拿)(好多|多少|几)|几次|打到哪|打给|发到哪|怎么算|咋个?算|"
                     r"会咋样|会怎样|会怎么样|找(哪个|谁|哪里)(部门|单位)?[？?嘛呢哦]*$|"
                     # when a time limit starts: "从哪天开始算"
                     r"开始算|起算|算起|哪天算|"
                     # delivery and someone else applying ("寄不寄", "喊我婆娘帮我去办不"): bot.knowledge.aspects
                     r"邮寄|寄不寄|能寄|可以寄|寄到|快递给|快递到|能快递|可以快递|委托|帮我去办|帮我办|上门办|上门来办|本人到场|婆娘帮|婆娘去|帮我弄|帮(他|她|忙)去?(办|弄)|"
                     r"帮我填|帮忙填|代填|(女儿|儿子|子女|家里人|屋头的人)去(办|弄)?|走不动|"
                     # whether it can still be claimed or paid up: "还报得到不", "可以一次性补不", "前面那几年算不算"
                     r"报得到|报得了|还能报|能报不|可以报不|一次性补|补缴|补交|(能|可以)补不|算不算|作不作数|"
                     # time limits, taxes, where and how: "有没有时间限制", "哪个税少点", "可以在成都换吗",
                     # "备案在手机上能弄不", "交了之后咋个晓得交起了没得", "要她的啥子信息"
                     r"时间限制|期限|时限|哪个税|税少|税多|交税|(能|可以)在.{1,6}(办|换|补|领|考|转)|"
                     r"手机上(能|可以)?(弄|办|整|备案|申请|交)|(交|缴)(起|上|成功)了?没|交没交|(啥子?|什么|哪些)信息")
# Only readings that a short aspect question gets wrong; a real out-of-scope or greeting stays one.
_MISREAD_REQUESTS = ("seek_help", "complain", "suggest", "report", "praise")
_MISREAD_FOLLOWUPS = ("affirm", "deny", "nlu_fallback", "thank", "out_of_scope", "greet",
                      "query_application_status", "bot_challenge")
# ... "要体检不 我是A2的" is no question about the bot unless it speaks of one.
_ABOUT_BOT = re.compile(r"机器人|人工|真人|AI|ai|智能|你是谁|你是哪个")
# A yes/no question ("可不可以喊我儿子在他手机上帮我弄", "我一个人去可以不") about an aspect is a question,
# however long its background.
_YES_NO = re.compile(r"可不可以|能不能|可以不|行不|得不|要得不|[不吗嘛没][。？?！!]*$|没得[。？?]*$|算不算|"
                     r"(能|可以)[\u4e00-\u9fff]{1,2}不(?=[\s，,。？?])")
YES_NO_MAX_CHARS = 30
LONG_ACCOUNT_CHARS = 24  # an unplaced statement this long tells a matter ...
# ... when something is missing, stopped or changed in it ("以前一天六趟 现在只有两趟了"); "喂 你好 我孙子教我用
# 这个手机的 他在成都读大学 好久才回来一次" is a greeting, no matter.
_GREETING = re.compile(r"^(喂|你好|您好|哈喽|在吗|在不在)")
_ASKS_PLAINLY = re.compile(r"[?？]|吗|咋|怎么|怎样|如何|啥|什么|哪|多少|好多|能不能|可不可以|[能可行得]不$")  # not "好久才回来一次"
_LACK_OR_CHANGE = re.compile(r"没|不|莫|未|无|只有|只剩|以前|原来|过去|越来越|一直|又|老是|总是|天天|每天|经常|几次")
_SELF_DESCRIPTION = re.compile(r"^(我|我们|我家|屋头)(是|在|家是|属于)")


_URGE = re.compile(r"催一下|催办|催促|帮我催|催一催|帮忙催|快点处理|加快处理")
_WHY_NO_CONTACT = re.compile(r"(为什么|为啥子?|咋个|怎么|咋)(还)?(没有?|没得|莫得|不)(人)?(联系|回复|回电话|处理|来|打电话|管)|"
                             r"(啥时候|什么时候|好久|多久).{0,8}(有人)?(处理|联系|回电话|回复)")


# "反映个事", "我要投诉": the matter follows; intake asks for it.
_WANTS_TO_REPORT = re.compile(r"^(喂|你好|您好)?[，, ]*(我|我们)?(要|想|想要)?(反映|投诉|举报|报告|报个|说)(个|一个|一下|下)?"
                              r"(事|事情|情况|问题)?(哈|嘛|哦|啊)?[。！!～~]*$")


_LOOKUP_WITHOUT_NUMBER = re.compile(r"(编号|单号|回执|受理号).{0,4}(搞忘|忘了|忘记|丢了|搞丢|找不到|记不到|记不得|没有了)"
                                    r".{0,12}(查|进度)")
# "村上说报上去了，没得动静，请帮我们反映一下": asks us to take the matter up, whatever happened before.
_TAKE_IT_UP = re.compile(r"(帮|替|给)(我|我们|忙|大家)?.{0,2}(反映|登记|投诉|举报|上报|报上去|报一下|记下来|记一下|记倒|记录)")
# "我之前申请了…", "上个月交的申请": a request made already (its progress is asked), not one to make
_MADE_REQUEST = re.compile(r"申请了|交了|提交了|递交了|递了|之前|已经|上次|前段时间|上个月|(怎么|咋个?|如何)查")
_HOW_LONG = re.compile(r"多长时间|多久|好久|几天|多少天")
# "一直没有答复，这种情况怎么办": what can be done about it (the rights of the applicant), no lookup
_WHAT_NOW = re.compile(r"怎么办|咋办|咋个办|找谁|找哪个|哪个管|谁管|能不能投诉|可以投诉|怎么投诉")
_FAREWELL = re.compile(r"再见|拜拜|拜了|bye|不聊了|挂了|走了|下次|没事了|就这样|不用了|好了|晓得了|知道了|明白了|谢谢|多谢|感谢|"
                       r"行了|可以了|算了|不问了|不说了|没得事|莫得事|先这样|辛苦")
# "哎 还是帮我登记嘛": registering after all what was given up a moment ago
_CHANGES_MIND = re.compile(r"还是(要|得)?(帮|给|替)?(我|我们)?.{0,2}(登记|反映|记下来|记一下|报上去|上报|投诉|举报)"
                           r"(一下|一哈|上去)?(嘛|吧|哈|哦|了)?(?=$|[，,。.!！?？\s])")


def changes_mind(text: Optional[str]) -> bool:
    return bool(_CHANGES_MIND.search(text or ""))


# "不是说10个工作日吗，超时了哪个管": what to do about an application past its time limit.
_OVERDUE_WHO = re.compile(r"(超时|超期|逾期|过了时限|超过.{0,6}(时限|工作日|期限|时间)|说好.{0,8}(工作日|天)).{0,14}"
                          r"(哪个管|谁管|咋办|怎么办|找谁|找哪个|咋个办|投诉)")


_QUESTION_END = re.compile(r"[?？]|吗$|不$|没$|呢$")


# "你们回复说处理了 结果照样吵 我不满意 要求重新处理": the answer given is not accepted.
_NOT_SATISFIED = re.compile(r"不满意|重新(处理|办理|办|调查|核实|派)|再(处理|办)一(次|下)|(结果|还是|照样|依然|仍然)(一样|照样|没|没有|没得)"
                            r".{0,6}(解决|变|改|处理)|根本没(有)?(解决|处理)|等于没(处理|办)")


def asks_to_take_it_up(text: str) -> bool:
    """"帮我反映一下", "给我登记": the citizen asks us to register the matter."""
    return bool(_TAKE_IT_UP.search(text or ""))


def asks_to_urge(text: str) -> bool:
    """"帮我催一下", "快点处理": the citizen wants the case hurried along."""
    return bool(_URGE.search(text or ""))


# Asking about the case being looked up: "都快一个月了 是不是超期了哦", "好久能办好", "到哪一步了".
_ASKS_ABOUT_THE_CASE = re.compile(r"超期|超时|逾期|过了时限|(好久|多久|啥时候|什么时候|几时)(能|才能|才|可以)?(办好|办完|办结|批|下来|拿到|出来|答复|回复)|"
                                  r"到哪一?步|进度|说好.{0,6}(天|工作日)|不是说.{0,8}(天|工作日|办好)")


_WHERE_NUMBER = re.compile(r"(编号|号码|单号|受理号|申请号|回执).{0,6}(在哪|哪里|哪儿|哪点|咋个晓得|怎么知道|怎么找|咋个找|去哪)|"
                           r"(在哪|哪里|哪儿|哪点|去哪).{0,4}(看|找|查|有).{0,4}(编号|号码|单号|受理号|申请号)")


def asks_where_the_number_is(text: str) -> bool:
    """"这个编号在哪里看嘛": where to find a case number (inside a lookup, it waits for the number)."""
    return bool(_WHERE_NUMBER.search(text or ""))


def asks_about_the_case(text: str) -> bool:
    """A question the status answer itself will answer, asked while the lookup waits for its check."""
    return bool(_ASKS_ABOUT_THE_CASE.search(text or "") or _ASKS_STATE.search(text or ""))


def rejects_the_answer(text: str) -> bool:
    """"我对这个处理结果不满意 要求重新处理": the ticket's answer is not accepted."""
    return bool(_NOT_SATISFIED.search(text or ""))


def announces_matter(text: str) -> bool:
    """"我想反映个问题", "我要投诉": the citizen is about to tell a matter, and has not yet."""
    return bool(_WANTS_TO_REPORT.match((text or "").strip()))


# Asking where an application or a reply is: "审核过了吗", "批了没有", "在哪个部门", "回复还没收到".
_ASKS_STATE = re.compile(r"(审核|审批|批准|批|受理|办理|办)(过|好|完|结|下来)?了?(吗|没|沒|没有|不|嘛|没得|莫得)|"
                         r"在哪个部门|到哪一?步|进度|(回复|答复)(还)?(没|沒)|的(回复|答复)")
# "我要反映老板欠工资… 算了，我先问下劳动仲裁咋个申请": the matter is put aside for a question.
_ASK_INSTEAD = re.compile(r"(算了|先不说|先不反映|等下再说|回头再说)[，,。.…！!\s]*(我)?(还是|先|就)?(问下|问一下|问问|想问|咨询|了解)")


# "我打了三次12345都没解决 不想跟机器人说 给我转人工": the person is asked for, whatever else is said.
_ASKS_HUMAN = re.compile(r"转人工|人工客服|人工服务|要人工|找人工|接人工|(不想|不要|不跟|不和|不愿意?).{0,4}机器人|"
                         r"(找|要|喊|叫|换|跟)(个|一个)?(真人|活人)")  # "我要找个真人说", not "你是真人吗"


# "能不能请人社局的人打电话给我解释一下": a call back is asked for — a person, as with 转人工 (not "为啥没人
#给我打电话", a ticket's delay, nor "会不会给我打电话", a question about the process).
_ASKS_CALLBACK = re.compile(r"(能不能|可不可以|可以|麻烦|请|叫|让|喊|安排|希望|要求|找个?).{0,16}"
                            r"(打电话给我|给我打个?电话|打我的?电话|给我回个?电话|回个?电话给我|电话联系我|打电话联系我)|"
                            r"(打我的?电话|给我回个?电话|回个?电话给我|打电话给我)(嘛|吧|哈|噻|撒)")
_NO_CALL = re.compile(r"(不要|别|莫|不用|不准|不许).{0,4}(打|回)")


# "打字太慢了 你们电话是好多 我打过来问": our own number is asked (the FAQ on 12345 answers it).
_ASKS_OUR_NUMBER = re.compile(r"(你们|热线|客服|政务服务中心|大厅)的?(电话|号码|热线)(号码)?(是)?(多少|好多|几号|几多)")


# "12345和你这个有啥子区别哦 打12345能不能查办件进度": a question about the hotline itself (the FAQ on
# 12345 answers it), not a lookup to start.
_ABOUT_THE_HOTLINE = re.compile(r"12345.{0,10}(区别|不一样|有啥|有什么|能不能|可不可以|能否|可以|管不管|是干)|"
                                r"(区别|不一样|差别).{0,10}12345")

# "那你们喊社区的人来帮我弄一下嘛": someone is to be sent, which a ticket to the department arranges (asking
# whether one may ask for a home visit, "可以上门认证不", is a question about the service)
_SEND_SOMEONE = re.compile(r"^(那|那就|那么)?(你们|你|麻烦你们?|请你们?)(帮我|给我|帮忙)?(喊|叫|派|通知|让)(个|一个)?"
                           r"[\u4e00-\u9fff]{0,6}(人|工作人员|同志|师傅|社区|村上|村里|街道)[\u4e00-\u9fff]{0,2}(来|上门|过来|到)")


def reread(text: str, intent: Optional[str], has_case_number: bool) -> Optional[str]:
    """The intent the message should have, or None to keep the classifier's."""
    if _ASKS_HUMAN.search(text) and not has_case_number:
        return "request_human"
    if _ASKS_CALLBACK.search(text) and not (has_case_number or _WHY_NO_CONTACT.search(text) or _NO_CALL.search(text)):
        return "request_human"
    if _SEND_SOMEONE.search(text.strip()) and not has_case_number:
        # (a request for help or a complaint stays one: no rule below reads it as a question)
        return intent if intent in ("seek_help", "complain", "report") else "seek_help"
    if (_ASKS_OUR_NUMBER.search(text) or _ABOUT_THE_HOTLINE.search(text) and _ASKS_PLAINLY.search(text)) \
            and not has_case_number and not _PROBLEM.search(text):
        return "ask_procedure"
    aside = _ASK_INSTEAD.search(text)
    if aside and not has_case_number and _HOWTO.search(text[aside.end():]):
        return "ask_procedure"
    if _OVERDUE_WHO.search(text) and not has_case_number:
        return "ask_procedure"  # answered by the knowledge base (FAQ application-overdue)
    if intent == "goodbye" and not _FAREWELL.search(text) and len(re.findall(r"[\u4e00-\u9fff]", text)) >= 4:
        return "nlu_fallback"  # "身份正掉了" says no farewell: it is asked again, not answered with 再见
    if not has_case_number and _LOOKUP_WITHOUT_NUMBER.search(text):
        return "query_ticket_status"  # "编号搞忘了 用身份证能查不": the lookup offers the other ways
    if intent in STATUS_INTENTS and not has_case_number and _TAKE_IT_UP.search(text) and _PROBLEM.search(text):
        return "seek_help"
    # "喂 你好 我孙子教我用这个手机的 他在成都读大学 好久才回来一次": a greeting that chats, with nothing
    # missing, wrong or asked in it, is no request for help yet
    if intent in ("seek_help", "complain", "nlu_fallback", *STATUS_INTENTS) and _GREETING.match(text) \
            and not has_case_number and not _EARLIER_CASE.search(text) \
            and not (_PROBLEM.search(text) or _LACK_OR_CHANGE.search(text) or _SERVICE.search(text)
                     or _ASKS_PLAINLY.search(text) or _TAKE_IT_UP.search(text) or _AGGRIEVED.search(text)):
        return "greet"
    # "等不起了 帮我登记一下 让医保局催一哈 我电话187…": a request to register, whatever else it carries
    # (inside the situation interview it had been taken for an answer that named no option)
    if intent in ("inform", "nlu_fallback", "out_of_scope") and not has_case_number and _TAKE_IT_UP.search(text):
        return "seek_help"
    if intent in ("nlu_fallback", "out_of_scope") and not has_case_number and asks_where_the_number_is(text):
        return "query_application_status"  # "这个编号在哪里看嘛": the lookup, whose prompt says where numbers are
    if intent not in ("complain", "report", "seek_help", "suggest", "praise") and changes_mind(text):
        return "seek_help"  # "哎 还是帮我登记嘛 …咬到了咋个办" after giving up: register it after all
    if announces_matter(text) and intent not in ("complain", "report", "seek_help"):
        return "report" if "举报" in text else "complain"
    if _URGE.search(text) and len(text) <= 30 and not has_case_number:
        return "urge_ticket"  # with a number, the status flow verifies first and then offers 催办
    if _WHY_NO_CONTACT.search(text) and len(text) <= 30 and intent != "ask_procedure":
        return "query_ticket_status"  # "为什么还没人联系我" asks about the case already registered
    if intent in STATUS_INTENTS + ("nlu_fallback",) and not has_case_number and not _EARLIER_CASE.search(text) \
            and len(text) >= 12 and _PROBLEM.search(_DOCUMENT_STATE.sub("", text)):
        return "complain"
    # "万盛街道阳光花园小区的电梯又坏了", "电梯又坏了": a place with a problem is no form answer or noise
    # (inside a form the text is read by the form, whatever the intent).
    if intent in ("inform", "nlu_fallback") and not has_case_number and not _EARLIER_CASE.search(text) \
            and len(re.findall(r"[\u4e00-\u9fff]", text)) >= 4 and _PROBLEM.search(text) \
            and not _QUESTION_END.search(text):
        return "seek_help"
    # "我们石笋镇到城头的班车 以前一天六趟 现在只有两趟了 老年人进城看病根本赶不上": a long account the
    # classifier cannot place is a matter to register, not a guess to confirm ("您是想查询工单进度吗")
    if intent == "nlu_fallback" and not has_case_number and not _EARLIER_CASE.search(text) \
            and len(re.findall(r"[\u4e00-\u9fff]", text)) >= LONG_ACCOUNT_CHARS and not _ASKS.search(text) \
            and not _SERVICE.search(text) and _LACK_OR_CHANGE.search(text):
        return "seek_help"
    # "我之前申请了政府信息公开 想问下到哪一步了": the progress of a request made, not how to make one —
    # the status flow asks for its number (each status form answers from whichever table holds it)
    if intent in ("query_disclosure", "apply_disclosure") and not has_case_number and _EARLIER_CASE.search(text) \
            and _MADE_REQUEST.search(text) and not _HOW_LONG.search(text) and not _WHAT_NOW.search(text):
        return "query_application_status"
    # "我去社区申请低保 工作人员…连表都不给我 这个合理不": an application refused, no published document
    if intent in ("query_disclosure", "apply_disclosure") and not has_case_number \
            and not _DISCLOSURE_WORDS.search(text) and _PROBLEM.search(_DOCUMENT_STATE.sub("", text)):
        return "complain"
    if intent in _HOWTO_MISREADS and _HOWTO.search(text) and _SERVICE.search(text) \
            and not (intent in ("query_disclosure", "apply_disclosure") and _DISCLOSURE_WORDS.search(text)) \
            and not _PROBLEM.search(_DOCUMENT_STATE.sub("", text)) \
            and not has_case_number and not _EARLIER_CASE.search(text):
        from bot.tickets.emergency import emergency_in

        if emergency_in(text) is None:
            return "ask_procedure"
    if intent in _MISREAD_FOLLOWUPS and not has_case_number and len(text) <= 20 and _ASPECT.search(text) \
            and not _EARLIER_CASE.search(text) and not (intent == "bot_challenge" and _ABOUT_BOT.search(text)):
        return "ask_procedure"
    if intent in _MISREAD_REQUESTS + STATUS_INTENTS + ("nlu_fallback", "out_of_scope") and not has_case_number \
            and len(text) <= YES_NO_MAX_CHARS and _YES_NO.search(text) and _ASPECT.search(text) \
            and not _PROBLEM.search(_DOCUMENT_STATE.sub("", text)) and not _EARLIER_CASE.search(text):
        from bot.tickets.emergency import emergency_in

        if emergency_in(text) is None:
            return "ask_procedure"
    # "备案了好久生效" is no request for help: a short aspect question that tells no problem.
    if intent in _MISREAD_REQUESTS and not has_case_number and len(text) <= 16 and _ASPECT.search(text) \
            and not _PROBLEM.search(text) and not _EARLIER_CASE.search(text):
        from bot.tickets.emergency import emergency_in

        if emergency_in(text) is None:
            return "ask_procedure"
    # "我是自己交的社保 没得单位的" after a procedure answer: the citizen's situation, which the
    # answer depends on, not a request to register.
    if intent in _MISREAD_REQUESTS + STATUS_INTENTS and not has_case_number and len(text) <= 16 \
            and _SELF_DESCRIPTION.match(text) \
            and _SERVICE.search(text) and not _PROBLEM.search(text) and not _EARLIER_CASE.search(text):
        return "ask_procedure"
    # A lookup starts only with a number or a reference to an earlier case: "我的养老金这个月少发了两百多
    # 不晓得为啥子" tells a matter to be looked into; "我的食品许可证批了没有" asks where a case is.
    if intent in STATUS_INTENTS and not has_case_number and not _EARLIER_CASE.search(text) \
            and not _ASKS_STATE.search(text) \
            and len(re.findall(r"[\u4e00-\u9fff]", text)) >= 8:  # a matter told in words, not a mistyped number
        return "seek_help"
    return None


# A question, as people ask them: "看病咋个用医保", "好久可以退休", "两个人一起贷额度能高点不", "过了就不能告了吗".
_ASKS = re.compile(r"[?？]|吗|呢$|么$|怎么|怎样|咋|如何|多久|多少|好久(可以|能|才|开始|到|拿|办|批|领|退)|好多(钱|年|天|次)|"
                   r"几(年|天|个|次|档)|好多$|哪里|哪儿|哪点|哪个|啥|什么|能不能|可不可以|是不是|有没有|要不要|会不会|算不算|"
                   r"[能可行得]不$|[\u4e00-\u9fff]{2}不$|[了过]没$|没得$")
# Pressing or aggrieved, even when phrased as a question: "凭什么不给我办", "咋个还没批", "能不能快点".
_AGGRIEVED = re.compile(r"慢|快点|赶紧|尽快|马上|催|拖|还没|还不|凭什么|凭啥|为啥不|为什么不|为啥子不|不满|态度|推诿|"
                        r"踢皮球|刁难|为难|乱收|多收|违法|违规|曝光|媒体|记者|"
                        # something to be done on the spot: "路灯能不能申请修一下", "有没有人管"
                        r"来修|修一下|修好|维修|派人|来看|来处理|处理一下|管一下|管管|人管|谁管|哪个管|管不管|"
                        r"装个|安个|设个|增设|进蛇|蛇|"
                        # waiting, or asking for a hand: "到现在都没拿到 到底咋个回事", "能不能有人来帮一下"
                        r"到现在|至今|都没|一直没|到底|咋个回事|怎么回事|帮一下|帮帮|帮个忙|来帮|来人|想说|照顾不过来")


# "我不会耍手机 屋头娃儿又在外头" after an answer on 资格认证: why the citizen cannot do it the way just told — a
# question what else can be done (someone else, a home visit, the window), told as a statement.
_CANNOT_DO_IT = re.compile(r"不会(耍|用|弄|玩|操作|搞)?(智能)?(手机|电脑|微信|网上|app|APP|刷脸)|不识字|认不到字|认不得字|"
                           r"眼睛(不好|看不见|看不到|看不清)|耳朵(不好|听不见|背)|走不动|走不得|腿脚不(好|方便|便)|行动不便|"
                           r"(娃儿|儿女|子女|孩子|儿子|女儿|年轻人)[^，,。]{0,4}(在外|不在|出去|打工)")


def cannot_do_it_oneself(text: Optional[str]) -> bool:
    """The citizen says why they cannot do it themselves (no smartphone skills, cannot walk, the children
    away), with no problem told: after an answer, asked what else can be done."""
    text = text or ""
    if not _CANNOT_DO_IT.search(text) or _PROBLEM.search(_DOCUMENT_STATE.sub("", text)) or _AGGRIEVED.search(text) \
            or _TAKE_IT_UP.search(text):
        return False
    from bot.tickets.emergency import emergency_in

    return emergency_in(text) is None


def asks_instead_of_telling(text: Optional[str]) -> bool:
    """A question about how things are done, with no problem told: "房本上是我和老伴的名字 她前年走了
    这个咋办" after a transfer answer, "灵活就业一直自己交社保 好久可以退休". The classifier reads such
    first-person questions as requests for help; registering them as tickets would answer nothing."""
    text = (text or "").strip()
    if not text or not _ASKS.search(text) or _AGGRIEVED.search(text):
        return False
    if _PROBLEM.search(_DOCUMENT_STATE.sub("", text)) or _ASKS_HUMAN.search(text) or _TAKE_IT_UP.search(text) \
            or _EARLIER_CASE.search(text) or announces_matter(text):
        return False
    from bot.tickets.emergency import emergency_in

    return emergency_in(text) is None


# Whether what happened is right, or how long it normally takes: "连表都不给我 这个合理不", "三个月了钱还没到
# 一般要好久". The rule is answered first; registering the matter is offered, not imposed.
_RIGHTNESS = (r"合理不|合理吗|合不合理|对不对|对吗|正常吗|正常不|正不正常|有没有这(个|种)?规定|是不是这(个|样)规定|"
              r"(能|可以)这样(吗|不|嘛)|这样(对|合理|合法)(吗|不)")
_ASKS_THE_RULE = re.compile(_RIGHTNESS + r"|(一般|正常|通常)(要|需要)?(好久|多久|几天|多少天)|"
                            r"几点到几点|几点以后|几点之后|几点之前|几点以前")  # "到底几点到几点可以施工"


# the citizen has decided to complain ("投诉我们" is said of the one complained about: no decision)
_DECIDED = re.compile(r"(投诉|举报|反映)(?!我)|曝光|告他|告他们|要求(赔|退|处理|处罚)")


def without_the_rule_question(text: str) -> str:
    """The message without its "这个合理不": what is searched for the rule (合理 names no guide line)."""
    return re.sub(_RIGHTNESS, " ", text or "").strip()


def rule_clause(text: str) -> str:
    """The clause that asks the rule ("…城管昨天来叫停了。我想问清楚到底几点到几点可以施工，莫得人…" → its middle
    clause): searched first, as a long story dilutes the question."""
    m = _ASKS_THE_RULE.search(text or "")
    if not m:
        return ""
    start = max((p.end() for p in re.finditer(r"[，,。.！!？?；;\s]+", text[:m.start()])), default=0)
    end = re.search(r"[，,。.！!？?；;\s]", text[m.end():])
    return text[start:m.end() + (end.start() if end else len(text))].strip()


def says_something_is_wrong(text: Optional[str]) -> bool:
    """A problem word, or something missing, stopped or changed ("养老金还莫到账 往常十号就到了")."""
    return bool(_PROBLEM.search(text or "") or _LACK_OR_CHANGE.search(text or ""))


def asks_about_the_rule(text: Optional[str]) -> bool:
    """A question whether what happened is right or how long it should take, told with the grievance:
    answered by the rule; the citizen then decides whether to register it ("投诉一下…这个合理不" has
    decided already)."""
    text = (text or "").strip()
    if not _ASKS_THE_RULE.search(text) or _ASKS_HUMAN.search(text) or _TAKE_IT_UP.search(text) \
            or _EARLIER_CASE.search(text) or _DECIDED.search(text):
        return False
    from bot.tickets.emergency import emergency_in

    return emergency_in(text) is None


_SUGGESTS = re.compile(r"建议|希望|应该|改进|改善|简化|简单点|方便点|太麻烦|多设|增加|多开|多安排|取消掉")


def suggests_change(text: Optional[str]) -> bool:
    """"能不能把认证搞简单点 太麻烦了": a suggestion, though it asks; "他能不能帮我在他手机上弄" is a question."""
    return bool(_SUGGESTS.search(text or ""))


def names_a_service(text: Optional[str]) -> bool:
    """The message speaks of a service (a certificate, insurance, a registration…)."""
    return bool(_SERVICE.search(text or ""))


_PRAISE = re.compile(r"表扬|感谢|谢谢|锦旗|点赞|辛苦|了不起|好人|太好了|负责|热情|耐心|称赞|赞|优秀|及时|周到|帮了")


def is_praise(text: str) -> bool:
    """Thanks for a rescue ("民警帮我找回了走丢的娃娃，要送锦旗") names an emergency but is praise."""
    return bool(_PRAISE.search(text or ""))


def plausible_reading(intent: str, text: str) -> bool:
    """Whether the fallback may ask "您是想{intent}吗": never praise without a word of thanks, never a
    complaint, report or suggestion for a plain question ("退休要办啥手续" is not praise)."""
    if intent == "praise":
        return is_praise(text)
    if intent in ("complain", "report", "suggest", "seek_help"):
        return bool(_PROBLEM.search(text or "")) or intent == "suggest" and "建议" in (text or "")
    return True
