"""Command line of staff users and departments:

    python -m bot users add NAME --role admin|dispatcher|handler|supervisor|system [--department 区住建局] [--display-name 张三]
    python -m bot users list
    python -m bot users token NAME [--label laptop]   → prints a new bearer token (shown once)
    python -m bot users disable NAME                   → deactivates and revokes every token
    python -m bot users sync-departments               → adds departments of knowledge/departments.yml
    python -m bot users add-department NAME
"""
from __future__ import annotations

import json
from contextlib import contextmanager


@contextmanager
def _session():
    from sqlalchemy.orm import Session

    from bot.db import migrate, sync_engine

    migrate.upgrade()
    engine = sync_engine()
    try:
        with Session(engine, future=True) as session:
            with session.begin():
                yield session
    finally:
        engine.dispose()


def _cmd_users(args) -> int:
    from bot.auth import service

    try:
        with _session() as s:
            if args.users_action == "add":
                user = service.add_user(s, args.username, args.role, args.department, args.display_name)
                print(f"user added: {user.username} ({user.role}{', ' + args.department if args.department else ''})")
                if args.token:
                    print(service.issue_token(s, user.username, "cli"))
            elif args.users_action == "list":
                print(json.dumps(service.list_users(s), ensure_ascii=False, indent=2))
            elif args.users_action == "token":
                print(service.issue_token(s, args.username, args.label))
            elif args.users_action == "disable":
                service.disable_user(s, args.username)
                print(f"user disabled, tokens revoked: {args.username}")
            elif args.users_action == "sync-departments":
                added, total = service.sync_departments(s)
                print(f"departments: {added} added, {total} in total")
            elif args.users_action == "add-department":
                service.add_department(s, args.name)
                print(f"department ready: {args.name}")
    except service.AuthError as exc:
        raise ValueError(str(exc)) from None
    return 0


def register(subparsers, _import_subparsers) -> None:
    from bot.auth.models import ROLES

    p = subparsers.add_parser("users", help="staff users, roles, bearer tokens and departments")
    sub = p.add_subparsers(dest="users_action", required=True)
    a = sub.add_parser("add", help="add a user")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--department")
    a.add_argument("--display-name")
    a.add_argument("--token", action="store_true", help="also print a new token")
    a.set_defaults(func=_cmd_users)
    sub.add_parser("list", help="list users").set_defaults(func=_cmd_users)
    t = sub.add_parser("token", help="issue a new bearer token (printed once)")
    t.add_argument("username")
    t.add_argument("--label")
    t.set_defaults(func=_cmd_users)
    d = sub.add_parser("disable", help="disable a user and revoke their tokens")
    d.add_argument("username")
    d.set_defaults(func=_cmd_users)
    sub.add_parser("sync-departments", help="add the departments of knowledge/departments.yml").set_defaults(
        func=_cmd_users)
    ad = sub.add_parser("add-department", help="add one department")
    ad.add_argument("name")
    ad.set_defaults(func=_cmd_users)
