"""Demo data: deterministic files, seeded through the import, only into empty tables."""
from bot.approvals.seed import seed_approvals
from bot.disclosure.seed import seed_disclosure
from bot.imports import demo


def test_demo_files_are_the_generator_output():
    rendered = demo.render()
    for name, text in rendered.items():
        assert (demo.demo_dir() / name).read_text(encoding="utf-8") == text, f"regenerate {name}"
    assert rendered == demo.render()  # deterministic


def test_seed_only_when_empty(migrated_db_url):
    assert seed_approvals(migrated_db_url) == 30 and seed_disclosure(migrated_db_url) == 41 + 10
    assert seed_approvals(migrated_db_url) == 0 and seed_disclosure(migrated_db_url) == 0


def test_seed_if_empty_seeds_the_demo_rows_once(app_env, capsys):
    """`make run`'s seeding: every registered seeder fills its tables, with the demo files' rows,
    and a second run adds nothing."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from bot.approvals.models import Application
    from bot.db import sync_engine
    from bot.disclosure.models import DisclosureEntry, DisclosureRequest
    from bot.seed import SEEDERS, seed_if_empty
    from bot.tickets.models import Ticket

    added = seed_if_empty(app_env.database_url)
    assert {"catalog", "approvals", "disclosure", "tickets"} <= {name for name, _ in SEEDERS}
    assert added["approvals"] == 30 and added["disclosure"] == 41 + 10
    assert added["catalog"] > 1000 and added["tickets"] > 0
    engine = sync_engine(app_env.database_url)
    try:
        with Session(engine, future=True) as s:
            def count(model):
                return s.execute(select(func.count()).select_from(model)).scalar_one()

            assert (count(Application), count(DisclosureEntry), count(DisclosureRequest)) == (30, 41, 10)
            assert count(Ticket) >= 4
            first = s.execute(select(Application).order_by(Application.application_no)).scalars().first()
            assert (demo.demo_dir() / "approvals.jsonl").read_text(encoding="utf-8").count(first.application_no) == 1
    finally:
        engine.dispose()
    assert set(seed_if_empty(app_env.database_url).values()) == {0}
    capsys.readouterr()
