"""Classification (category, urgency) and department routing."""
import pytest

from bot.tickets import classify
from bot.tickets.routing import Example, Router, build_router


@pytest.mark.parametrize("text", [
    "楼道里一股很大的煤气味，是不是燃气泄漏了", "家里天然气漏气了", "我妈妈走失了，到现在还没找到",
    "整栋楼停水一天了", "整个小区停暖三天了，家里有老人", "路口的井盖丢失了，晚上很危险", "马路上没有井盖",
])
def test_urgent_requests(text):
    c = classify.classify(text)
    assert c.urgent and c.urgent_reason
    assert c.category != "咨询"


@pytest.mark.parametrize("text", ["社保卡怎么补办", "建议增设公交站", "楼上装修太吵", "家里水龙头坏了",
                                  "摆摊把消防通道都堵死了 万一着火车都进不来",
                                  # a railing giving way is a repair, no collapse; an outage without a word of
                                  # scale is no flood (bot.tickets.emergency)
                                  "桥上的护栏垮塌了", "我们组自来水停了三天 一滴水都没得 说是管子爆了"])
def test_not_urgent(text):
    assert not classify.classify(text).urgent


@pytest.mark.parametrize("intent, text, category", [
    ("complain", "物业不修电梯", "投诉"), ("report", "有人偷排污水", "举报"), ("suggest", "增加公交线路", "建议"),
    ("seek_help", "老人摔倒了", "求助"), ("praise", "社区工作人员很负责", "表扬"),
    (None, "我要举报一家黑作坊", "举报"), (None, "感谢派出所民警帮我找回钱包", "表扬"),
    (None, "建议在小区门口增设红绿灯", "建议"), (None, "请问办居住证要什么材料", "咨询"),
    (None, "投诉出租车拒载", "投诉"), (None, "邻居家漏水到我家，怎么办", "求助"),
    # a wrong done by someone is a complaint or report whatever the classifier read
    ("seek_help", "我们这条街卖菜的把路都占完了 车子过不去", "投诉"),
    ("seek_help", "敬老院有个护工打老人 我看到好几回了", "举报"),
    ("suggest", "电梯坏了两个月，物业一直说在等配件", "投诉"),
    # an emergency is never a mere question or suggestion
    ("suggest", "我孙孙不见了 在思源广场 穿红衣服", "求助"),
    ("report", "楼道头那个电表箱在冒烟 还有股焦臭", "求助"),
    (None, "我要举报 楼道电表箱在冒烟", "举报"),
    ("seek_help", "我们村一天只有早上一趟车进城 能不能多开两趟", "建议"),
    ("seek_help", "小区大门口天天有车乱停 消防通道都堵死了", "投诉"),
    # noise that keeps people awake is a complaint even when the classifier read a suggestion
    ("suggest", "思源广场每天晚上坝坝舞音响开得震天响 老人睡不着", "投诉"),
    ("suggest", "建议公园广场舞音响晚上九点后关小", "建议"),
    # nobody's wrongdoing is no report; a wrongdoing is, whatever the classifier read (#12)
    ("report", "学校门口好几条流浪狗 有个娃儿遭追起跑 希望有人来管一下", "求助"),
    ("seek_help", "屋后头山坡上有人乱砍树 好多棵柏树都砍了", "举报"),
    ("suggest", "村里的水泥路才修一年就全是坑 肯定是偷工减料", "举报"),
    ("seek_help", "塑料厂一到晚上就排黑烟 臭得很 刺鼻子", "投诉"),
    # the one complained about asks the rules: a question, not a complaint
    ("complain", "楼上住户天天打12345投诉我们噪音 我想问清楚几点到几点可以施工", "咨询"),
    (None, "我要投诉 邻居投诉我们家狗叫 物业就来罚款", "投诉"),
    ("complain", "我要投诉我们小区物业 电梯坏了二十多天了 这合法吗", "投诉"),
    # a trader who refuses the wrong or runs off with prepaid money is complained about
    ("seek_help", "在镇上农资店买的化肥 庄稼全烧死了 老板说不关他的事", "投诉"),
    ("seek_help", "美容院办的卡还有三千没用 老板卷款跑路了 麻烦帮我们反映下", "投诉"),
    ("seek_help", "给娃儿充了两千块的舞蹈课 上周突然关门了 电话也打不通", "投诉"),
    # an unlawful act against the public is reported, whatever the classifier read; a named kind stays
    ("complain", "我们组有个人没得行医资格 在屋头给人打吊针 这种无证行医太危险了", "举报"),
    ("suggest", "有老师周末在外面开补习班 不去补课就不管娃儿 希望教育局查一下", "举报"),
    ("complain", "我要投诉 隔壁茶楼天天聚众赌博 吵得睡不着", "投诉"),
    # a supply outage told without the word 停水 still asks for help
    (None, "我们组水停了两天了 没得水吃", "求助"),
    # a "report" reading of a nuisance with no word of an unlawful act is a complaint
    ("report", "我们楼下那个垃圾站天天臭得很 没人清", "投诉"),
    ("report", "隔壁那家人在屋头私自接电 还往外卖", "举报"),
    ("report", "小区里有人养鸡 天天打鸣 还臭", "投诉"),
    # cheated on weight or price, forced to buy: a complaint, though worded as a wish or a remark
    ("suggest", "楼下菜市场的秤有问题 买一斤只有八两 希望你们去查一下", "投诉"),
    ("out_of_scope", "学校强制学生买校服 一套三百多", "投诉"),
    ("seek_help", "我们小区有个人在屋头给人打针输液 没得行医资格的 楼上婆婆输了三天液起了一身疹子", "举报"),
])
def test_category(intent, text, category):
    assert classify.classify(text, intent).category == category


def test_router_returns_top3_with_scores():
    router = build_router()
    ranked = router.route("小区电梯坏了物业不修", k=3)
    assert len(ranked) == 3 and ranked[0][0] == "区住建局"
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1.0001
    assert router.route("   ") == []
    # Traditional characters are normalised first
    assert router.route("樓下燒烤店油煙太大")[0][0] == "区综合执法局"


def test_keywords_alone_route_when_there_is_no_training_data():
    router = Router([], {"区水务局": ("停水", "自来水"), "区住建局": ("物业",)})
    assert router.route("我家停水了")[0] == ("区水务局", 1.0)
    assert router.route("你好") == []


def test_keywords_complement_the_classifier():
    examples = [Example("电梯坏了", "区住建局"), Example("物业不管", "区住建局"),
                Example("路灯坏了", "区综合执法局"), Example("占道经营", "区综合执法局")]
    router = Router(examples, {"区水务局": ("停水",)})
    assert "区水务局" in [d for d, _ in router.route("停水了", k=3)]


def test_routing_accuracy_meets_the_target():
    from bench.routing import measure

    report = measure()
    assert report["requests"] >= 200 and report["departments"] >= 15
    # Just under the measured 0.920 / 0.986 with the dispatch catalog (the target is 0.85): a real
    # regression fails.
    assert report["top1"] >= 0.90 and report["top3"] >= 0.97, (report["top1"], report["top3"])


# ---- h-tick4: matters the catalog missed, landmarks, the item asked before ---------------------------

@pytest.fixture(scope="module")
def real_router():
    return build_router()


@pytest.mark.parametrize("text, department", [
    # a shop's loudspeaker playing all day: commercial noise
    ("人民路那个鞋城门口的喇叭 天天循环放 清仓大甩卖最后三天 娃娃午觉都睡不着", "区综合执法局"),
    # the boss keeps the last month's pay of someone who quit
    ("我在一家火锅店上班 上个月辞职了 老板到现在都不把最后一个月工资给我", "区人社局"),
    # a traffic light asked for near a school: the school only says where
    ("建议在万福路和学府路的十字路口装个红绿灯 那里挨到实验学校 车子开得飞快", "区公安分局"),
    # praise of a sanitation worker who found a wallet with an ID card in it
    ("我要表扬一个环卫工人 我把钱包掉了 里头有身份证 银行卡 是个扫地的师傅捡到的 一直在原地等我", "区综合执法局"),
    ("举报一下 我们楼顶楼那家在楼顶上搭棚子 砌砖 要修个房子出来", "区综合执法局"),
])
def test_requests_route_confidently_to_the_department(real_router, text, department):
    from bot.tickets.service import AUTO_DISPATCH_MIN_SCORE

    top = real_router.route(text, k=1)[0]
    assert top[0] == department and top[1] >= AUTO_DISPATCH_MIN_SCORE


def test_the_item_asked_before_does_not_outweigh_the_complaints_own_words(real_router):
    own = "我去社区申请低保 那个工作人员说我有个儿子就不能申请；她态度还凶得很 我要投诉她"
    assert real_router.route(own + "（此前咨询的事项：政府信息公开申请（依申请公开））", k=1)[0][0] == "区民政局"
    # words that name no matter still lean on the item
    vague = "那个人态度还凶得很 我要投诉她"
    assert real_router.route(vague + "（此前咨询的事项：政府信息公开申请（依申请公开））", k=1)[0][0] == "区政府办"


def test_a_voice_input_homophone_is_routed_as_the_word_meant():
    # "滴保" is 低保 (knowledge/synonyms.yml typos): the router reads the word meant
    ranked = build_router().route("我的滴保咋个突然就莫得了 也没人来通知我")
    assert ranked[0][0] == "区民政局" and ranked[0][1] >= 0.35


def test_a_blocked_fire_lane_in_an_estate_is_not_demoted_by_an_ambulance_that_stopped():
    # "小区消防通道" is inside the estate (no road parking), and "120…停了十几分钟" is no car parked there
    ranked = build_router().route("我们小区消防通道天天被私家车堵起 物业说管不了；"
                                  "上次有个老人要送医院 120都开不进来 在外头停了十几分钟")
    assert ranked[0][0] in ("区消防大队", "区住建局") and ranked[0][1] >= 0.35


@pytest.mark.parametrize("intent, text, category", [
    # a question that tells no problem reports nobody, whatever the classifier read
    ("report", "耕地地力保护补贴今年发了没有哦？", "咨询"),
    ("report", "有人在河里电鱼 能不能管一下", "举报"),
])
def test_a_question_read_as_a_report(intent, text, category):
    assert classify.classify(text, intent).category == category


# ---- h-route7: the place routed with the matter; subsidies paid onto the 社保卡 ----------------------------

def test_the_place_of_a_ticket_tells_a_village_matter_from_a_town_one(real_router):
    from bot.tickets.routing import routed_text
    from bot.tickets.service import AUTO_DISPATCH_MIN_SCORE

    garbage = "我们那点垃圾池子堆满了 半个多月没人来拉 臭得很 苍蝇蚊子到处是"
    top = real_router.route(routed_text(garbage, "协兴镇青杠村，3组"), k=1)[0]
    assert top[0] == "区农业农村局" and top[1] >= AUTO_DISPATCH_MIN_SCORE
    assert routed_text(garbage, None) == garbage
    assert routed_text("万盛小区门口垃圾没人收", "万盛小区门口") == "万盛小区门口垃圾没人收"  # said already


def test_the_village_is_routed_with_the_matter_only_when_it_makes_the_router_surer(real_router):
    from bot.tickets.routing import suggest_for

    garbage = "我们那点垃圾池子堆满了 半个多月没人来拉 臭得很 苍蝇蚊子到处是"
    placed = suggest_for(real_router, garbage, "协兴镇青杠村，3组")
    assert placed[0].department == "区农业农村局"
    assert placed[0].score >= real_router.suggest(garbage)[0].score
    for description, location in (("邻居家的狗天天放出来 咬了好几个娃儿了", "白市镇石门村5组"),
                                  ("楼上天天半夜装修 吵得睡不着", "龙台镇新街村2组")):
        best = suggest_for(real_router, description, location)
        alone = real_router.suggest(description)
        assert best[0].score >= alone[0].score


@pytest.mark.parametrize("text, department", [
    ("种粮食那个补贴 今年我屋头没到 隔壁子都到了 我拿社保卡去银行一打 啥都没得", "区农业农村局"),
    ("社保卡丢了 补贴领不到", "区人社局"),            # the card itself is 人社's
    ("我的创业补贴没到社保卡上", "区人社局"),
])
def test_a_subsidy_paid_onto_the_social_security_card_is_the_subsidys_matter(real_router, text, department):
    assert real_router.route(text, k=1)[0][0] == department


def test_a_pothole_on_the_road_between_two_towns_is_a_county_roads(real_router):
    top = real_router.route("协兴镇往浓溪镇那条路上有个大坑 过了中石化加油站大概两百米 我电瓶车昨晚上直接栽进去", k=1)[0]
    assert top[0] == "区交通运输局"


@pytest.mark.parametrize("text", [
    "我们村出去那条路垮了一大截 车子都过不去了 今天早上有个三轮车差点翻下去",
    # the children who walk it to school only say who uses the road
    "我们青山村5组那条村道 前天晚上落大雨 路边垮了一大块 娃儿读书要走那条路 好危险哦",
])
def test_a_village_road_that_gave_way_is_the_road_departments(real_router, text):
    assert real_router.route(text, k=1)[0][0] == "区交通运输局"
