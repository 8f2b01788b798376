"""Hot-issue grouping (热点问题 / 一事多诉) measured on a seeded month of tickets with known events.

:func:`seeded_month` writes a deterministic month (random.Random(seed)) of real-style requests:
events (one problem at one place, several citizens over 1–4 days, each in their own words and
their own way of naming the place), the distractors that make grouping hard (the same problem at
another place in the same week, another problem at the same place, the same problem at the same
place again three weeks later, vague messages full of filler words) and singletons. Every ticket
carries its true event id.

:func:`measure` groups them with bot.tickets.events.group and reports pairwise precision / recall
/ F1 (pairs of tickets put in one event vs pairs truly in one event), B-cubed precision / recall,
how many true events were found whole, and whether any title is made of a filler word.
`python -m bench.hot_issues` prints the JSON; `make bench` includes it ("Hot issues").

The texts were written for this generator, not taken from knowledge/eval/ or the routing sets.
"""
from __future__ import annotations

import itertools
import json
import random
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone

# (problem, urgent, texts with {p} for the place as the citizen names it)
PROBLEMS = {
    "drain": (False, ["{p}下水道堵了，污水冒出来臭得很", "{p}的下水道堵塞好几天了，污水外溢到路面上",
                      "{p}门口污水漫得到处都是，下水道堵死了没人管", "{p}下水道又堵了，污水管冒水，走路都没法走",
                      "反映一下{p}下水道堵塞的问题，污水外溢味道很大", "{p}那边的污水管堵了，污水冒到路上",
                      "我住{p}，楼下下水道堵起了，污水冒得满地都是"]),
    "gas": (True, ["{p}楼道里一股燃气味，怕是漏气了", "{p}闻到很大的天然气味，麻烦赶紧来看看",
                   "{p}燃气管道好像漏气了，味道很重", "{p}单元楼里煤气味很浓，好吓人", "{p}一股臭鸡蛋味，是不是燃气泄漏了"]),
    "bbq": (False, ["{p}楼下烧烤店油烟太大，窗户都打不开", "{p}那家烧烤摊油烟熏得人受不了",
                    "{p}露天烧烤每天晚上烟雾大，油烟全往楼上飘", "投诉{p}烧烤店的油烟直排，衣服都不敢晒",
                    "{p}夜宵烧烤店油烟扰民好久了"]),
    "dance": (False, ["{p}广场舞音响太大声，每天晚上吵到十点", "{p}跳广场舞的音乐开得震天响",
                      "{p}广场舞噪音扰民，老人小孩都睡不好", "{p}每天早上六点就有人跳广场舞放音响"]),
    "site": (False, ["{p}旁边工地半夜还在打桩，吵得睡不着", "{p}建筑工地夜间施工噪音太大",
                     "{p}工地晚上十二点还在浇混凝土", "{p}的工地连夜施工，吵得人心烦", "{p}附近工地施工噪声半夜都不停"]),
    "water": (False, ["{p}停水两天了也没有通知", "{p}又停水了，什么时候来水", "{p}没得水用了，已经一天了",
                      "{p}自来水停了，问了也不晓得好久来水", "{p}突然断水，做饭的水都没有"]),
    "lamp": (False, ["{p}的路灯坏了，晚上黑黢黢的", "{p}路灯不亮好几天了", "{p}那几盏路灯一直不亮，走夜路害怕",
                     "{p}路灯坏了没人修"]),
    "stall": (False, ["{p}夜市摊贩占道经营，车都过不去", "{p}晚上摆摊的把路都占完了，占道经营严重",
                      "{p}流动摊贩占道，堵得很", "{p}路边摊占道经营，行人只能走机动车道"]),
    "trash": (False, ["{p}垃圾堆了好几天没人清运，臭气熏天", "{p}垃圾桶满了没人收，垃圾遍地",
                      "{p}的垃圾站好久没清理了，蚊子苍蝇多", "{p}生活垃圾没人清运"]),
    "dogs": (False, ["{p}有几条流浪狗经常追人", "{p}流浪犬太多，小孩都不敢出门", "{p}流浪狗咬伤了人，没人管"]),
    "wage": (False, ["{p}那个工地老板拖欠我们工资三个月了", "在{p}的工地干活，包工头欠薪不给",
                     "{p}项目拖欠农民工工资，过年钱都拿不到"]),
}
# (division, site) as the gazetteer and citizens name them
PLACES = [("枣山街道", "幸福小区"), ("北辰街道", "万盛小区"), ("浓洄街道", "凯旋城小区"), ("协兴镇", "花园村"),
          ("花桥镇", "龙井村"), ("中桥街道", "滨河路"), ("广福街道", "金安小区"), ("万盛街道", "建设路"),
          ("官盛镇", "新街村"), ("枣山街道", "御景湾小区"), ("北辰街道", "康乐小区"), ("井河镇", "老街社区"),
          ("悦来镇", "石院村"), ("浓洄街道", "思源广场"), ("中桥街道", "中桥农贸市场"), ("兴平镇", "双河村")]
# Vague messages full of filler: no problem type, at most a place.
VAGUE = ["我要反映一下{p}的情况，半个月了都没人管", "{p}楼下那个事情你们到底管不管", "我们{p}的问题一直没解决，希望尽快处理",
         "请问{p}那个事情怎么办，一直拖着", "{p}这个情况已经好多天了，麻烦你们看一下", "你好，我是{p}的，想反映个问题"]


def _mention(rng: random.Random, division: str, site: str) -> tuple[str, str | None]:
    """How a citizen names the place: in the text (with or without the 街道, a building number) or
    in the location field."""
    unit = f"{rng.randint(1, 12)}栋" if site.endswith(("小区", "社区")) else ""
    style = rng.randrange(5)
    if style == 0:
        return division + site, None
    if style == 1:
        return site, None
    if style == 2:
        return f"{division}{site}{unit}", None
    if style == 3:
        return "我们这", f"{division}{site}{unit}"
    return f"{division}{site}", f"{site}{unit}" if unit else None


def seeded_month(seed: int = 15, start: datetime | None = None) -> list[dict]:
    """About 150 tickets over 30 days with their true event ids (``event``)."""
    rng = random.Random(seed)
    start = start or datetime(2026, 11, 1, 1, 0, tzinfo=timezone.utc)
    tickets: list[dict] = []
    phones = itertools.count(13900000001)
    event_ids = itertools.count(1)

    def add(problem: str | None, division: str, site: str, at: datetime, event: int, phone: str | None = None,
            text: str | None = None) -> None:
        place, location = _mention(rng, division, site)
        if text is None:
            text = rng.choice(PROBLEMS[problem][1]).format(p=place)
        else:
            text = text.format(p=place)
        tickets.append({"id": len(tickets) + 1, "ticket_no": f"T{len(tickets) + 1:04d}", "created_at": at,
                        "text": text, "location": location,
                        "urgent": PROBLEMS[problem][0] if problem else False,
                        "phone": phone or str(next(phones)), "event": event, "problem": problem,
                        "place": division + site})

    used: set = set()
    problems = list(PROBLEMS)
    # 14 events of 3–8 tickets, each a different (problem, place)
    events = []
    for _ in range(14):
        while True:
            problem, (division, site) = rng.choice(problems), rng.choice(PLACES)
            if (problem, site) not in used:
                break
        used.add((problem, site))
        eid = next(event_ids)
        first = start + timedelta(days=rng.uniform(0, 24), hours=rng.uniform(0, 10))
        span = rng.uniform(0.2, 3.5)
        n = rng.randint(3, 8)
        texts = rng.sample(PROBLEMS[problem][1], k=min(n, len(PROBLEMS[problem][1])))
        caller = None
        for i in range(n):
            at = first + timedelta(days=span * i / max(1, n - 1), minutes=rng.randint(0, 90))
            phone = caller if (i == n - 1 and caller and rng.random() < 0.5) else None  # one calls again
            add(problem, division, site, at, eid, phone=phone, text=texts[i % len(texts)])
            caller = caller or tickets[-1]["phone"]
        events.append((problem, division, site, first, span, eid))
    for problem, division, site, first, span, _ in events:
        # the same problem at another place that week (another event)
        other = rng.choice([p for p in PLACES if p[1] != site and (problem, p[1]) not in used])
        used.add((problem, other[1]))
        add(problem, *other, first + timedelta(hours=rng.uniform(1, 48)), next(event_ids))
        # another problem at the same place that week
        different = rng.choice([p for p in problems if p != problem and (p, site) not in used])
        used.add((different, site))
        add(different, division, site, first + timedelta(hours=rng.uniform(1, 48)), next(event_ids))
    for problem, division, site, first, span, _ in events[:4]:
        # the same problem at the same place again three weeks later: a new event
        again = first + timedelta(days=span + rng.uniform(9, 12))
        if again < start + timedelta(days=31):
            eid = next(event_ids)
            for i in range(2):
                add(problem, division, site, again + timedelta(hours=6 * i), eid)
    for _ in range(25):
        # singletons
        while True:
            problem, (division, site) = rng.choice(problems), rng.choice(PLACES)
            if (problem, site) not in used:
                break
        used.add((problem, site))
        add(problem, division, site, start + timedelta(days=rng.uniform(0, 29)), next(event_ids))
    vague_places = rng.sample(PLACES, 8)
    for division, site in vague_places:
        # vague messages: each its own matter
        add(None, division, site, start + timedelta(days=rng.uniform(0, 29)), next(event_ids),
            text=rng.choice(VAGUE))
    tickets.sort(key=lambda t: t["created_at"])
    return tickets


def _pairs(groups: dict) -> set:
    out = set()
    for members in groups.values():
        out.update(itertools.combinations(sorted(members), 2))
    return out


def measure(seed: int = 15) -> dict:
    from bot.tickets import events as ev

    tickets = seeded_month(seed)
    params = ev.load_params()
    items = [ev.Item(id=t["id"], ticket_no=t["ticket_no"], created_at=t["created_at"], text=t["text"],
                     location=t["location"], urgent=t["urgent"], citizen=t["phone"]) for t in tickets]
    t0 = time.perf_counter()
    groups = ev.group(items, params)
    ms = (time.perf_counter() - t0) * 1000
    predicted = {i: [m.id for m in g.items] for i, g in enumerate(groups)}
    truth: dict = defaultdict(list)
    for t in tickets:
        truth[t["event"]].append(t["id"])
    p_pairs, t_pairs = _pairs(predicted), _pairs(truth)
    tp = len(p_pairs & t_pairs)
    precision = tp / len(p_pairs) if p_pairs else 1.0
    recall = tp / len(t_pairs) if t_pairs else 1.0
    of_pred = {m: set(ms_) for ms_ in predicted.values() for m in ms_}
    of_true = {m: set(ms_) for ms_ in truth.values() for m in ms_}
    b_p = sum(len(of_pred[m] & of_true[m]) / len(of_pred[m]) for m in of_pred) / len(of_pred)
    b_r = sum(len(of_pred[m] & of_true[m]) / len(of_true[m]) for m in of_true) / len(of_true)
    true_events = [set(v) for v in truth.values() if len(v) >= params.min_tickets]
    found_whole = sum(1 for e in true_events if e in [set(v) for v in predicted.values()])
    hot = [g for g in groups if len(g.items) >= params.min_tickets]
    labels = [ev.problem_label(g, params) for g in hot]
    stop_labels = [lab for lab in labels if any(part in params.stopwords for part in lab.split("、"))]
    now = max(t["created_at"] for t in tickets) + timedelta(hours=1)
    top = sorted(hot, key=lambda g: -ev.heat(g, now, params))[:5]
    return {
        "tickets": len(tickets), "true_events": len(true_events), "events_found": len(hot),
        "pairwise": {"precision": round(precision, 3), "recall": round(recall, 3),
                     "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0},
        "bcubed": {"precision": round(b_p, 3), "recall": round(b_r, 3)},
        "true_events_found_whole": found_whole,
        "stopword_titles": stop_labels,
        "grouping_ms": round(ms, 1),
        "top_titles": [ev.title(g, params) for g in top],
    }


if __name__ == "__main__":
    print(json.dumps(measure(), ensure_ascii=False, indent=2))
