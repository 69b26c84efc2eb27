"""`twostep user reset-mfa`: the operator's break-glass for a user who lost every way back in (docs/recovery.md)."""

from __future__ import annotations

import argparse
import json
import sys

from twostep import bootstrap
from twostep.cli.common import CommandError, add_data_options, initialised_settings
from twostep.identity.errors import NoSuchAccount, NoSuchUser
from twostep.identity.models import User


def _user(services: bootstrap.Services, account_id: str, user_name: str | None) -> tuple[User, User]:
    """The user named (or the root user) and the account's root user, whom the audit log names as the actor."""
    try:
        root = services.identity.root_user(account_id)
        return (root if user_name is None else services.identity.user(account_id, user_name)), root
    except NoSuchAccount as exc:
        raise CommandError(f"no account {account_id}") from exc
    except NoSuchUser as exc:
        raise CommandError(f"no user {user_name!r} in account {account_id}") from exc


def _confirmed(user: User, devices: int) -> bool:
    print(
        f"This deactivates {devices} MFA device(s) of {user.arn}, spends all of its recovery codes and ends its "
        "console sessions. Type 'yes' to continue: ",
        end="",
        file=sys.stderr,
        flush=True,
    )
    return sys.stdin.readline().strip().lower() == "yes"


def cmd_reset_mfa(args: argparse.Namespace) -> int:
    services = bootstrap.build(initialised_settings(args))
    try:
        user, root = _user(services, args.account_id, None if args.root else args.user)
        if not args.yes and not _confirmed(user, len(services.mfa.devices_of(user))):
            raise CommandError("not confirmed; nothing changed")
        reset = services.recovery.reset_mfa(user, actor=root)
        if services.notifications is not None:  # mail the owner now; a running server would also pick it up
            try:
                services.notifications.run_once()
            except Exception as exc:  # the reset is done; the server's dispatcher retries the mail
                print(f"twostep: warning: the notification mail was not sent yet: {exc}", file=sys.stderr)
    finally:
        services.close()
    result = {
        "user": user.arn,
        "deactivated": list(reset.serials),
        "recovery_codes_spent": reset.recovery_codes_spent,
        "sessions_ended": reset.sessions_ended,
    }
    print(json.dumps(result))
    return 0


def register(user_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reset = user_commands.add_parser(
        "reset-mfa",
        help="break-glass: deactivate every MFA device of a user, spend its recovery codes, end its sessions",
    )
    add_data_options(reset)
    reset.add_argument("--account-id", required=True)
    who = reset.add_mutually_exclusive_group(required=True)
    who.add_argument("--root", action="store_true", help="the account's root user")
    who.add_argument("--user", help="the IAM user's name")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(func=cmd_reset_mfa)
