"""Reading the whole message at intake (#12): emergencies, places, names, refusals, corrections,
cancels inside a sentence, side questions. Pure functions over knowledge/ — no database, no Rasa."""
from __future__ import annotations

import pytest

from bot.tickets import intake
from bot.tickets.emergency import EmergencyConfigError, _load, emergency_in
from bot.tickets.places import adds_to_place, division_in, divisions, place_in, without_landmarks


@pytest.mark.parametrize("text, kind", [
    ("屋头厨房好大股然气味道 是不是漏气了哦", "gas"),
    ("天然气管道破了在呲呲响", "gas"),
    ("蜂窝煤炉子关起门烤火，老汉头昏想吐", "co_poisoning"),
    ("我们村今天中午办坝坝宴 吃了席的有二十几个人又吐又拉 是不是食物中毒哦", "food_poisoning"),
    ("学校食堂吃了午饭 班上好几个娃儿都在呕吐", "food_poisoning"),
    ("楼下着火了好大的烟", "fire"),
    ("电梯卡在5楼 我妈关在里面出不来", "lift"),
    ("电线杆遭撞断了 电线吊到地上冒火花", "electric"),
    ("水管爆了屋头到处是水", "flooding"),
    ("我家娃儿放学一直没回来 找不到了", "missing_person"),
    ("欠了一屁股债 不想活了", "self_harm"),
    ("再不解决我就从楼上跳下去", "self_harm"),
    ("小孩掉进塘里了", "drowning"),
    ("有人拿刀在菜市场砍人", "violence"),
    ("后山滑坡了 石头滚下来", "landslide"),
    ("闻到一股怪味 像是煤气", "gas"),
    ("老汉儿出去遛弯 一晚上没回家", "missing_person"),
    ("我孙孙不见了 在思源广场 五岁", "missing_person"),
    ("想问下托管收不收钱。还有我家女儿下午四点半放学，到现在七点了还没回来", "missing_person"),
    ("差点被车撞，后来他还是被车撞了", "injury"),
    # said in other ways than the ones above
    ("灶房头一股怪气味 怕是气漏了", "gas"), ("隔壁房子燃起来了", "fire"), ("娃儿掉到河头去了", "drowning"),
    ("屋头的水漫起来了 床脚都泡到了", "flooding"), ("楼下有两个人拿起刀在砍", "violence"),
    ("后山的石头在往下滚 好吓人", "landslide"), ("我妈早上出去到现在都没回来 电话也打不通", "missing_person"),
    ("活起没得意思了 不想拖累娃儿", "self_harm"), ("有个小娃儿被关在车里头了", "trapped"),
    ("我老汉儿从楼梯上滚下来了 头在流血", "injury"),
    ("老汉儿在厕所跘倒了 脑壳碰出血了 起不来", "injury"),
    # down and not answering is a call for help whatever the question around it
    ("老头子在灶房摔倒了 喊他不答应 头上还有血 咋个办嘛", "unresponsive"), ("我妈晕倒了 叫不醒", "unresponsive"),
    ("我们这栋楼外墙瓷砖一直在往下掉，刚才一块砸到楼下停的电瓶车上", "falling_object"),
    ("活着没意思 不如死了算了", "self_harm"),
    # told calmly, as a question about whom to call
    ("我隔壁张大爷一个人住 刚刚看到他倒在堂屋地上 说腿动不得起不来 门是反锁起的 这种情况找哪个", "fallen"),
    ("停车场一辆车里头有个娃儿一直在哭 大人不在 车是锁起的 这个找哪个", "trapped"),
    ("电杆上有根线吊下来 一头搭在地上 有时候还啪啪冒火花", "electric"),
    ("河水涨起来了 已经淹到我们屋门口了 还有老年人走不动", "outdoor_flood"),
    # water in the home is a flood whatever the message also says about the supply; a structure that
    # gives way is a collapse
    ("水管爆了 家里淹了 总阀关了现在也没得水用", "flooding"),
    ("卫生间管子裂了 水一直在冒", "flooding"),
    ("村口那座桥塌了 车子过不去", "landslide"), ("屋后的堡坎垮了一大片", "landslide"),
    ("老房子的墙要塌了 里头还住得有人", "landslide"),
    # medical emergencies, as callers tell them
    ("我婆娘喝了农药 就是打谷子那种 嘴巴吐白泡泡了", "poisoning"), ("娃儿把奶奶的安眠药吃了好几颗", "poisoning"),
    ("他好像没有出气了 我不会做心肺复苏", "not_breathing"), ("我老汉胸口痛得很 一直出冷汗", "heart_attack"),
    ("我爸说话说不清楚了 嘴巴也歪了", "stroke"), ("我妈突然左边手脚没得力了", "stroke"),
    ("娃儿发高烧 突然抽起了 翻白眼", "seizure"),
    ("对门的婆婆一个人住 四五天没看到她了 敲门没人开 打电话也不接 门口有股臭味", "not_seen"),
])
def test_emergencies(text, kind):
    found = emergency_in(text)
    assert found is not None and found.kind == kind
    assert found.advice and found.department


@pytest.mark.parametrize("text", ["楼下烧烤店太吵了", "我想问问身份证咋个办", "垃圾桶三天没人收", "",
                                  # a near miss is a complaint about its cause; a burst main is an outage
                                  "盲道天天被电动车占用，他走路差点摔倒",
                                  "村里上礼拜就没得自来水了，说是管子爆了",
                                  "小区停车位被占了车子出不来了",
                                  "砖厂晚上偷偷排黑烟，呛得人喘不过气", "早上起不来床 上班迟到了",
                                  # a feared danger is no alarm
                                  "有人在门口摆摊 把消防通道都堵死了 万一着火车都进不来", "楼道堆满纸箱 容易着火",
                                  # a supply outage is no flood, even when a burst main caused it
                                  "我们组自来水停了两天了 一滴水都没得 说是主管子爆了 吃水都要去挑",
                                  "镇上水管爆了 整条街都断水了", "总管破了 水龙头放不出水",
                                  # a railing, a handrail or a wall's skin giving way is a repair, no collapse
                                  "小区门口那座桥的栏杆垮了一截 娃儿天天从那过", "楼梯扶手垮塌了 老人上下楼不方便",
                                  "楼顶的护栏垮了一段", "墙皮垮了一大块",
                                  # chronic or past illness, a medicine shop, gas run out: questions, no call
                                  "右手麻了好几天了", "我妈有高血压 慢特病咋个办", "药店卖过期药", "天然气没有气了",
                                  "窗口的人讲不清楚", "去年心梗住院的钱能报好多",
                                  # said of people figuratively
                                  "窗口那个人对我翻白眼", "你们是不是抽风了", "那个工作人员大舌头 说话听不清",
                                  "电瓶车没气了", "楼下烧烤店的抽油烟机对到我们窗子 烟子全部进来了",
                                  "车子停在右手边 动不了", "熏得我胸口闷 晚上一身汗",
                                  # things, not people, that have not come back
                                  "儿子下午寄的快递到现在还没到家", "我妈的退休金到现在还没回来"])
def test_not_emergencies(text):
    assert emergency_in(text) is None


def test_a_fall_told_afterwards_is_no_call_for_help():
    found = emergency_in("我妈去年摔倒了起不来 住院的钱医保能报好多")
    assert found is None or (found.kind == "injury" and not found.takes_over)


def test_gas_goes_to_the_gas_authority_and_injury_does_not_take_over():
    assert emergency_in("闻到煤气味").department == "区住建局"
    assert emergency_in("我爸摔伤了 流了好多血").takes_over is False
    assert emergency_in("上次摔伤了医保咋个报") is None   # a question about an old injury is no alarm


def test_emergency_file_is_validated(tmp_path):
    bad = tmp_path / "e.yml"
    bad.write_text("emergencies:\n  - {kind: gas, patterns: ['('], advice: x, department: y}\n", encoding="utf-8")
    with pytest.raises(EmergencyConfigError, match="patterns"):
        _load(bad)
    bad.write_text("emergencies:\n  - {kind: gas, patterns: ['x']}\n", encoding="utf-8")
    with pytest.raises(EmergencyConfigError, match="advice"):
        _load(bad)
    bad.write_text("emergencies:\n  - {kind: gas, advice: x, department: y, patterns: [{pattern: '(', unless: []}]}\n",
                   encoding="utf-8")
    with pytest.raises(EmergencyConfigError, match=r"patterns\[0\]"):
        _load(bad)
    bad.write_text("emergencies:\n  - {kind: gas, advice: x, department: y, patterns: [{unless: [a]}]}\n", encoding="utf-8")
    with pytest.raises(EmergencyConfigError, match=r"patterns\[0\] needs a pattern"):
        _load(bad)


def test_a_pattern_of_its_own_unless_voids_only_that_pattern(tmp_path):
    path = tmp_path / "e.yml"
    path.write_text("emergencies:\n  - kind: flooding\n    advice: x\n    department: y\n    patterns:\n"
                    "      - {pattern: 管子爆, unless: [没水]}\n      - 屋头淹\n", encoding="utf-8")
    flooding, = _load(path)
    assert flooding.matches("管子爆了") and not flooding.matches("管子爆了 没水了")
    assert flooding.matches("管子爆了 屋头淹了 现在没水了")


@pytest.mark.parametrize("text, place", [
    ("我们小区门口的烧烤店油烟太大，在北辰街道万盛小区", "北辰街道万盛小区"),
    ("我是浓洄街道滨河路锦绣江南小区的业主", "浓洄街道滨河路锦绣江南小区"),
    ("协兴镇牌坊村3组的路烂了", "协兴镇牌坊村3组"),
    ("枣山街道紫金路那一段路灯坏了", "枣山街道紫金路"),
    ("万盛那边", "万盛街道"),
    ("你们能不能派人到万盛小区看一下", "万盛小区"),
    ("我在枣山街道那个力健健身房办了年卡", "枣山街道那个力健健身房"),
    ("龙台镇龙台村四组王家湾有人烧秸秆", "龙台镇龙台村四组"),
    ("广福街道新桥路与建设路交叉口红绿灯坏了", "广福街道新桥路与建设路交叉口"),
    ("在广安火车站出站口有人拉客", "广安火车站出站口"),
    # landmarks and positions people place things by
    ("图书馆旁边那个公厕好脏", "图书馆旁边那个公厕"),
    ("滨河路老邮局旁边有个井盖没得了", "滨河路老邮局旁边"),
    ("枣山街道翡翠城2期门口下水道堵了", "枣山街道翡翠城2期门口"),
    ("协兴镇政府对面的垃圾站臭得很", "协兴镇政府对面的垃圾站"),
    ("万达广场后头的烧烤摊半夜吵得很", "万达广场后头"),
    # a place phrase stops at the words of the story ("…那条路有根大树倒在路中间")
    ("体育馆背后那条路有根大树倒在路中间", "体育馆背后那条路"),
    # a shop named right after the street, and a bridge's end
    ("投诉一下 北辰街道九龙街 老码头火锅店 吃了一千二的饭", "北辰街道九龙街 老码头火锅店"),
    ("举报一下 中桥街道人民路上 康福大药房 在用医保卡刷米", "中桥街道人民路上 康福大药房"),
    ("就在浓洄街道渠江边上 老码头桥头下面那段河", "浓洄街道渠江边上 老码头桥头"),
    # the township offices people name a place by (社保所, 司法所…), in Traditional characters too
    ("我想表揚龍安鄉社保所的一位工作人員", "龙安乡社保所"),
    # where the shop is said to be beats where the citizen lives, and its sign goes with it
    ("我住在萬盛街道，發現學校旁邊一家小賣部賣香菸給中學生。店在萬盛中學後門斜對面，招牌叫「好又多便利店」。",
     "万盛街道万盛中学后门斜对面 好又多便利店"),
])
def test_places(text, place):
    assert place_in(text).startswith(place)


@pytest.mark.parametrize("text", ["你们几点下班", "窗子开了的 阀门我也关了", "不知道", "好的",
                                  # words addressed to us and generic places name no place
                                  "那你们喊社区的人来帮我弄一下嘛", "你们能不能通知社区来个人",
                                  "社区医院打疫苗太难了", "我三号那天去办事", "一号线地铁",
                                  # walking is no road
                                  "我八十了 走不动路 可不可以喊我儿子去帮我办", "腿不好 要绕路"])
def test_not_places(text):
    assert place_in(text) is None


def test_divisions_come_from_the_gazetteer():
    found = division_in("在白马乡那边")
    assert found and found[0].name == "白马乡" and found[0].code.startswith("511602")


@pytest.mark.parametrize("text, name", [
    ("我姓陈，电话13981230000", "陈"), ("我是王大爷", "王"), ("免贵姓刘", "刘"), ("我叫李明，住在北辰", "李明"),
    ("叫我李师傅就行", "李师傅"), ("姓名：赵四", "赵四"), ("包工头姓张，跑了", None), ("你好", None),
    ("我想表扬社保窗口的一个小姑娘 姓周 她耐心得很", None), ("你好 姓王 电话13981230000", "王"),
    # where they live, then the name
    ("你就帮我问一下嘛 我是龙台镇桂花村2组的李国富", "李国富"), ("我是穿石镇高坪村3组的王德贵，电话15983678810", "王德贵"),
    ("我是万盛小区的业主", None), ("我是北辰街道的居民", None),
])
def test_names_in_a_story(text, name):
    assert intake.name_in(text) == name


@pytest.mark.parametrize("text, name", [("李师傅", "李师傅"), ("姓张", "张"), ("王建国", "王建国"),
                                        ("你们几点下班", None), ("好的", None)])
def test_names_in_answer_to_the_question(text, name):
    assert intake.name_answer(text) == name


@pytest.mark.parametrize("text, field, asked, refused", [
    ("我不想留电话", "phone", False, True), ("电话不留，名字也不留", "name", False, True),
    ("匿名举报", "phone", False, True), ("不方便", "phone", True, True), ("不用了", "name", True, True),
    ("不用名字", "name", True, True), ("不知道", "phone", True, True),
    ("我不知道他电话", "phone", False, False), ("13981230000", "phone", True, False),
    # a number given beside a refusal of the name declines the name only
    ("地点是万盛街道希望路 我电话13808261127 不留名字", "phone", False, False),
    ("地点是万盛街道希望路 我电话13808261127 不留名字", "name", False, True),
    ("电话我就不留了 我姓王", "phone", False, True),
])
def test_refusals(text, field, asked, refused):
    assert intake.refuses(text, field, asked=asked) is refused


@pytest.mark.parametrize("text, rest", [
    ("算了，我先问问结婚登记", "我先问问结婚登记"), ("算了", ""), ("小区是北辰的 哎呀算了算了 等哈再说", ""),
    ("算了 那你记倒嘛 是在井河镇老街", None), ("我想算一下要交多少", None),
])
def test_cancel_inside_a_sentence(text, rest):
    assert intake.cancel_with_rest(text) == rest


def test_corrections_and_questions():
    assert intake.is_correction("我记错了，是4栋") and intake.is_correction("电话写错了应该是139")
    assert not intake.is_correction("北辰街道万盛小区")
    assert intake.is_question("你们这个多久有人处理?") and intake.asks_about_processing("你们这个多久有人处理?")
    assert not intake.is_question("北辰街道万盛小区3栋")


def test_a_correction_keeps_what_was_said_before():
    from bot.tickets.places import corrected_place, more_specific

    old = place_in("我住在枣山街道 光明路 和平小区 3栋2单元101")
    assert corrected_place(old, "我记错了 不是3栋 是4栋") == old.replace("3栋", "4栋")
    assert corrected_place("北辰街道万盛小区3栋", "地址写错了，应该是中桥街道幸福里5栋") == "中桥街道幸福里5栋"
    assert more_specific("井河镇 老街 农贸市场", "这条街") and not more_specific("这条街", "井河镇老街")
    # an admitted mistake names the right unit: that unit is replaced, the 小区 kept
    assert corrected_place("广福街道的御景华府，3单元", "说错了 是2单元 3单元是我姐家") == "广福街道的御景华府，2单元"
    assert corrected_place("枣山街道幸福小区5栋3单元", "记错了，应该是2单元") == "枣山街道幸福小区5栋2单元"
    assert corrected_place("协兴镇牌坊村3组", "说错了 是4组") == "协兴镇牌坊村4组"


def test_shops_belong_to_the_street_they_are_on():
    assert place_in("我在北辰街道建设路上的万家福超市买的牛奶") == "北辰街道建设路上的万家福超市"
    assert place_in("楼下烧烤店油烟太大") is None
    assert place_in("楼盘是广福街道的江山樾，8栋1102") == "广福街道的江山樾,8栋1102"


def test_the_description_is_the_story_told_so_far():
    d = intake.description_from_messages
    assert d([{"text": "包工头欠我一万二的工钱，拖了半年了", "intent": "nlu_fallback"},
              {"text": "工地是在浓溪镇那个新修的安置房项目", "intent": "complain"}]) == \
        "包工头欠我一万二的工钱,拖了半年了；工地是在浓溪镇那个新修的安置房项目"  # (text is NFKC-normalised)
    # "那你帮我登记一下" registers what was said before it, whatever the classifier read there
    assert d([{"text": "楼下烧烤店油烟太大了，熏死人", "intent": "ask_procedure"},
              {"text": "那你帮我登记一下", "intent": "seek_help"}]) == "楼下烧烤店油烟太大了,熏死人"
    # an answered procedure question is not part of a new complaint
    assert d([{"text": "出生医学证明咋个办", "intent": "ask_procedure"},
              {"text": "楼下烧烤店油烟太大了", "intent": "complain"}]) == "楼下烧烤店油烟太大了"
    assert d([{"text": "我要投诉", "intent": "complain"}]) is None
    # "弄不来" says the citizen cannot do what they just asked about: that question is the matter
    assert d([{"text": "养老金认证咋么弄 我不会用手机", "intent": "out_of_scope"},
              {"text": "我儿子在外地打工 屋头就我一个人 弄不来", "intent": "seek_help"}]) == \
        "养老金认证咋么弄 我不会用手机；我儿子在外地打工 屋头就我一个人 弄不来"
    # given up, then registered after all: the story told before the cancel counts
    assert d([{"text": "悦来镇场镇上好多野狗 早上娃娃上学都被追起跑", "intent": "complain"},
              {"text": "算了 说了也没得用 不弄了", "intent": "deny"},
              {"text": "哎 还是帮我登记嘛 娃娃天天要走那条路", "intent": "seek_help"}]).startswith("悦来镇场镇上好多野狗")
    assert d([{"text": "悦来镇场镇上好多野狗", "intent": "complain"},
              {"text": "算了 不弄了", "intent": "deny"},
              {"text": "小区门口的路灯坏了", "intent": "complain"}]) == "小区门口的路灯坏了"


def test_what_an_elderly_caller_says_at_a_question():
    from bot.tickets.places import corrected_place
    from bot.tickets.replies import plain_question

    assert intake.refuses("电话嘛 我记不到 我儿子晓得", "phone", asked=True)
    assert intake.is_confused("你说啥子 我听不懂") and intake.is_confused("为啥子还要名字")
    assert not intake.is_confused("北辰街道万盛小区")
    assert "不留" in plain_question("ticket_phone") and "姓李" in plain_question("ticket_name")
    # a place word alone is no place; "是…" is not part of it; a corrected 小区 keeps the 街道
    assert place_in("我要投诉小区物业乱收停车费") is None
    assert place_in("我记错了，是凯旋城小区") == "凯旋城小区"
    assert corrected_place("枣山街道御景湾小区", "我记错了，是凯旋城小区") == "枣山街道凯旋城小区"


@pytest.mark.parametrize("answer, place", [
    ("区政务服务中心", "区政务服务中心"), ("就在阳光水岸", "阳光水岸"), ("人民医院门口", "人民医院门口"),
    ("我要投诉", None), ("13912345678", None), ("你们几点下班", None), ("好的", None), ("不知道", None),
])
def test_an_answer_to_the_location_question_without_a_place_word(answer, place):
    from bot.tickets.places import plausible_place_answer

    assert plausible_place_answer(answer) == place


def test_a_correction_that_says_the_address_takes_it_whole():
    from bot.tickets.places import corrected_place

    assert corrected_place("万盛街道阳光花园", "地址写错了，是阳光水岸") == "万盛街道阳光水岸"
    assert corrected_place("北辰街道万盛小区3栋", "不是3栋 是4栋2单元") == "北辰街道万盛小区4栋2单元"


def test_places_are_kept_in_simplified_characters():
    assert place_in("我們官盛鎮新華村3組停電兩天了") == "官盛镇新华村3组"


@pytest.mark.parametrize("text, name", [("我是老陈", "陈"), ("老王", "王"), ("老婆婆", None), ("我老汉儿", None)])
def test_how_older_people_name_themselves(text, name):
    from bot.tickets.intake import name_in

    assert name_in(text) == name


def test_a_linked_ticket_tells_the_citizen_without_the_other_number():
    from bot.tickets.intake import LINKED, created_text

    ticket = {"ticket_no": "GDAAAA1111", "category": "投诉", "department": "区综合执法局", "urgent": False,
              "contact_phone": "13900001111", "first_contact_by": "2026-12-09T15:59:59+00:00",
              "resolve_by": "2026-12-28T15:59:59+00:00", "link": {"lead": "GDBBBB2222", "evidence": "同一地点"}}
    text = created_text(ticket)
    assert LINKED in text and "GDBBBB2222" not in text
    assert LINKED not in created_text({**ticket, "link": None})


def test_a_place_said_in_pieces_goes_on_from_the_division():
    from bot.tickets.places import continues_place

    assert continues_place("石龙村", "东岳乡") and continues_place("石龙村", "东岳镇")
    assert not continues_place("3组", "东岳乡石龙村") and not continues_place("北辰街道", "东岳乡")
    assert place_in("他脑壳有点糊涂 记不到路") is None


def test_a_division_said_after_the_site_goes_in_front_of_it():
    """"学府名城小区大门口…", then "在广福街道": the place is 广福街道学府名城小区, not the 街道 alone."""
    from bot.tickets.places import place_said_later

    assert place_said_later(place_in("在广福街道 我电话13908264417"), "学府名城小区") == "广福街道学府名城小区"
    assert place_said_later("广福街道", "万盛街道阳光花园") is None, "another 街道 is no division of this place"
    assert place_said_later("石龙村3组", "东岳乡") == "东岳乡石龙村3组"


def test_suggestions_about_a_place_are_asked_where():
    from bot.tickets.places import needs_location

    assert needs_location("建议", None, "小区门口那几步台阶好高，能不能修个坡坡")
    assert not needs_location("建议", None, "建议延长政务大厅的办公时间")
    assert needs_location("投诉") and not needs_location("求助", "self_harm")
    assert needs_location("表扬", None, "表扬社区的小王 帮我办高龄补贴")  # which 社区?
    assert not needs_location("表扬", None, "表扬东门社区的小王") and not needs_location("表扬", None, "感谢你们")


@pytest.mark.parametrize("question, description, expected", [
    ("会不会被学校晓得是我反映的？娃儿还在那读书", "学校乱收费", "保密"), ("你是机器人吗", "路灯坏了", "转人工"),
    ("到底哪个管！！", "包工头跑了，欠我们工钱三个月不给", "区人社局"), ("办身份证要带什么", "路灯坏了", None),
    ("为啥子要我的名字 你们不要给他们说是我反映的哈", "烧烤摊油烟", "保密"),
    ("会不会告诉老板是我反映的", "老板拖欠工资", "保密"), ("你们会不会把我的电话给物业", "物业乱收费", "保密"),
    ("会不会给我回个电话", "路灯坏了", None),
    # whether we take it up at all: yes, and who does
    ("我们一共十几个人 过年都回不去了 你们到底管不管嘛", "包工头跑了，欠我们工钱三个月不给", "区人社局"),
    ("你们管不管", None, "管的"), ("物业管不管这个事", "楼道灯坏了", None),
])
def test_questions_about_intake_itself(question, description, expected):
    from bot.tickets.replies import side_answer

    answer = side_answer(question, description)
    assert (answer is None) if expected is None else (expected in answer)


def test_an_emergency_caller_who_cannot_dial_is_told_how():
    from bot.tickets.replies import cannot_call

    assert cannot_call("120好多号 我打不来") and cannot_call("我不会打电话") and not cannot_call("13900001111")


def test_an_injury_keeps_the_routing_of_its_cause():
    assert emergency_in("老人摔倒了起不来").routes is False
    found = emergency_in("老头子在灶房摔倒了 喊他不答应 头上还有血 咋个办嘛")
    assert found.takes_over and found.routes is False
    assert emergency_in("闻到煤气味").routes is True
    assert emergency_in("路灯坏了好几个老人都遭绊倒了") is None


def test_a_call_back_is_a_request_for_a_person():
    from bot.tickets.replies import wants_human

    assert wants_human("我有个事情说不清楚，能不能喊个人给我回个电话")
    assert not wants_human("楼下太吵了")
    assert not wants_human("对了 这回电话是对的 提交")


@pytest.mark.parametrize("text", ["我想反映个问题", "我要投诉", "反映个事"])
def test_an_announcement_is_no_description(text):
    from bot.tickets.intake import description_from_messages

    assert description_from_messages([{"text": text, "intent": "complain"}]) is None


def test_a_story_is_no_place():
    from bot.tickets.places import plausible_place_answer

    assert plausible_place_answer("天天打到半夜两三点 吵得娃儿睡不着") is None


@pytest.mark.parametrize("answer, name", [("免贵姓王", "王"), ("姓欧阳", "欧阳"), ("王建国", "王建国"), ("姓陈", "陈")])
def test_name_answers(answer, name):
    from bot.tickets.intake import name_answer

    assert name_answer(answer) == name


@pytest.mark.parametrize("text, phone", [
    ("幺三九 九零零三 零零零一", "13990030001"), ("我电话是139九零零三零零零一", "13990030001"),
    ("一二三四五六七八九十一", None), ("139 9003 0001", "13990030001"),
])
def test_phone_numbers_as_voice_input_writes_them(text, phone):
    from bot.tickets.intake import phone_in

    assert phone_in(text) == phone


def test_a_place_stops_at_the_story_and_at_the_end_of_a_clause():
    assert place_in("体育馆背后那条路有根大树倒在路中间") == "体育馆背后那条路"
    # "嘛" ends the clause: what follows is talk, not more of the address
    assert place_in("就在体育馆背后嘛 你们不晓得体育馆啊 广安体育馆 浓洄那边的") == "浓洄街道体育馆背后"
    # lead words between two parts of one address do not split it
    assert place_in("中桥街道北门夜市，就在我们幸福里小区大门口") == "中桥街道北门夜市,就在我们幸福里小区"


def test_place_breaks_never_occur_in_division_names():
    from bot.tickets.intake import PLACE_BREAKS

    for d in divisions():
        assert not set(d.name) & set(PLACE_BREAKS), d.name


def test_a_later_place_in_the_same_division_adds_to_the_first():
    assert adds_to_place("彭家乡卫生院隔壁", "彭家乡场镇上的垃圾站") == "彭家乡场镇上的垃圾站，卫生院隔壁"
    assert adds_to_place("卫生院隔壁", "彭家乡场镇上的垃圾站") == "彭家乡场镇上的垃圾站，卫生院隔壁"
    assert adds_to_place("协兴镇卫生院", "彭家乡场镇上的垃圾站") is None  # elsewhere
    assert adds_to_place("彭家乡场镇", "彭家乡场镇上的垃圾站") is None  # nothing new
    assert adds_to_place(None, "彭家乡场镇") is None


def test_a_place_given_while_declining_is_no_refusal():
    said = "就在体育馆背后嘛 你们不晓得体育馆啊 广安体育馆 浓洄那边的"
    assert not intake.refuses(said, "phone", asked=True)
    assert intake.refuses("不晓得", "phone", asked=True)


def test_a_name_or_phone_taken_back():
    said = "算了名字还是莫写了 电话可以留 18090213367 有事打这个"
    assert intake.withdraws(said, "name") and not intake.withdraws(said, "phone")
    assert not intake.withdraws("我叫王五 名字可以写", "name")


def test_a_building_site_is_a_place():
    assert "御景湾楼盘" in place_in("工地就是官盛镇协兴大道旁边在修的那个御景湾楼盘")


def test_landmarks_do_not_route():
    assert without_landmarks("体育馆背后那条路有根大树倒在路中间") == "那条路有根大树倒在路中间"
    assert without_landmarks("鹏程路靠近加油站那一段路面烂了") == "路面烂了"
    assert "加油站" not in without_landmarks("紫金路 从加油站到二小那一段的路灯坏了")
    assert without_landmarks("加油站那一段油价太高") == "加油站那一段油价太高"
    assert "加油站" not in without_landmarks("中间那段路 靠近加油站那里 有好几个大坑")
    assert without_landmarks("靠近加油站那里有人卖散装柴油") == "有人卖散装柴油"
    # a place passed or measured from only says where, with its distance
    assert "加油站" not in without_landmarks("那条路上有个大坑 过了中石化加油站大概两百米 轮胎都爆了")
    assert "加油站" in without_landmarks("加油站离居民楼太近了")
    assert without_landmarks("学校乱收费") == "学校乱收费"
    assert without_landmarks("北辰街道万盛小区3栋楼道漏水") == "北辰街道万盛小区3栋楼道漏水"


def test_a_name_said_as_who_one_is():
    assert intake.name_in("我是陈晓梅 电话18228634409 公司在广福街道兴广路") == "陈晓梅"
    assert intake.name_in("我是白市镇") is None and intake.name_in("我是万盛的") is None
    assert intake.name_in("我是广安人") is None


def test_changing_ones_mind_is_no_cancel():
    assert intake.cancel_with_rest("算了 还是留一个 13882617720 有结果跟我说一声") is None
    assert intake.cancel_with_rest("算了") == ""


def test_the_summary_shows_the_category_the_ticket_gets():
    # a danger is a call for help: the summary must not say 投诉 and the ticket 求助
    story = "车里头有个娃儿一直在哭 大人不在 车是锁起的 这个应该找商场物业还是找哪个"
    assert intake.category_for(story, "complain") == "求助"
    assert intake.category_for("楼下烧烤店太吵了", "complain") == "投诉"


def test_the_kind_of_matter_can_be_changed_midway():
    from bot.tickets.classify import category_of

    assert intake.recategorizes("哦 也不算投诉哈 不是投诉 是建议 建议在空地修个小公园")
    assert intake.recategorizes("改成表扬") and not intake.recategorizes("我要投诉楼下烧烤店")
    told = "我要投诉 这边连个公园都没得；哦 也不算投诉哈 不是投诉 是建议 建议在空地修个小公园"
    assert category_of(told, "complain") == "建议"
    assert category_of("我要投诉楼下烧烤店油烟", None) == "投诉"


def test_a_landline_is_noted_not_taken_for_a_mobile():
    assert intake.landline_in("我没得手机 只有座机 0826-2123456") == "0826-2123456"
    assert intake.landline_in("座机08262123456") == "0826-2123456"
    # a mobile, a case number, a date and a request number are no landline
    for text in ("13981234567", "GAQ20251103000217", "2026-01-29", "YSQ2025-0001", "不留"):
        assert intake.landline_in(text) is None, text


def test_a_matter_about_the_handling_of_an_item_names_the_item_asked_before():
    """"窗口跑了三趟 每次都说差东西" right after asking about 营业执照: the handler needs to know which
    item; a noise complaint after a procedure question gets nothing added."""
    from bot.tickets.intake import with_item_asked

    item = "个体工商户设立登记（办营业执照）"
    told = with_item_asked("我就是按照网上说的带的 在区政务服务中心窗口跑了三趟了 每次都说差东西", item)
    assert told.endswith("（此前咨询的事项：个体工商户设立登记（办营业执照））")
    assert with_item_asked("楼上天天半夜吵得睡不着", item) == "楼上天天半夜吵得睡不着"
    assert with_item_asked("营业执照办了三趟都没办成", "营业执照") == "营业执照办了三趟都没办成"
    assert with_item_asked(None, item) is None and with_item_asked("窗口态度差", None) == "窗口态度差"


def test_a_story_saying_the_property_was_no_use_is_still_the_story():
    """"物业说了也没用" inside a long story is part of it (the form must not ask for the problem again);
    "没用，还是没解决" on its own says an answer did not help."""
    from bot.tickets.intake import reusable_description

    story = ("我们楼道头好多家把电瓶车推到楼道头充电 插线板从窗子拉出来 晚上一排排的充 "
             "新闻上都看到好多烧死人的 物业说了也没用 北辰街道阳光小区8栋")
    assert reusable_description(story) == story
    assert reusable_description("没用，还是没解决") is None and reusable_description("你说的这些对我没用") is None


@pytest.mark.parametrize("text, question", [
    ("晚上打得通不", True), ("办好了没", True), ("有补贴没得", True), ("北辰街道万盛小区3栋", False),
    ("不留", False), ("我姓唐", False),
])
def test_dialect_question_endings(text, question):
    assert intake.is_question(text) is question


@pytest.mark.parametrize("text, refused", [
    ("不知道", True),
    ("记不到了", True),
    ("电话我记不到了", True),
    ("我没得手机 用的老人机 号码记不到", True),
    # a "不晓得" inside more of the story declines nothing
    ("我的一卡通是农商行的 村上会计说他不晓得 喊我自己问 你帮我查一哈嘛", False),
    ("车牌好像是川X 0 6 2 1几 记不到了 是个姓张的师傅 三十多岁", False),
])
def test_a_no_value_answer_declines_only_when_it_is_the_answer(text, refused):
    assert intake.refuses(text, "phone", asked=True) is refused


def test_how_long_asked_inside_the_form_is_about_this_matter():
    assert intake.asks_about_processing("你们能不能帮我们把钱要回来 要好久嘛")
    assert intake.asks_about_processing("这个要多久")
    assert not intake.asks_about_processing("要好久才走得到医院")
    assert intake.is_question("法律不是说可以赔十倍嘛")


@pytest.mark.parametrize("text, place", [
    ("投诉御景湾小区的物业 中桥街道那个 垃圾三四天不收", "中桥街道御景湾小区"),   # the division said after
    ("万盛小区3栋 北辰街道的", "北辰街道万盛小区3栋"),
    ("我们锦绣苑3栋的电梯坏了", "锦绣苑3栋"),                                 # estates named without 小区
])
def test_places_named_the_way_estates_and_divisions_are_said(text, place):
    assert place_in(text) == place


def test_an_estate_name_without_a_place_word_is_kept():
    assert "翰林华府二期" in place_in("在广福街道那边修小区 叫啥子 翰林华府二期 包工头姓刘 欠我们十几个人")


def test_a_time_said_before_a_place_is_no_part_of_it():
    assert place_in("昨天晚上万盛小区门口有人打架") == "万盛小区门口"
    assert place_in("上个礼拜社区的小李帮我把低保办下来了") is None


def test_an_injury_told_to_ask_about_work_injury_is_no_alarm():
    assert emergency_in("我老汉在工地上干活摔了 腿断了 老板不认是工伤 咋个认定嘛") is None
    assert emergency_in("有人摔倒了流了好多血").kind == "injury"


def test_a_village_named_first_keeps_its_name_over_a_bare_group_said_later():
    assert "柏林村" in place_in("我是白市镇柏林村的退休村支书，反映一个事。我们村3组有个姓杨的，没得行医资格")


def test_a_factory_site_keeps_its_whole_name():
    assert place_in("我在协兴镇那个新修的厂房工地做了四个月 包工头姓刘") == "协兴镇那个新修的厂房工地"


# ---- h-tick4: places without place words, corrections of a part, stories before the form ----------

@pytest.mark.parametrize("text, place", [
    ("我住在滨江一号 3栋1单元1802", "滨江一号 3栋1单元1802"),   # the estate named before the unit, the room kept
    ("住在阳光水岸 5栋", "阳光水岸 5栋"),
    ("阳光丽景 枣山街道的 停水两天了 一点通知都没得", "枣山街道阳光丽景"),  # the estate said before its 街道
    ("广福街道农贸市场西门那个下水道堵了", "广福街道农贸市场西门"),         # a gate of a market places it
])
def test_places_named_without_a_place_word(text, place):
    assert place_in(text) == place


@pytest.mark.parametrize("text, place", [
    ("电梯坏了 3栋1单元", "3栋1单元"),           # "了" ends the story: nothing before the unit is a name
    ("老年人 枣山街道的", "枣山街道"),           # people are no estate
    ("你好 枣山街道的", "枣山街道"),
])
def test_words_before_a_unit_or_division_that_are_no_name(text, place):
    assert place_in(text) == place


def test_a_village_doctor_is_no_village():
    assert place_in("我们村的村医小何 对我们这些老年人好得很") is None


@pytest.mark.parametrize("old, text, new", [
    ("北辰街道锦绣花园5栋", "地址说错了 是7栋不是5栋 我住7栋", "北辰街道锦绣花园7栋"),
    ("广福街道农贸市场西门", "不对不对 是东门 不是西门 东门卖鱼那边", "广福街道农贸市场东门"),
    ("北辰街道万盛小区3栋", "不是3栋 是4栋2单元", "北辰街道万盛小区4栋2单元"),
])
def test_a_correction_replaces_the_part_it_names_in_either_order(old, text, new):
    from bot.tickets.places import corrected_place

    assert corrected_place(old, text) == new


def test_a_long_story_does_not_add_the_places_it_passes_to_the_place():
    from bot.tickets.places import place_said_later

    assert place_said_later("送我到镇上医院", "井河镇柏林村", add=False) is None
    assert place_said_later("卫生院隔壁", "彭家乡场镇上的垃圾站") == "彭家乡场镇上的垃圾站，卫生院隔壁"


def test_a_feared_collapse_is_no_emergency():
    assert emergency_in("我们楼顶楼那家在楼顶上搭棚子 砌砖 楼板都在响 怕把楼压垮了") is None
    assert emergency_in("担心会把房子压垮了") is None
    assert emergency_in("隔壁的房子垮了 有人在里头").kind == "landslide"


@pytest.mark.parametrize("question, story, said", [
    # the complaint names no matter of its own: the question asked just before is what it is about
    ("我去社区申请低保 那个工作人员说我有个儿子就不能申请 连表都不给我 这个合理不",
     "我儿子自己都打零工养不活 她态度还凶得很 我要投诉她 我住北辰街道桂花社区", "低保"),
    ("耕地地力保护补贴是咋个发的 打到哪个卡上",
     "我们井河镇清泉村4组好几家人今年都没领到 问村上 村上说被扣了 我要反映", "补贴"),
])
def test_the_question_before_a_complaint_that_names_no_matter_is_part_of_the_story(question, story, said):
    d = intake.description_from_messages([{"text": question, "intent": "ask_procedure"},
                                          {"text": story, "intent": "complain"}])
    assert said in d and d.endswith(story)


def test_a_complaint_that_names_its_own_matter_leaves_the_question_before_out():
    d = intake.description_from_messages([{"text": "结婚登记要带什么材料", "intent": "ask_procedure"},
                                          {"text": "楼下烧烤店天天晚上吵得睡不着 我要投诉", "intent": "complain"}])
    assert d == "楼下烧烤店天天晚上吵得睡不着 我要投诉"


def test_the_item_context_comes_off_for_the_citizens_own_words():
    told = intake.with_item_asked("窗口工作人员态度差", "政府信息公开申请（依申请公开）")
    assert intake.without_item_context(told + "；后来又说") == "窗口工作人员态度差；后来又说"


@pytest.mark.parametrize("text, asks", [
    ("这个归派出所还是城管嘛", True), ("找物业还是找社区", True), ("归哪个管", True),
    ("找了好几次还是没人管", False), ("是不是还是要等", False), ("找社区还是不行", False),
])
def test_asking_which_of_two_departments_asks_who_handles_it(text, asks):
    from bot.tickets import replies

    assert bool(replies._WHO.search(text)) == asks


def test_someone_elses_number_unknown_declines_nothing():
    assert not intake.refuses("燃气公司电话我不晓得，你帮我登记一下，让人快点来", "phone", asked=True)
    assert intake.refuses("电话我记不到了", "phone", asked=True)


def test_a_homophone_in_the_description_gets_the_word_meant_beside_it():
    assert intake.with_terms_meant("我的滴保咋个突然就莫得了") == "我的滴保（低保）咋个突然就莫得了"
    assert intake.with_terms_meant("我的滴保（低保）咋个") == "我的滴保（低保）咋个"  # once only
    assert intake.with_terms_meant("有人证物证") == "有人证物证"  # 认证 names no matter of the catalog


def test_a_name_in_traditional_characters_said_of_someone_else():
    assert intake.name_in("我想表揚龍安鄉社保所的一位工作人員，姓蔣的小伙子") is None
    assert intake.name_in("電話可以留，13308267750，姓王。") == "王"


def test_the_story_comes_back_after_giving_up_and_keeps_its_reading():
    messages = [{"text": "我屋是土墙房子 这几天下雨 房顶漏得凶 墙也裂了条缝", "intent": "seek_help"},
                {"text": "算了算了 不登记了 麻烦得很 儿子过年回来再说", "intent": "deny"},
                {"text": "还是登记嘛 晚上睡起都怕 墙裂得越来越大了", "intent": "complain"}]
    assert intake.description_from_messages(messages) == \
        "我屋是土墙房子 这几天下雨 房顶漏得凶 墙也裂了条缝；还是登记嘛 晚上睡起都怕 墙裂得越来越大了"
    assert intake.intent_come_back_to(messages) == "seek_help"
    # a new matter after a cancel does not take the cancelled one in
    new = [messages[0], messages[1], {"text": "我要投诉楼下烧烤店油烟大得很", "intent": "complain"}]
    assert intake.description_from_messages(new) == "我要投诉楼下烧烤店油烟大得很"
    assert intake.intent_come_back_to(new) is None


def test_a_message_that_says_which_one_goes_on_with_the_one_before():
    messages = [{"text": "我们龙台到城头的那个班车 这个月说不开了 老年人咋个办嘛", "intent": "ticket_status"},
                {"text": "就是从龙台镇场口发车那趟 以前早上七点半一班", "intent": "complain"}]
    assert intake.description_from_messages(messages) == \
        "我们龙台到城头的那个班车 这个月说不开了 老年人咋个办嘛；就是从龙台镇场口发车那趟 以前早上七点半一班"


def test_hyperbole_about_the_heart_is_no_heart_attack():
    assert emergency_in("隔壁工地天天晚上十一二点还在打桩 吵得我心脏病都要犯了") is None
    assert emergency_in("我老汉心脏病犯了 喘不过气").kind == "heart_attack"
    assert intake.name_in("我想表扬石笋镇卫生院的刘医生 我妈半夜发病") is None


def test_every_emergency_kind_has_a_label_for_the_handler():
    from bot.tickets.emergency import emergencies
    from bot.tickets.replies import with_emergency_label

    assert all(e.label for e in emergencies())
    assert with_emergency_label("线吊下来冒火花", "电线断落、触电危险") == "【紧急：电线断落、触电危险】线吊下来冒火花"
    assert with_emergency_label("【紧急：火灾】楼下着火", "火灾") == "【紧急：火灾】楼下着火"


@pytest.mark.parametrize("text, place", [
    ("小区是枣山街道金桂园 物业叫恒安物业 我要投诉", "枣山街道金桂园"), ("广福街道翡翠城", "广福街道翡翠城"),
    ("北辰街道阳光丽景 停水", "北辰街道阳光丽景"),
    # what is said about a division is no estate
    ("万盛街道好多垃圾", "万盛街道"), ("我是北辰街道居民", "北辰街道"), ("北辰街道太吵了", "北辰街道"),
    ("枣山街道停水两天了", "枣山街道"),
])
def test_an_estate_named_right_after_its_division(text, place):
    assert place_in(text) == place


def test_whether_a_division_is_ours_is_answered():
    from bot.tickets.replies import side_answer

    assert side_answer("你们管得到白马乡不嘛？", None).startswith("管得到。白马乡属于广安区")
    assert side_answer("白马乡石板村4组", None) is None
    assert side_answer("你们管不管嘛", None).startswith("管的")


def test_a_name_written_in_traditional_characters_is_kept_in_simplified():
    assert intake.name_in("電話13881234567，姓黃") == "黄"
    assert intake.name_in("我叫陳曉梅") == "陈晓梅"


# ---- h-route7: places in the shapes people give them; coming back after "算了" -------------------------

@pytest.mark.parametrize("text, place", [
    # an estate the gazetteer does not know, named right after its 街道 and ending the clause
    ("小区是北辰街道阳光丽景，那条狗天天放出来 好多人都怕", "北辰街道阳光丽景"),
    # a landmark on a road, named by "…那个弯道"
    ("穿石镇到大龙镇那条路 观音岩那个弯道，有根电线杆歪了", "穿石镇到大龙镇那条路 观音岩那个弯道"),
    # a shop that is a property agency, named after its 街道
    ("押金不退 我在北辰街道安居房产中介租的房子", "北辰街道安居房产中介"),
    # where the citizen was is the place; where they were going is not
    ("我在广安站出站口排队上车，司机问我去哪，我说去龙安乡，他说太远不去", "广安站出站口"),
    # an estate said by what it is, then by its name
    ("恒升镇那边新修的安置小区幸福里，住了两三千人", "恒升镇那边新修的安置小区幸福里"),
    # where along a road: the landmark passed and the distance from it
    ("协兴镇往浓溪镇那条路上有个大坑 过了中石化加油站大概两百米 我电瓶车昨晚上直接栽进去",
     "协兴镇往浓溪镇那条路，过了中石化加油站大概两百米"),
])
def test_places_in_the_shapes_people_give_them(text, place):
    assert place_in(text) == place


@pytest.mark.parametrize("text, place", [
    ("我在北辰街道上班，老板不发工资", "北辰街道"),     # a doing after the 街道 is no estate
    ("北辰街道那边，停水了", "北辰街道"),
    ("恒升镇新修的安置小区物业，不管事", "恒升镇新修的安置小区"),  # the estate's people are no name
    ("就在体育馆背后嘛 你们不晓得体育馆啊 广安体育馆 浓洄那边的", "浓洄街道体育馆背后"),  # a division is no landmark
    ("我在政务服务中心办事，他们说去北辰街道办", "政务服务中心"),  # the office sent to is not where it happened
])
def test_what_is_not_a_place_after_a_place(text, place):
    assert place_in(text) == place


def test_a_service_window_number_is_no_address():
    assert place_in("我要投诉她 窗口是12号") is None
    assert place_in("12号窗口那个人态度差") is None
    assert place_in("万盛小区12号") == "万盛小区12号"


def test_the_story_comes_back_when_the_change_of_mind_names_the_kind_of_matter():
    messages = [{"text": "我要投诉我们小区物业，电梯坏了半个月都不修", "intent": "complain"},
                {"text": "算了算了，投诉了也没用", "intent": "deny"},
                {"text": "想了一下还是要投诉，不然屋头老人上下楼太恼火了，广福街道锦江花园6栋，18楼", "intent": "complain"}]
    assert "电梯" in intake.description_from_messages(messages)
    assert intake.intent_come_back_to(messages) == "complain"
    assert intake.cancel_with_rest("算了 我还是想反映一下") is None  # changing one's mind cancels nothing


def test_a_name_after_where_one_lives_and_as_whom():
    assert intake.name_in("我是枣山街道阳光丽景2栋的业主刘建华 电话15982203344") == "刘建华"
    assert intake.name_in("我是北辰街道金安小区的业主 楼上漏水") is None
