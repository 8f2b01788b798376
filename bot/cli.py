"""`python -m bot ...`: the command line of the application."""
from __future__ import annotations

import argparse
import json
import sys

from bot.logs import setup_logging
from bot.settings import get_settings


def _cmd_serve(args) -> int:
    from bot.reference_data import check_reference_data
    from bot.web.app import serve

    check_reference_data()
    settings = get_settings()
    serve(args.host or settings.web_host, args.port or settings.web_port)
    return 0


def _cmd_stack(args) -> int:
    from bot.reference_data import check_reference_data
    from bot.seed import seed_if_empty
    from bot.stack import Ports, run_stack

    check_reference_data()  # once, before the three processes start
    settings = get_settings()
    ports = Ports(args.rasa_port, args.actions_port, args.web_port)
    endpoints = args.endpoints
    extra_env = {}
    if args.profile == "prod":
        from bot.profiles import write_prod_endpoints

        if not settings.redis_url or not settings.database_url.startswith("postgresql"):
            raise ValueError("make run-prod needs DATABASE_URL=postgresql://... and REDIS_URL=redis://...")
        endpoints = str(write_prod_endpoints(
            settings.var_dir / "endpoints.prod.yml", settings.database_url, settings.redis_url,
            f"http://127.0.0.1:{ports.actions}/webhook"))
        # Several Sanic worker processes per server; Rasa allows it only with the RedisLockStore.
        extra_env["SANIC_WORKERS"] = str(args.workers)
    added = seed_if_empty()
    print(f"[stack] database ready; demo data added: {json.dumps(added, ensure_ascii=False)}", flush=True)
    return run_stack(args.model, ports, endpoints, args.credentials, extra_env)


def _cmd_seed(_args) -> int:
    from bot.seed import seed_if_empty

    print(json.dumps(seed_if_empty(), ensure_ascii=False))
    return 0


def _cmd_db(args) -> int:
    from bot.db import migrate

    if args.action == "upgrade":
        migrate.upgrade()
    elif args.action == "downgrade":
        migrate.downgrade(revision=args.revision or "base")
    print(f"database {args.action}: ok")
    return 0


def _cmd_nlu(args) -> int:
    if args.action == "userdict":
        from bot.nlu.userdict import write_userdict

        print(write_userdict())
        return 0
    if args.action == "fingerprint":
        from bot.nlu.fingerprint import model_fingerprint

        print(model_fingerprint())
        return 0
    if args.action == "evaluate":
        from bot.nlu.evaluate import main

        return main(args.model, args.test_data, args.min_macro_f1, args.report)
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="政务智能助手 command line")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the web service (port 8080)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("stack", help="run Rasa, the action server and the web service in the foreground")
    p.add_argument("--model", required=True)
    p.add_argument("--rasa-port", type=int, default=5005)
    p.add_argument("--actions-port", type=int, default=5055)
    p.add_argument("--web-port", type=int, default=8080)
    p.add_argument("--endpoints", default="endpoints.yml")
    p.add_argument("--credentials", default="credentials.yml")
    p.add_argument("--profile", choices=["embedded", "prod"], default="embedded",
                   help="prod: PostgreSQL tracker store + RedisLockStore from DATABASE_URL/REDIS_URL")
    p.add_argument("--workers", type=int, default=2, help="Sanic workers per server (prod profile)")
    p.set_defaults(func=_cmd_stack)

    p = sub.add_parser("seed", help="migrate the database and add demo data where it is empty")
    p.set_defaults(func=_cmd_seed)

    p = sub.add_parser("db", help="database migrations")
    p.add_argument("action", choices=["upgrade", "downgrade"])
    p.add_argument("--revision")
    p.set_defaults(func=_cmd_db)

    p = sub.add_parser("nlu", help="NLU helpers: user dictionary, model fingerprint, evaluation")
    p.add_argument("action", choices=["userdict", "fingerprint", "evaluate"])
    p.add_argument("--model")
    p.add_argument("--test-data", default="data/test")
    p.add_argument("--min-macro-f1", type=float, default=0.90)
    p.add_argument("--report")
    p.set_defaults(func=_cmd_nlu)

    # Domain areas add their own sub-commands (import, calendar, sla, users, audit...).
    from bot.cli_ext import register_extensions

    register_extensions(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    setup_logging(settings.log_level, settings.log_format)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
