"""``hp-agent serve --workers N``: each process rebuilds its settings from what serve resolved."""

from __future__ import annotations

import gc

from hp_agent import cli
from hp_agent.config import Settings


def test_workers_flag_and_environment_handed_to_the_processes() -> None:
    args = cli.build_parser().parse_args(["serve", "--workers", "3", "--port", "8123"])
    assert args.workers == 3
    settings = Settings(
        environment="test",
        database_url="postgresql://hp@db:5432/hp",
        redis_url="redis://cache:6379/0",
        worker_in_process=True,
    )
    env = cli._serve_environment(settings)
    assert env == {
        "HP_DATABASE_URL": "postgresql://hp@db:5432/hp",
        "HP_REDIS_URL": "redis://cache:6379/0",
        "HP_WORKER_IN_PROCESS": "true",
    }
    assert (
        Settings(_env_file=None, **{k[3:].lower(): v for k, v in env.items()}).redis_url == settings.redis_url
    )


def test_warm_up_freezes_startup_objects() -> None:
    before = gc.get_threshold()
    try:
        cli.warm_up(load_engine=False)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == cli.GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
