"""bot.privacy.anonymize_text, the removal of personal data before publication (外网公开反馈):
hostile samples one by one, what must stay readable, and a fuzz of real-shaped personal data."""
import random

import pytest

from bot import privacy
from bot.privacy import anonymize_text, personal_data_in


@pytest.mark.parametrize("text, gone", [
    # names: after markers, with titles, told surnames, nicknames, compound surnames
    ("我叫张三丰，小区电梯坏了", ["张三丰"]),
    ("联系人：欧阳娜娜，请尽快处理", ["欧阳娜娜", "娜娜"]),
    ("姓名：王五", ["王五"]),
    ("网格员刘小明说下周来修", ["刘小明"]),
    ("业主张伟，反映楼上漏水", ["张伟"]),
    ("经办人：陈某某，电话0826-2345678", ["陈某某", "2345678"]),
    ("我是李建国，家住幸福小区", ["李建国"]),
    ("王先生反映路灯不亮", ["王先生"]),
    ("楼上的赵大妈天天跳广场舞", ["赵大妈"]),
    ("隔壁老王天天吵", ["老王"]),
    ("我姓黄，想问一下", ["姓黄"]),
    ("本人李四，投诉某公司", ["李四"]),
    ("工作人员孙丽已上门核实", ["孙丽"]),
    # phones: mobiles and landlines as people write them, also full-width and in Chinese digits
    ("电话13912345678", ["13912345678", "5678"]),
    ("手机 139 1234 5678 随时打", ["1234", "5678"]),
    ("手机139-1234-5678", ["1234-5678"]),
    ("+86 13912345678", ["13912345678"]),
    ("１３９１２３４５６７８", ["５６７８", "5678"]),
    ("幺三九一二三四五六七八", ["五六七八"]),
    ("座机028-85551234", ["85551234", "1234"]),
    ("(028)85551234", ["85551234"]),
    # ID numbers, 18 and 15 digits, with X
    ("身份证号51160219900101123X", ["51160219900101123X", "123X"]),
    ("身份证 511602 19900101 123x", ["19900101", "123x"]),
    ("老身份证511602900101123", ["511602900101123"]),
    # house numbers
    ("住幸福小区3栋2单元501室", ["3栋", "2单元", "501"]),
    ("家住5号楼1单元302", ["5号楼", "302"]),
    ("滨河路128号", ["128号"]),
    ("B座1203的住户", ["1203"]),
    ("2-3-501漏水", ["2-3-501"]),
    ("枣山街道7组12号", ["12号"]),
    # licence plates, blue and new-energy, with the separators people type
    ("车牌川A·12345的车占道", ["川A·12345", "12345"]),
    ("川AD12345停在消防通道", ["D12345"]),
    ("川 A 5B6C7 天天乱停", ["5B6C7"]),
    ("渝B12345学", ["12345"]),
    # e-mail
    ("回复到 zhangsan@qq.com", ["zhangsan"]),
])
def test_hostile_samples_lose_their_personal_data(text, gone):
    out = anonymize_text(text)
    for piece in gone:
        assert piece not in out, (text, out)
    assert personal_data_in(text)


@pytest.mark.parametrize("text", [
    "12月5号来的人说下周修", "5号之前处理完", "坐1号线到市政府", "2026-12-07上午", "金额1200000元",
    "涉及200户居民", "请工作人员联系我", "工作人员高度重视", "这位女士说得对", "我和先生都在家",
    "市民反映小区路灯不亮", "热线12345", "一小时内", "国办发〔2024〕第3号", "小区门口的垃圾桶满了",
])
def test_ordinary_text_stays_readable(text):
    assert anonymize_text(text) == text
    assert not personal_data_in(text)


def test_known_values_are_removed_wherever_they_appear():
    out = anonymize_text("刘德华说他的电话是13800138000，请找刘德华", known=["刘德华", "13800138000"])
    assert "刘德华" not in out and "13800138000" not in out and out.count(privacy.REDACTED["name"]) == 2


def test_anonymised_text_is_stable():
    once = anonymize_text("我叫张三丰，电话13912345678，住3栋2单元501室，车牌川A12345")
    assert anonymize_text(once) == once and not personal_data_in(once)


# ---- fuzz: real-shaped personal data in real-shaped sentences ------------------------------------

_SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬斌浩凯鹏辉宇轩梓涵睿博文"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _id_number(rng: random.Random) -> str:
    body = f"{rng.choice(['511602', '110105', '510104', '500101'])}{rng.randint(1950, 2005)}" \
           f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


def _phone(rng: random.Random) -> str:
    number = rng.choice(["13", "15", "17", "18", "19"]) + "".join(str(rng.randint(0, 9)) for _ in range(9))
    style = rng.randint(0, 3)
    if style == 1:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == 2:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if style == 3:
        return f"0826-{rng.randint(2000000, 8999999)}"
    return number


def _plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = "".join(rng.choice(letters + "0123456789") for _ in range(rng.choice([5, 6])))
    return rng.choice(_PROVINCES) + rng.choice(letters) + rng.choice(["", "·", " "]) + tail


def _house(rng: random.Random) -> str:
    return rng.choice([f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 33)}0{rng.randint(1, 4)}室",
                       f"{rng.randint(1, 20)}号楼{rng.randint(1, 4)}单元{rng.randint(101, 2604)}",
                       f"{rng.randint(1, 300)}号", f"{rng.randint(1, 9)}-{rng.randint(1, 6)}-{rng.randint(101, 1802)}"])


_TEMPLATES = (
    "我叫{name}，电话{phone}，住幸福小区{house}，楼上漏水半个月了。",
    "联系人：{name}，身份证{id}，车牌{plate}被贴了罚单，想申诉。",
    "{name}反映：{plate}长期占用消防通道，家住{house}，手机{phone}。",
    "业主{name}，{house}，电话{phone}，物业不修电梯。",
    "经核实，我局工作人员{name}已于当日上门，请拨打{phone}联系，身份证号{id}已登记。",
    "姓名：{name}\n身份证：{id}\n地址：滨河路{house}\n电话：{phone}",
    "{surname}先生（{phone}）反映{plate}噪音扰民，住{house}。",
    "网格员{name}每日巡查，民警{name}到场处置，请拨{phone}。",
    "工作人员{name}当天答复：{plate}已拖移。联系人{name}，{house}。",
    "承办人{name}告知，{house}的问题已转物业，{name}表示满意。",
)


def test_fuzz_no_personal_data_survives():
    rng = random.Random(20261207)
    for _ in range(400):
        surname = rng.choice(_SURNAMES)
        given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice([1, 2])))
        values = {"name": surname + given, "surname": surname, "phone": _phone(rng), "id": _id_number(rng),
                  "plate": _plate(rng), "house": _house(rng)}
        text = rng.choice(_TEMPLATES).format(**values)
        out = anonymize_text(text)
        used = [k for k in ("name", "phone", "id", "plate", "house") if "{" + k + "}" in text or values[k] in text]
        for key in used:
            value = values[key]
            assert value not in out, (key, value, text, out)
        digits_out = "".join(c for c in out if c.isdigit())
        for key in ("phone", "id"):
            if key in used:  # not even the digits with the separators taken out
                assert "".join(c for c in values[key] if c.isdigit()) not in digits_out, (text, out)
        if f"{surname}先生" in text:
            assert f"{surname}先生" not in out


@pytest.mark.parametrize("text, expected", [
    ("王先生反映路灯不亮，陈某也说了", "某先生反映路灯不亮，某某也说了"),
    ("隔壁老王的狗，小李说", "隔壁老某的狗，小某说"),
    ("我姓黄，他姓欧阳", "我姓某，他姓某"),
    ("联系人：欧阳娜娜，申请人李四", "联系人：［姓名］，申请人［姓名］"),
    ("联系人：市民", "联系人：市民"),
    ("网格员刘小明说", "网格员［姓名］说"),
    ("编号1234567", "编号［号码］"), ("编号123456", "编号123456"),
    ("川A·12345", "［车牌号］"), ("3栋2单元501室", "［门牌号］"),
    ("", ""), (None, ""),
])
def test_exact_replacements(text, expected):
    assert anonymize_text(text) == expected


def test_known_values_exactly():
    assert anonymize_text("张三丰、13800138000、A", known=["张三丰", "13800138000", "A", "", None]) == "［姓名］、［号码］、A"
    # the longest known value first: a name inside a longer one does not leave a tail
    assert anonymize_text("欧阳明华来了", known=["欧阳明", "欧阳明华"]) == "［姓名］来了"
    assert anonymize_text("三丰张三来了", known=["张三", "三丰张三"]) == "［姓名］来了"
    assert anonymize_text("A1B2来电", known=["A1B2"]) == "［姓名］来电"
    assert anonymize_text("张三来电", known=["张三"]) == "［姓名］来电"   # two characters are a name
    assert personal_data_in("刘德华来了", known=["刘德华"]) and not personal_data_in("路灯不亮", known=["刘德华"])
