"""`twostep serve`, `twostep db upgrade` and `twostep db check`."""

from __future__ import annotations

import argparse
import dataclasses
import errno
import ipaddress
import json
import socket

from twostep.cli.common import (
    CommandError,
    add_data_options,
    initialised_settings,
    require_database_directory,
    settings_from,
    warn_if_widened,
)
from twostep.cli.errors import CannotListen
from twostep.crypto.keyring import KeyRing
from twostep.data_dir import make_private
from twostep.forwarded import TrustedProxies
from twostep.passkeys.relying_party import check_settings
from twostep.settings import Settings
from twostep.store.database import Database


def serve_app(settings: Settings, *, host: str, port: int, workers: int) -> None:
    from twostep.server import serve  # the web stack loads only for the commands that serve

    warn_if_widened(make_private(settings.data_dir))
    serve(settings, host=host, port=port, workers=workers)


def require_listenable(host: str, port: int, option: str = "--port") -> None:
    """CannotListen unless every address of `host` can be bound at `port`, tried as the server binds it
    (SO_REUSEADDR, IPv6 sockets for IPv6 only), so that a port in use stops a command before it changes anything."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise CannotListen(host, port, f"unknown host: {exc.strerror}", "check --host") from exc
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                raise _cannot_listen(host, port, option, exc) from exc


def _cannot_listen(host: str, port: int, option: str, exc: OSError) -> CannotListen:
    reason = (exc.strerror or str(exc)).lower()
    if exc.errno == errno.EADDRINUSE:
        return CannotListen(
            host, port, reason, f"stop what listens there (another twostep?) or choose another {option}"
        )
    if exc.errno == errno.EACCES:
        return CannotListen(host, port, reason, f"ports below 1024 need privileges: choose another {option}")
    if exc.errno == errno.EADDRNOTAVAIL:
        return CannotListen(host, port, reason, "--host must be an address of this machine")
    return CannotListen(host, port, reason, "check --host and --port")


def with_trusted_proxies(settings: Settings, args: argparse.Namespace) -> Settings:
    """`--trusted-proxy` (repeatable) adds to TWOSTEP_TRUSTED_PROXIES; every range is checked before serving."""
    proxies = (*settings.trusted_proxies, *(getattr(args, "trusted_proxy", None) or ()))
    try:
        TrustedProxies(proxies)
    except ValueError as exc:
        raise CommandError(f"--trusted-proxy / TWOSTEP_TRUSTED_PROXIES: {exc}") from exc
    return dataclasses.replace(settings, trusted_proxies=proxies)


def with_relying_party(settings: Settings, args: argparse.Namespace) -> Settings:
    """`--rp-id` and `--public-url` (repeatable) win over TWOSTEP_RP_ID and TWOSTEP_PUBLIC_URL; checked before
    serving (docs/passkeys.md)."""
    rp_id = getattr(args, "rp_id", None) or settings.rp_id
    public_urls = tuple(getattr(args, "public_url", None) or ()) or settings.public_urls
    try:
        check_settings(rp_id, public_urls)
    except ValueError as exc:
        raise CommandError(f"passkeys: {exc}") from exc
    return dataclasses.replace(settings, rp_id=rp_id, public_urls=public_urls)


def console_url(settings: Settings, host: str, port: int) -> str:
    """The URL to open the console at: the first public URL, else the listening address, named `localhost` when it
    is a loopback or wildcard address (WebAuthn takes no IP address as RP ID, so passkeys need a host name)."""
    if settings.public_urls:
        return settings.public_urls[0]
    shown = host
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        local = address.is_loopback or address.is_unspecified
        shown = "localhost" if local else f"[{address}]" if address.version == 6 else str(address)
    return f"http://{shown}:{port}"


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
    parser.add_argument(
        "--rp-id",
        metavar="HOST",
        help="the WebAuthn relying party ID passkeys are scoped to, e.g. example.com; also TWOSTEP_RP_ID "
        "(default: the host of --public-url, else the host the browser used)",
    )
    parser.add_argument(
        "--public-url",
        action="append",
        metavar="URL",
        help="the console's public URL behind a reverse proxy, e.g. https://mfa.example.com; its origin is the one "
        "allowed to use passkeys; repeatable; also TWOSTEP_PUBLIC_URL (default: the origin the browser used)",
    )
    parser.add_argument(
        "--audit-checkpoint-interval",
        type=float,
        metavar="SECONDS",
        help="seconds between signed checkpoints of the audit log's heads, written to audit-checkpoints.jsonl in "
        "the data directory and the log, and once more on shutdown; also TWOSTEP_AUDIT_CHECKPOINT_INTERVAL "
        "(default: 60)",
    )


def with_checkpoint_interval(settings: Settings, args: argparse.Namespace) -> Settings:
    """`--audit-checkpoint-interval` wins over TWOSTEP_AUDIT_CHECKPOINT_INTERVAL; a positive number of seconds."""
    interval = getattr(args, "audit_checkpoint_interval", None)
    interval = settings.audit_checkpoint_interval if interval is None else interval
    if not (0 < interval < float("inf")):
        raise CommandError(f"--audit-checkpoint-interval: {interval} is not a positive number of seconds")
    return dataclasses.replace(settings, audit_checkpoint_interval=interval)


def with_observability(settings: Settings, args: argparse.Namespace) -> Settings:
    """`--metrics`, `--metrics-port` and `--log-format` win over TWOSTEP_METRICS, TWOSTEP_METRICS_PORT and
    TWOSTEP_LOG_FORMAT (docs/deploy.md, "Watching it run")."""
    from twostep.observability.logs import FORMATS

    log_format = args.log_format or settings.log_format
    if log_format not in FORMATS:
        raise CommandError(f"--log-format / TWOSTEP_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    port = args.metrics_port if args.metrics_port is not None else settings.metrics_port
    if port is not None and not 0 < port < 65536:
        raise CommandError(f"--metrics-port / TWOSTEP_METRICS_PORT: {port} is not a port number")
    if port is not None and port == args.port:
        raise CommandError("--metrics-port must differ from --port (or use --metrics to serve /metrics on --port)")
    return dataclasses.replace(
        settings, metrics=settings.metrics or args.metrics, metrics_port=port, log_format=log_format
    )


def add_observability_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics",
        action="store_true",
        help="serve Prometheus metrics at /metrics on --port (also TWOSTEP_METRICS=on)",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve Prometheus metrics on a listener of their own, on --host (also TWOSTEP_METRICS_PORT)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        help="json: one JSON line per request on standard error (also TWOSTEP_LOG_FORMAT; default text)",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        base = initialised_settings(args)
    except ValueError as exc:  # TWOSTEP_METRICS_PORT or TWOSTEP_AUDIT_CHECKPOINT_INTERVAL that is not a number
        raise CommandError(f"TWOSTEP_METRICS_PORT / TWOSTEP_AUDIT_CHECKPOINT_INTERVAL: {exc}") from exc
    settings = with_observability(with_relying_party(with_trusted_proxies(base, args), args), args)
    settings = with_checkpoint_interval(settings, args)
    require_listenable(args.host, args.port)
    if settings.metrics_port is not None:
        require_listenable(args.host, settings.metrics_port, option="--metrics-port")
    serve_app(settings, host=args.host, port=args.port, workers=args.workers)
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if not Database.exists(settings.database_url):  # SQLite: a missing file would be created empty
        raise CommandError(f"no database at {Database.shown_url(settings.database_url)}; `twostep init` creates one")
    require_database_directory(settings)
    with Database(settings.database_url) as database:
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
    add_observability_options(serve)
    serve.set_defaults(func=cmd_serve)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(dest="action", required=True)
    upgrade = db.add_parser("upgrade", help="apply database migrations")
    add_data_options(upgrade)
    upgrade.set_defaults(func=cmd_db_upgrade)
    check = db.add_parser("check", help="report whether the database holds only whole changes")
    add_data_options(check)
    check.set_defaults(func=cmd_db_check)
