"""Demo data: deterministic files, seeded through the import, only into empty tables."""
from bot.approvals import demo
from bot.approvals.seed import seed_approvals
from bot.db import migrate


def test_demo_files_are_the_generator_output():
    rendered = demo.render()
    for name, text in rendered.items():
        assert (demo.demo_dir() / name).read_text(encoding="utf-8") == text, f"regenerate {name}"
    assert rendered == demo.render()  # deterministic


def test_seed_only_when_empty(migrated_db_url):
    assert seed_approvals(migrated_db_url) == 30 + 41 + 10
    assert seed_approvals(migrated_db_url) == 0


def test_seed_if_empty_registers_the_seeder(app_env):
    from bot.seed import SEEDERS, _load_seeders

    _load_seeders()
    assert "approvals" in [name for name, _ in SEEDERS]
    migrate.upgrade(app_env.database_url)
