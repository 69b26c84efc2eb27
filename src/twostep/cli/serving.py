"""`twostep serve`, `twostep db upgrade` and `twostep db check`."""

from __future__ import annotations

import argparse
import dataclasses
import json

from twostep.cli.common import CommandError, add_data_options, initialised_settings, settings_from, warn_if_widened
from twostep.crypto.keyring import KeyRing
from twostep.data_dir import make_private
from twostep.forwarded import TrustedProxies
from twostep.settings import Settings
from twostep.store.database import Database


def serve_app(settings: Settings, *, host: str, port: int, workers: int) -> None:
    from twostep.server import serve  # the web stack loads only for the commands that serve

    warn_if_widened(make_private(settings.data_dir))
    serve(settings, host=host, port=port, workers=workers)


def with_trusted_proxies(settings: Settings, args: argparse.Namespace) -> Settings:
    """`--trusted-proxy` (repeatable) adds to TWOSTEP_TRUSTED_PROXIES; every range is checked before serving."""
    proxies = (*settings.trusted_proxies, *(getattr(args, "trusted_proxy", None) or ()))
    try:
        TrustedProxies(proxies)
    except ValueError as exc:
        raise CommandError(f"--trusted-proxy / TWOSTEP_TRUSTED_PROXIES: {exc}") from exc
    return dataclasses.replace(settings, trusted_proxies=proxies)


def add_serving_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--trusted-proxy",
        action="append",
        metavar="CIDR",
        help="a reverse proxy (address or CIDR range) whose X-Forwarded-For/Forwarded headers are believed; "
        "repeatable; also TWOSTEP_TRUSTED_PROXIES (default: none, the TCP peer is the client)",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    settings = with_trusted_proxies(initialised_settings(args), args)
    serve_app(settings, host=args.host, port=args.port, workers=args.workers)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    with Database(settings_from(args).database_url) as database:
        database.upgrade()
        print(json.dumps({"revision": database.revision()}))
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    settings = initialised_settings(args)
    with Database(settings.database_url) as database:
        report = database.check(KeyRing.load(settings.key_file))
    print(json.dumps(report.as_json(), indent=2))
    return 0 if report.consistent else 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="serve the console and the IAM/STS API")
    add_data_options(serve)
    add_serving_options(serve)
    serve.add_argument("--workers", type=int, default=1, help="server processes sharing the database")
    serve.set_defaults(func=cmd_serve)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(dest="action", required=True)
    upgrade = db.add_parser("upgrade", help="apply database migrations")
    add_data_options(upgrade)
    upgrade.set_defaults(func=cmd_db_upgrade)
    check = db.add_parser("check", help="report whether the database holds only whole changes")
    add_data_options(check)
    check.set_defaults(func=cmd_db_check)
