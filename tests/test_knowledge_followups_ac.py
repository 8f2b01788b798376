"""Knowledge answers the blind dev conversations of writers ac–af did not get (round h-know7): dialect
question words and stories around a FAQ's question, a FAQ entry as the answer when it says more than the
item its subject names, the pickup of what was applied for (the application's item in context after its
status), what one who cannot do it oneself is told, and the taxes of a 个体户."""
from bot.knowledge.answer import compose, detect_aspect, item_of_case
from bot.nlu.readings import asks_instead_of_telling, cannot_do_it_oneself, reread


def test_a_story_around_where_to_vaccinate_gets_the_faq_and_its_follow_up_what_to_bring():
    first = compose("我外孙满月了 疫苗在哪点打嘛 我们住广福街道")
    assert first.kind == "faq" and first.faq_id == "child-vaccination"
    bring = compose("要带些啥子去", context_faq="child-vaccination")
    assert bring.faq_id == "child-vaccination" and "预防接种证" in bring.text and "免费" not in bring.text
    # told as one's own situation, it is a question, not a request for help to register
    assert asks_instead_of_telling("我外孙满月了 疫苗在哪点打嘛 我们住广福街道")


def test_a_graduate_moving_the_hukou_back_from_the_school_is_hukou_migration():
    reply = compose("我今年大学毕业 户口还在学校集体户 想落回广安 要些啥材料")
    assert reply.procedure_item == "hukou-migration"
    parents = compose("可以直接迁到我爸妈户口上吗 他们在中桥街道", "hukou-migration")
    assert "投靠" in parents.text


def test_the_taxes_of_a_sole_trader_are_the_faq_not_the_fees_of_registering():
    reply = compose("个体户每个月要交好多税哦 月营业额也就两三万", "individual-business-registration",
                    context_faq="individual-business-tax-setup")
    assert reply.faq_id == "individual-business-tax" and "10万元" in reply.text
    invoice = compose("我要开发票咋个办", "individual-business-registration")
    # the FAQ on invoices itself (h-know8) over the one on registering for tax that mentions them
    assert invoice.faq_id == "individual-business-invoice" and "数电发票" in invoice.text


def test_how_to_do_the_pension_certification_gets_its_steps():
    reply = compose("听说领养老金每年要认证 我这个老头子咋个认证嘛")
    assert reply.procedure_item == "pension-qualification-certification" and "刷脸" in reply.text


def test_someone_who_cannot_do_it_is_told_who_else_can():
    assert cannot_do_it_oneself("我不会耍手机 屋头娃儿又在外头")
    assert not cannot_do_it_oneself("楼上漏水 我不会弄")  # a problem to register
    phone = compose("我不会耍手机 屋头娃儿又在外头", "pension-qualification-certification")
    assert "家人" in phone.text
    away = compose("我儿子在外地打工 屋头就我一个人 弄不来", "pension-qualification-certification")
    assert away.procedure_item == "pension-qualification-certification" and away.aspect == "proxy"
    assert "上门" in away.text
    # sending someone is a request for help, whatever the classifier made of it
    assert reread("那你们喊社区的人来帮我弄一下嘛", "praise", False) == "seek_help"
    assert reread("可以喊社区的人上门认证不", "ask_procedure", False) != "seek_help"


def test_a_story_asking_how_the_pension_is_computed_gets_the_faq():
    reply = compose("我上个月刚办完退休 养老金核下来比同事少了六七百 不晓得咋算的")
    assert reply.faq_id == "pension-estimate" and "缴费年限" in reply.text


def test_out_of_hospital_asking_how_to_claim_gets_the_direct_settlement():
    reply = compose("我在区人民医院住了十来天院 昨天出来的 这个报销咋个报 是不是要自己先拿钱 后头去哪里报")
    assert reply.faq_id == "inpatient-direct-settlement" and "直接结算" in reply.text


def test_what_a_disclosure_reply_that_the_information_does_not_exist_means():
    reply = compose("答复书上写的“经检索，本机关未制作或获取该信息”，这是啥子意思，是不给我看吗")
    assert reply.faq_id == "information-disclosure-not-exist" and "行政复议" in reply.text


def test_collecting_what_was_applied_for():
    assert detect_aspect("办好了的话去哪里拿，要带啥子") == "pickup"
    assert detect_aspect("领证要带啥子") == "materials"  # 领证 is getting married
    assert detect_aspect("高龄津贴在哪里领") == "location"
    reply = compose("办好了的话去哪里拿，要带啥子", "disability-certificate")
    assert reply.procedure_item == "disability-certificate" and reply.aspect == "pickup"
    assert "残联" in reply.text and "身份证" in reply.text
    # after an application's status its item is the item in context, when its name names it surely
    assert item_of_case("残疾人证换领") == "disability-certificate"
    assert item_of_case("营业执照变更") == "company-change-registration"  # the guide h-know8 added
    assert item_of_case("烟花爆竹经营许可") is None


def test_counted_together_is_no_question_when_a_time_limit_starts():
    assert detect_aspect("我老婆也有公积金 能一起算不") != "time"
    reply = compose("我老婆也有公积金 能一起算不", context_faq="housing-fund-loan")
    assert "夫妻" in reply.text
