"""The aspects of a procedure a citizen may ask about, and the phrases that ask for them.

Shared by the answer composer (which aspect was asked) and the retrieval (the aspect phrases say
*what about* the item, not *which* item, so they are removed from the query before ranking)."""
from __future__ import annotations

# aspect → (label, phrases that ask for it)
ASPECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "materials": ("申请材料", ("材料", "资料", "带什么", "带啥", "带哪些", "准备什么", "准备啥", "准备哪些",
                               "需要什么证件", "要什么证件", "证件", "要带", "要什么东西", "需要什么东西",
                               # colloquial: "要准备些什么", "退休要办些啥子手续" ask for the list
                               "准备些什么", "准备些啥", "准备啥子", "要准备", "啥子手续", "什么手续", "啥手续",
                               "哪些手续", "些啥子手续", "要带些", "带些啥", "哪些东西", "要些啥", "要些什么",
                               "拿啥子", "拿什么", "带些什么", "需要啥子", "需要什么", "需要啥", "要啥子", "带啥子",
                               # "要些啥子证明", "要拿些啥子单子": which papers
                               "啥证明", "啥单子", "哪些单据", "啥票据",
                               # "要她的啥子信息": what of the person concerned is needed
                               "啥子信息", "什么信息", "哪些信息", "啥信息")),
    "fees": ("收费标准", ("收费", "多少钱", "要钱", "花钱", "免费", "交钱", "工本费", "价格", "几块钱", "给钱",
                           "费用多少", "要费用", "费用是",
                           "好多钱", "交好多", "交多少", "要交钱", "收不收", "收钱", "费用", "花多少",
                           "管理费", "手续费", "服务费", "费吗", "费不",
                           # the taxes of a sale: "契税这些是好多 个税要交不"
                           "契税", "个税", "交税", "税费", "是好多", "要好多",
                           # "是赠与划算还是卖给他划算 哪个税少点"
                           "哪个税", "税少", "税多")),
    "time": ("办理时限", ("多久", "多长时间", "几天", "时限", "多少天", "什么时候能拿", "什么时候拿", "办结",
                           "几个工作日", "要多长", "快吗", "出证",
                           "好久", "到账", "生效", "办得下来", "办下来", "拿到", "答复", "回复", "多少个工作日", "啥时候拿", "什么时候拿",
                           "啥时候能", "什么时候能", "多快", "啥时候", "什么时候", "好久开始", "几月份",
                           # when the time limit starts: "从哪天开始算", "哪天起算"
                           "开始算", "起算", "算起", "哪天算")),
    "online": ("网上办理", ("网上", "网办", "线上", "手机上", "手机办", "在线", "网站", "天府通办", "app", "小程序",
                             "不用跑", "不跑", "跑一趟", "自己跑", "跑过去", "跑回去", "亲自跑", "跑二道", "微信上", "微信里", "微信办", "12123", "12333", "掌上",
                             # English among Chinese: "可以 online 办吗"
                             "online")),
    "location": ("办理地点", ("在哪", "哪里办", "哪办", "去哪", "哪儿", "地点", "地址在", "啥地址", "地址是", "地址多少", "窗口", "几点", "上班时间",
                               "办公时间", "哪个部门", "哪个单位", "找谁",
                               # hours and the phone to ask: "中午有人上班不", "打哪个电话问"
                               "上班不", "上不上班", "几点上班", "有人上班", "上班吗", "上班没", "中午", "周末", "开门", "下班", "哪个电话", "咨询电话", "电话多少", "打哪个",
                               "啥电话", "什么电话", "周六", "周日", "星期六", "星期天", "礼拜六", "礼拜天", "节假日",
                               "双休", "放假")),
    "conditions": ("办理条件", ("条件", "资格", "符合", "谁可以", "哪些人", "能不能办", "能办吗", "可以办吗", "要求",
                                 "能领不", "可以领不", "能领吗", "能不能领", "能办不", "可以办不", "这种情况",
                                 "年龄限制", "限制",
                                 # who applies: "是单位办还是个人办"
                                 "单位办", "单位去办", "个人办", "自己办", "自己去办", "谁去办", "谁来办", "谁办",
                                 # "要体检不" asks what the applicant must meet or bring
                                 "要体检", "体检不", "体检吗", "需要体检", "要不要体检",
                                 # age thresholds: "多少岁能领", "几岁可以办"
                                 "多少岁", "几岁", "好多岁", "满多少",
                                 # what happens when it is not done: "要是忘了认证会咋样 钱会不会停"
                                 "会咋样", "会怎样", "会怎么样", "会不会停", "会停发", "会不会取消")),
    # Asked as follow-ups more than any button: "能寄到屋头不", "喊我婆娘帮我去办得不", "她走不动可以上门不".
    # Answered from the guide's lines that speak of it and the general rule (FAQ), not a button.
    "delivery": ("邮寄送达", ("邮寄", "寄到", "寄不寄", "能寄", "可以寄", "寄给", "寄回", "寄过来", "快递", "送到家",
                               "寄到家", "包邮", "寄吗", "寄不")),
    "proxy": ("代办与上门服务", ("代办", "代我", "代她", "代他", "帮我办", "帮我去", "帮她办", "帮他办", "帮别人办",
                                  "别人代", "别人去", "别人帮", "委托", "家里人去", "家人去", "家属去", "子女去", "儿子去",
                                  "女儿去", "亲戚去", "帮我填", "帮忙填", "代填", "帮我写", "代写", "老公去", "老婆去", "老婆帮", "婆娘去", "婆娘帮", "上门", "去不了", "走不动", "来不了", "本人去",
                                  "本人到场", "本人来", "本人必须", "必须本人", "要本人", "亲自去", "亲自到",
                                  "帮我弄", "帮他办", "帮她办", "帮他去", "帮她去", "帮他弄", "帮她弄", "一个人去",
                                  "一个人办", "单独去", "腿脚不方便", "行动不便",
                                  # "我儿子在外地打工 屋头就我一个人 弄不来": who else can do it for them
                                  "弄不来", "搞不来", "整不来")),
    # How much one gets or may take, and how often ("一年能贷好多", "一次提好多", "有几个档次"): answered
    # from the guide's amounts (its fees text states what is paid and what is granted), no button.
    "amount": ("金额和次数", ("贷好多", "贷多少", "能贷好多", "能贷多少", "提好多", "提多少", "取好多", "取多少", "领好多",
                             "领多少", "补好多", "补多少", "发好多", "发多少", "额度", "档次", "几个档", "提几次",
                             "取几次", "领几次", "贷几次", "一年几次", "每年几次", "一年可以提", "一年能提",
                             "最多能贷", "最多能提", "最多能领", "一个月好多", "一个月多少",
                             # how the amount is computed: "生育津贴是咋个算的"
                             "咋个算", "怎么算", "咋算", "如何计算", "怎么计算", "怎样计算", "计算方法")),
    # "办好了的话去哪里拿，要带啥子": collecting the finished certificate (no button; bot.knowledge.answer
    # detects it by _PICKUP, as "在哪里领" alone may ask where to apply or to draw an allowance)
    "pickup": ("领取办好的证件", ("去哪里拿", "去哪拿", "在哪拿", "哪里拿", "到哪拿", "去哪领", "在哪领", "哪里领", "哪里取",
                                 "去哪取", "在哪取", "领取地点")),
    "process": ("办理流程", ("流程", "步骤", "程序", "怎么走", "先去", "手续怎么", "通知我", "排队", "预约", "取号",
                             "排号")),
}
# Asked before any other aspect: "好久可以退休" asks who may retire when (conditions), not how long it takes.
FIRST_ASPECTS = {"conditions": ("好久可以退休", "好久能退休", "好久退休", "几岁退休", "几岁可以退休", "多少岁退休",
                                "好多岁退休", "啥时候退休", "什么时候退休", "啥时候能退休", "什么时候能退休", "哪年退休",
                                "哪一年退休", "退休年龄")}
# The order of the aspect buttons.
ASPECT_ORDER = ["materials", "conditions", "process", "time", "fees", "location", "online"]
# Detection order: the more specific questions first ("要带什么材料，多久" asks for materials).
DETECTION_ORDER = ["materials", "amount", "fees", "time", "delivery", "proxy", "online", "location", "conditions", "process"]
# The general rule each of those follow-up aspects adds when the guide says nothing (knowledge/faq.yml ids).
GENERAL_FAQ = {"delivery": "mail-delivery", "proxy": "proxy-by-others", "pickup": "certificate-pickup"}
# Whether something will do ("只有购房合同 行不", "用家里地址可以吗", "可以在广安区登记吗") asks the
# conditions when no phrase above says which aspect (bot.knowledge.answer.detect_aspect).
YES_NO_ASPECT = "conditions"
ASPECT_PHRASES = tuple(sorted({p for _, phrases in ASPECTS.values() for p in phrases}, key=len, reverse=True))
