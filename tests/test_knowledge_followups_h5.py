"""Follow-ups the knowledge base missed in the blind dev conversations (round h5): the FAQ entry answered
last as the context of the next question, voice-input homophones in a follow-up, how an amount is
computed, the readings that took questions about a service for requests to register."""
from bot.knowledge.answer import compose, detect_aspect, follow_up_reply
from bot.nlu.readings import reread


def test_a_follow_up_on_the_faq_answered_last_gets_its_sentences_on_it():
    """After the FAQ on 公积金贷款: years paid elsewhere, the spouse, the time to approve."""
    elsewhere = compose("我之前在成都交了三年 去年才转回广安交 前面那几年算不算", context_faq="housing-fund-loan")
    assert elsewhere.kind == "faq" and elsewhere.faq_id == "housing-fund-loan" and "合并计算" in elsewhere.text
    assert "夫妻" not in elsewhere.text  # its sentence on that, not the whole entry
    spouse = compose("我老婆也有公积金 两个人一起贷额度能高点不", context_faq="housing-fund-loan")
    assert "夫妻双方" in spouse.text and "合并计算" not in spouse.text
    time = compose("审批下来要好久", context_faq="housing-fund-loan")
    assert "15日内" in time.text and "夫妻" not in time.text
    # the same from the out-of-scope and fallback actions
    assert "60日内" in follow_up_reply("有没有时间限制", None, context_faq="information-disclosure-remedy").text


def test_a_question_naming_another_matter_leaves_the_faq_in_context():
    reply = compose("那医保呢 咋个交", context_faq="housing-fund-loan")
    assert reply.procedure_item == "resident-medical-insurance"
    # and a follow-up that the entry does not speak of stays on the item in context
    assert compose("要带啥子", "resident-id-card", context_faq="holidays").procedure_item == "resident-id-card"
    # a time limit is a figure: "按工作日办公" in the entry on holidays is none
    assert compose("要多久", "resident-id-card", context_faq="holidays").procedure_item == "resident-id-card"
    # what a guide says and the entry does not: "办退休要带啥子去" after the FAQ on retirement age
    moved = compose("办退休要带啥子去 在哪里办", context_faq="retirement-age-and-years")
    assert moved.procedure_item == "retirement-pension" and "身份证" in moved.text


def test_a_mistyped_word_in_a_follow_up_names_its_item():
    """"护口" is 户口: "他的护口要不要去销了" after 城乡居民养老 asks about 户口注销."""
    assert compose("他的护口要不要去销了", "urban-rural-pension").procedure_item == "hukou-cancellation"


def test_how_an_amount_is_computed_is_the_amount():
    assert detect_aspect("我生二娃了 生育津贴是咋个算的") == "amount"
    reply = compose("我生二娃了 生育津贴是咋个算的")
    assert reply.procedure_item == "maternity-allowance" and "平均工资" in reply.text


def test_paying_residents_medical_insurance_for_a_parent_from_elsewhere():
    online = compose("我妈今年的合做医了还没交 我在浙江 咋个在手机上帮她交")
    assert online.procedure_item == "resident-medical-insurance" and "支付宝" in online.text
    info = compose("要她的啥子信息", "resident-medical-insurance")
    assert info.procedure_item == "resident-medical-insurance" and "身份证号码" in info.text
    paid = compose("交了之后咋个晓得交起了没得", "resident-medical-insurance")
    assert "缴费记录" in paid.text
    # seeing a doctor elsewhere is in its conditions: 异地就医备案
    assert "异地就医备案" in compose("我在深圳打工 医保是在老家广安交的城乡居民那种 在深圳看病能报不").text


def test_a_lost_certificate_and_the_newspaper_notice():
    reply = compose("要不要登报哦 以前丢东西都要登报")
    assert reply.kind == "faq" and "遗失声明" in reply.text and "农业农村" in reply.text


def test_inheritance_after_a_transfer_answer():
    reply = compose("房本上是我和老伴两个人的名字 她前年走了 这个咋办", "property-transfer-registration")
    assert "继承" in reply.text


def test_questions_about_a_service_are_no_requests_to_register():
    asked = {
        "我在广东东莞住了半个月院 回来了 这个医保能报不": "seek_help",
        "我妈今年的合做医了还没交 我在浙江 咋个在手机上帮她交": "seek_help",
        "我想给屋头两个老人交明年的医宝 咋个交": "nlu_fallback",
        "我一个人住 儿子前年死了 莫得啥子收入 听人家说可以吃滴保 我够不够格嘛": "complain",
        "我自己开理发店的 没得单位 能买社保不": "nlu_fallback",
        "可以在成都换吗 还是必须回广安": "bot_challenge",
        "备案在手机上能弄不 太复杂了我弄不来": "complain",
        "我当时没备案 还报得到不": "deny",
        "没交够的话可以一次性补不": "deny",
        "有没有时间限制": "deny",
        "我走不动 我女儿去办得不": "deny",
        "是赠与划算还是卖给他划算 哪个税少点": "out_of_scope",
        "我字都认不到几个 表也填不来 村头的人能不能帮我填": "seek_help",
        "我之前在成都交了三年 去年才转回广安交 前面那几年算不算": "nlu_fallback",
    }
    for text, intent in asked.items():
        assert reread(text, intent, False) == "ask_procedure", text
    # a problem told stays one
    assert reread("医院乱收费 这个医保能报不 太黑了", "complain", False) != "ask_procedure"


def test_an_injury_at_work_the_employer_denies_is_a_work_injury_question():
    """"从架子上摔下来把腿摔断了 老板说不关他的事 我该咋个办": the injury is past, the dispute is the matter
    (工伤认定), not a call for an ambulance; an injury happening now still is one."""
    from bot.nlu.readings import asks_instead_of_telling, names_a_service
    from bot.tickets.emergency import emergency_in

    told = "我在工地上做活路 从架子上摔下来把腿摔断了 老板说不关他的事 我该咋个办"
    assert emergency_in(told) is None and names_a_service(told) and asks_instead_of_telling(told)
    assert compose(told).procedure_item == "work-injury-recognition"
    assert emergency_in("工地上有人从架子上摔下来了 流了好多血").kind == "injury"
    assert emergency_in("我爸在厂里摔伤了 快来人").kind == "injury"
