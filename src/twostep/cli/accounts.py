"""`twostep init`, `twostep account create` and `twostep quickstart`."""

from __future__ import annotations

import argparse
import json
import os
import secrets

from twostep import bootstrap
from twostep.cli import account_settings
from twostep.cli.common import (
    CommandError,
    add_data_options,
    initialised_settings,
    read_password,
    refuse_if_the_database_is_used,
    settings_from,
    warn_if_widened,
)
from twostep.cli.serving import (
    add_serving_options,
    console_url,
    require_listenable,
    serve_app,
    with_checkpoint_interval,
    with_relying_party,
    with_trusted_proxies,
)
from twostep.crypto.keyring import KeyRing
from twostep.data_dir import make_private, require_writable
from twostep.identity.errors import IdentityError
from twostep.identity.password_policy import PasswordPolicy
from twostep.identity.service import validate_email
from twostep.policy.stored.models import ADMINISTRATOR_ACCESS_ARN
from twostep.settings import Settings
from twostep.store.database import Database


def _read_valid_password(args: argparse.Namespace) -> str:
    """Ask for the password before anything is created, so a refused one changes nothing."""
    password = read_password(args.password_stdin)
    try:
        PasswordPolicy().check(password)
        validate_email(args.email)
    except IdentityError as exc:
        raise CommandError(str(exc)) from exc
    return password


def _create_account(settings: Settings, args: argparse.Namespace, password: str) -> dict[str, object]:
    services = bootstrap.build(settings)
    try:
        account, root = services.identity.create_account(args.email, password)
        output: dict[str, object] = {"account_id": account.id, "root_email": root.email}
        if args.admin_user:
            output["admin"] = create_admin_user(services, account.id, args.admin_user)
    except IdentityError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        services.close()
    return output


def create_admin_user(services: bootstrap.Services, account_id: str, name: str) -> dict[str, str]:
    """An IAM user with full permissions in the account, and an access key for boto3 and the aws CLI."""
    root = services.identity.root_user(account_id)
    user = services.identity.create_user(account_id, name, actor=root)
    services.policies.user_policies.attach(account_id, user.name, ADMINISTRATOR_ACCESS_ARN, actor=root)
    key = services.identity.create_access_key(user, actor=root)
    return {"user_name": user.name, "access_key_id": key.key.id, "secret_access_key": key.secret_access_key}


def _migrate(settings: Settings) -> None:
    with Database(settings.database_url) as database:
        database.upgrade()


def _require_new_installation(settings: Settings) -> None:
    """Before init writes anything: a directory it may write, and a database that holds no twostep schema."""
    require_writable(settings.data_dir)
    refuse_if_the_database_is_used(settings)


def cmd_init(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.key_file.exists():
        raise CommandError(
            f"{settings.data_dir} is already initialised (found {settings.key_file.name}); nothing changed"
        )
    _require_new_installation(settings)
    password = _read_valid_password(args)
    warn_if_widened(make_private(settings.data_dir))
    _migrate(settings)
    KeyRing.generate().save(settings.key_file)
    print(json.dumps(_create_account(settings, args, password)))
    return 0


def cmd_account_create(args: argparse.Namespace) -> int:
    settings = initialised_settings(args)
    password = _read_valid_password(args)
    print(json.dumps(_create_account(settings, args, password)))
    return 0


def cmd_quickstart(args: argparse.Namespace) -> int:
    """Initialise a demo data directory on first run (a random root password, kept in first-run.json, readable
    by its owner only), say how to sign in, and serve."""
    # A bad proxy range or passkey setting is refused before anything is made.
    settings = with_checkpoint_interval(with_relying_party(with_trusted_proxies(settings_from(args), args), args), args)
    require_listenable(args.host, args.port)
    first_run = settings.data_dir / "first-run.json"
    if not settings.key_file.exists():
        _require_new_installation(settings)
        password = "-".join(secrets.token_hex(3) for _ in range(4))
        warn_if_widened(make_private(settings.data_dir))
        _migrate(settings)
        KeyRing.generate().save(settings.key_file)
        args.email, args.admin_user = "root@example.com", "admin"
        created = _create_account(settings, args, password)
        created["root_password"] = password
        fd = os.open(first_run, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(created, handle, indent=2)
    else:
        KeyRing.load(settings.key_file)  # a missing, unreadable or malformed key file stops it before any change
        require_writable(settings.data_dir)
        _migrate(settings)
    url = console_url(settings, args.host, args.port)
    print(f"twostep is starting at {url}")
    if first_run.exists():
        details = json.loads(first_run.read_text(encoding="utf-8"))
        print(f"  Sign in as the root user: {details['root_email']} / {details['root_password']}")
        print(f"  Account ID: {details['account_id']}")
        print("  The root user must have MFA: the first sign-in opens at Assign MFA device (docs/recovery.md)")
        admin = details.get("admin")
        if admin:
            print("  API (boto3, aws CLI): endpoint_url=" + url)
            print(f"    aws_access_key_id={admin['access_key_id']} aws_secret_access_key={admin['secret_access_key']}")
        print(f"  Change the generated password at {url}/security-credentials/password")
        print(f"  (these details are kept in {first_run}; delete it once you have changed the password there)")
    serve_app(settings, host=args.host, port=args.port, workers=1)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def account_options(p: argparse.ArgumentParser) -> None:
        add_data_options(p)
        p.add_argument("--email", required=True, help="the root user's email address")
        p.add_argument("--password-stdin", action="store_true", help="read the root password from standard input")
        p.add_argument("--admin-user", help="also create an IAM user with full permissions and an access key")

    init = commands.add_parser("init", help="create a data directory, its database, key file and first account")
    account_options(init)
    init.set_defaults(func=cmd_init)

    account = commands.add_parser("account", help="manage accounts").add_subparsers(dest="action", required=True)
    create = account.add_parser("create", help="add another account")
    account_options(create)
    create.set_defaults(func=cmd_account_create)
    account_settings.register(account)

    quick = commands.add_parser("quickstart", help="initialise a demo data directory if needed, then serve")
    add_data_options(quick)
    add_serving_options(quick)
    quick.set_defaults(func=cmd_quickstart, password_stdin=True)
