"""``hp-agent``: serve, migrate, seed and create users.

Every command works on the embedded defaults: with ``HP_DATABASE_URL`` unset it starts
PostgreSQL from ``pgserver`` in ``HP_DATA_DIR`` first.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import logging
import os
import sys
from collections.abc import Sequence

from hp_agent.config import Settings, get_settings

log = logging.getLogger("hp_agent")
_local_stripe: object | None = None  # the localstripe process ``serve`` started, if any


def resolve_servers(settings: Settings, *, redis: bool = True) -> Settings:
    """Fill in URLs of embedded servers for whatever is not configured."""
    from hp_agent.db import embedded

    update: dict[str, object] = {}
    if settings.database_url is None:
        update["database_url"] = embedded.start_postgres(settings.data_dir)
    if redis and settings.redis_url is None:
        update["redis_url"] = embedded.start_redis(settings.data_dir)
    return settings.model_copy(update=update) if update else settings


def resolve_payments(settings: Settings) -> Settings:
    """Without ``HP_STRIPE_API_KEY``, payments run against a local Stripe (localstripe on a
    loopback port, like the embedded PostgreSQL and Redis) whose signed webhooks reach this app."""
    global _local_stripe
    if settings.stripe_api_key is not None:
        return settings
    import secrets

    from pydantic import SecretStr

    from hp_agent.subscriptions.localstripe import API_KEY, LocalStripe
    from hp_agent.subscriptions.webhooks import HANDLED

    peer = LocalStripe().start()
    _local_stripe = peer
    secret = "whsec_" + secrets.token_hex(16)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    webhook = f"http://{host}:{settings.port}/v1/billing/webhooks/stripe"
    peer.register_webhook(webhook, secret, sorted(HANDLED))
    log.info("payments: localstripe at %s (no HP_STRIPE_API_KEY set)", peer.url)
    return settings.model_copy(
        update={
            "stripe_api_key": SecretStr(API_KEY),
            "stripe_api_base": peer.url,
            "stripe_webhook_secret": SecretStr(secret),
        }
    )


def _migrate(settings: Settings) -> None:
    from hp_agent.db.migrate import ensure_worker_role, set_app_role_password, upgrade
    from hp_agent.db.urls import owner_database_url

    url = owner_database_url(settings)
    upgrade(url)
    asyncio.run(set_app_role_password(url, settings.app_db_role, settings.app_db_password.get_secret_value()))
    # The worker's role, in hp_system (the only members that act as the system on content tables).
    asyncio.run(ensure_worker_role(url, settings.app_db_role, settings.worker_db_role))
    asyncio.run(
        set_app_role_password(url, settings.worker_db_role, settings.worker_db_password.get_secret_value())
    )


def _seed(settings: Settings) -> dict[str, int]:
    from hp_agent.seed.loader import seed_all

    return asyncio.run(seed_all(settings))


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = resolve_servers(get_settings(), redis=False)
    _migrate(settings)
    print("database migrated to head")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    settings = resolve_servers(get_settings(), redis=False)
    counts = _seed(settings)
    for table, n in counts.items():
        print(f"{table}: {n} rows")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from hp_agent.users.admin import create_user_cli

    settings = resolve_servers(get_settings(), redis=False)
    password = args.password or os.environ.get("HP_NEW_USER_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            print(
                "error: give --password or HP_NEW_USER_PASSWORD when stdin is not a terminal", file=sys.stderr
            )
            return 2
        password = getpass.getpass("password: ")
    try:
        user_id = asyncio.run(create_user_cli(settings, args.email, password, args.role))
    except Exception as exc:  # shown to the operator; carries no secret
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"created {args.role} {user_id}")
    return 0


def cmd_reset_mfa(args: argparse.Namespace) -> int:
    from hp_agent.auth.mfa_operator import reset_mfa_cli

    settings = resolve_servers(get_settings(), redis=False)
    try:
        removed = asyncio.run(reset_mfa_cli(settings, args.email))
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("second factor removed; set up again at the next sign-in" if removed else "no second factor")
    return 0


def _exit_on_sigterm() -> None:
    """SIGTERM becomes SystemExit, so ``finally`` blocks and atexit run.

    uvicorn handles SIGTERM itself (stop accepting, 1012 to sockets, drain, lifespan shutdown)
    and then raises it again; with the default action the process would die right there and
    leave the embedded PostgreSQL and Redis running.
    """
    import signal

    def _raise(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _raise)


def cmd_serve(args: argparse.Namespace) -> int:
    from hp_agent.db import embedded

    _exit_on_sigterm()
    try:
        return _serve(args)
    finally:
        embedded.stop_all()  # the servers this process started, whatever ended it
        if _local_stripe is not None:
            _local_stripe.stop()  # type: ignore[attr-defined]


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hp_agent.app import create_app
    from hp_agent.observability import metrics

    settings = get_settings()
    if args.host:
        settings = settings.model_copy(update={"host": args.host})
    if args.port:
        settings = settings.model_copy(update={"port": args.port})
    embedded_db = settings.database_url is None
    if settings.redis_url is None:  # embedded broker: nobody else runs the worker, so serve does
        settings = settings.model_copy(update={"worker_in_process": True})
    settings = resolve_servers(settings)
    settings = resolve_payments(settings)
    _migrate(settings)
    counts = _seed(settings)
    log.info("reference data seeded: %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
    if embedded_db:
        log.info("embedded PostgreSQL data in %s", settings.data_dir)
    workers = args.workers or settings.workers
    common: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        "ws_per_message_deflate": settings.ws_per_message_deflate,
        # Logging is ours (JSON, ids, no query strings): uvicorn neither configures it nor
        # writes its access line (which would carry the raw URL).
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
    }
    if workers <= 1:
        app = create_app(settings)
        warm_up()
        uvicorn.run(app, **common)  # type: ignore[arg-type]
        return 0
    # Several processes on one port (uvicorn's supervisor). Each builds its app from the
    # environment, so the resolved servers are handed down as HP_* variables; Redis is what
    # carries a conversation's live frames between them (hp_agent/chat/hub.py). Metrics are
    # written to a shared directory so any worker's /metrics covers all of them.
    os.environ.update(_serve_environment(settings))
    metrics_dir = metrics.prepare_multiprocess_dir()
    try:
        uvicorn.run("hp_agent.cli:worker_app", factory=True, workers=workers, **common)  # type: ignore[arg-type]
    finally:
        metrics.remove_multiprocess_dir(metrics_dir)
    return 0


GC_THRESHOLDS = (5_000, 20, 1_000)  # Python's defaults are (700, 10, 10)


def worker_app() -> object:
    """One ``serve --workers`` process: the app from the environment, warmed up."""
    from hp_agent.app import create_app
    from hp_agent.observability.logging import configure

    settings = get_settings()
    configure(settings.log_level, settings.log_format)  # a spawned process starts unconfigured
    app = create_app(settings)
    warm_up()
    return app


def warm_up(*, load_engine: bool = True) -> None:
    """Load the crisis engine before the first message, then take startup objects out of the GC.

    Loading the engine lazily stalled the first chat message for seconds. And a full garbage
    collection walked every object the imports and the model created (about 300,000, 200-350 ms
    on this class of machine), pausing every socket of the process: that was the tail of the
    chat's reply latency. ``gc.freeze`` moves them to a generation the collector never scans.
    """
    import gc

    from hp_agent.crisis import gateway

    if load_engine:
        gateway.warm_up()
    gc.collect()
    gc.freeze()
    # Young collections stay frequent (they are cheap and free most cycles); full collections of
    # what a thousand open sockets hold (100-400 ms each) become rare instead of every few seconds.
    gc.set_threshold(GC_THRESHOLDS[0], GC_THRESHOLDS[1], GC_THRESHOLDS[2])


def _serve_environment(settings: Settings) -> dict[str, str]:
    env = {"HP_WORKER_IN_PROCESS": "true" if settings.worker_in_process else "false"}
    if settings.database_url:
        env["HP_DATABASE_URL"] = settings.database_url
    if settings.redis_url:
        env["HP_REDIS_URL"] = settings.redis_url
    if settings.stripe_api_key is not None and settings.stripe_api_base is not None:
        env["HP_STRIPE_API_KEY"] = settings.stripe_api_key.get_secret_value()
        env["HP_STRIPE_API_BASE"] = settings.stripe_api_base
    if settings.stripe_webhook_secret is not None:
        env["HP_STRIPE_WEBHOOK_SECRET"] = settings.stripe_webhook_secret.get_secret_value()
    return env


def cmd_worker(args: argparse.Namespace) -> int:
    from hp_agent.db import data_keys
    from hp_agent.db.urls import worker_database_url
    from hp_agent.events.worker import run_worker

    settings = resolve_servers(get_settings())
    data_keys.configure_loader(worker_database_url(settings))  # the embedded server's URL too
    asyncio.run(run_worker(settings))
    return 0


def cmd_analytics_backfill(args: argparse.Namespace) -> int:
    """Compute the analytics rollup of every day in a range now (docs/analytics.md)."""
    from hp_agent.analytics.tasks import backfill_cli

    if args.end < args.start:
        print("error: --end is before --start", file=sys.stderr)
        return 2
    done = asyncio.run(backfill_cli(resolve_servers(get_settings(), redis=False), args.start, args.end))
    print(f"rolled up {done} day(s)")
    return 0


def cmd_crypto_rewrap(args: argparse.Namespace) -> int:
    """Rewrap data keys under the current service key; move v1 values to people's data keys."""
    from hp_agent.db import data_keys
    from hp_agent.db.rewrap import rewrap_all
    from hp_agent.db.session import Database
    from hp_agent.db.urls import worker_database_url

    settings = resolve_servers(get_settings(), redis=False)
    url = worker_database_url(settings)
    data_keys.configure_loader(url)

    async def run() -> None:
        db = Database(url, pool_size=2, max_overflow=0)
        try:
            report = await rewrap_all(db)
        finally:
            await db.dispose()
        print(f"data keys rewrapped under the current service key: {report.keys_rewrapped}")
        for table, n in sorted(report.values_moved.items()):
            print(f"{table}: {n} row(s) moved to the person's data key")
        print(f"rows left under the service key (owner without a key): {report.values_left_v1}")

    asyncio.run(run())
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    """Stop embedded servers a killed process left running in ``HP_DATA_DIR``."""
    from hp_agent.db import embedded

    data_dir = get_settings().data_dir
    stopped = embedded.stop_leftovers(data_dir)
    print(f"stopped {len(stopped)} embedded server process(es) in {data_dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hp-agent", description="Happy Path service")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, seed and serve the API (embedded servers when unset)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers", type=int, help="API processes sharing the port (default HP_WORKERS, 1); needs Redis"
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser(
        "stop", help="stop embedded PostgreSQL/Redis left running in HP_DATA_DIR by a killed process"
    ).set_defaults(func=cmd_stop)
    sub.add_parser("worker", help="relay outbox events, notify clinicians, watch deadlines").set_defaults(
        func=cmd_worker
    )
    sub.add_parser("seed", help="load reference data from the repository").set_defaults(func=cmd_seed)

    ab = sub.add_parser("analytics-backfill", help="compute the analytics rollup of a range of days now")
    ab.add_argument("--start", type=dt.date.fromisoformat, required=True, help="first day (YYYY-MM-DD, UTC)")
    ab.add_argument("--end", type=dt.date.fromisoformat, required=True, help="last day (YYYY-MM-DD, UTC)")
    ab.set_defaults(func=cmd_analytics_backfill)

    cr = sub.add_parser("crypto", help="encryption keys (docs/privacy.md, 'Data keys')")
    crsub = cr.add_subparsers(dest="crypto_command", required=True)
    crsub.add_parser(
        "rewrap",
        help="rewrap people's data keys under the current service key and move v1 rows to data keys",
    ).set_defaults(func=cmd_crypto_rewrap)

    cu = sub.add_parser("create-user", help="create an account (any role)")
    cu.add_argument("--email", required=True)
    cu.add_argument("--role", choices=["patient", "therapist", "admin"], default="patient")
    cu.add_argument("--password", help="prefer HP_NEW_USER_PASSWORD or the prompt: argv is visible to others")
    cu.set_defaults(func=cmd_create_user)

    rm = sub.add_parser("reset-mfa", help="turn off an account's second factor (lost phone and codes)")
    rm.add_argument("--email", required=True)
    rm.set_defaults(func=cmd_reset_mfa)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from hp_agent.observability.logging import configure

    settings = get_settings()
    configure(settings.log_level, settings.log_format)
    args = build_parser().parse_args(argv)
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
