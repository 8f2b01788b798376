"""`make mutate`'s bookkeeping (bench/mutation.py): per-module counts from mutmut's results and the
rule that survivors never go up."""
from bench.mutation import increases, module_of, parse_results, table

RESULTS = """
    bot.calendar.x__one_date__mutmut_1: killed
    bot.calendar.xǁCoverageǁto_json__mutmut_3: survived
    bot.tickets.sla.x_limit_fraction__mutmut_2: survived
    bot.tickets.sla.x_iso__mutmut_1: no tests
    bot.audit.trail.x_append__mutmut_7: timeout
"""


def test_counts_per_module():
    assert module_of("bot.calendar.xǁCoverageǁto_json__mutmut_3") == "bot.calendar"
    assert module_of("bot.tickets.sla.x_iso__mutmut_1") == "bot.tickets.sla"
    counts = parse_results(RESULTS)
    assert counts["bot.calendar"] == {"killed": 1, "survived": 1, "no_tests": 0, "timeout": 0, "total": 2}
    assert counts["bot.tickets.sla"]["no_tests"] == 1 and counts["bot.audit.trail"]["timeout"] == 1
    assert counts["bot.privacy"]["total"] == 0
    assert "| `bot.calendar` | 2 | 1 | 1 | 0 | 0 |" in table({"modules": counts})


def test_survivors_may_go_down_never_up():
    before = {"modules": parse_results(RESULTS)}
    fewer = parse_results(RESULTS.replace("to_json__mutmut_3: survived", "to_json__mutmut_3: killed"))
    assert increases(before, {"modules": fewer}) == []
    more = parse_results(RESULTS + "    bot.privacy.x_mask__mutmut_9: survived\n")
    assert increases(before, {"modules": more}) == ["bot.privacy: 0 → 1 surviving mutants"]
    assert increases(None, {"modules": more}) == []
