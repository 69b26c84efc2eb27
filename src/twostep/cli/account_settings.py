"""`twostep account set`: the account's settings: whether every console user must have MFA, and whether every IAM
user may change their own password."""

from __future__ import annotations

import argparse
import json

from twostep import bootstrap
from twostep.cli.common import CommandError, add_data_options, initialised_settings
from twostep.identity.account_settings import MAX_GRACE_DAYS, InvalidGracePeriod
from twostep.identity.errors import NoSuchAccount
from twostep.identity.models import Account


def _grace_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("a whole number of days") from exc
    if not 0 <= days <= MAX_GRACE_DAYS:
        raise argparse.ArgumentTypeError(f"from 0 to {MAX_GRACE_DAYS} days")
    return days


def cmd_set(args: argparse.Namespace) -> int:
    if args.require_mfa is None and args.allow_users_to_change_password is None:
        raise CommandError("nothing to set: give --require-mfa and/or --allow-users-to-change-password")
    services = bootstrap.build(initialised_settings(args))
    try:
        root = services.identity.root_user(args.account_id)
        account: Account = services.identity.account(args.account_id)
        if args.require_mfa is not None:
            required = args.require_mfa == "on"
            account = services.identity.set_mfa_requirement(
                args.account_id, required, grace_days=args.grace_days, actor=root
            )
        if args.allow_users_to_change_password is not None:
            allowed = args.allow_users_to_change_password == "on"
            account = services.identity.set_users_may_change_password(args.account_id, allowed, actor=root)
    except NoSuchAccount as exc:
        raise CommandError(f"no account {args.account_id}") from exc
    except InvalidGracePeriod as exc:
        raise CommandError(str(exc)) from exc
    finally:
        services.close()
    print(
        json.dumps(
            {
                "account_id": account.id,
                "require_mfa": account.require_mfa,
                "mfa_grace_until": account.mfa_grace_until,
                "allow_users_to_change_password": account.allow_users_to_change_password,
            }
        )
    )
    return 0


def register(account_commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    set_ = account_commands.add_parser("set", help="change an account's settings")
    add_data_options(set_)
    set_.add_argument("--account-id", required=True)
    set_.add_argument(
        "--require-mfa",
        choices=("on", "off"),
        help="every IAM user must have an MFA device to use the console (the root user always must)",
    )
    set_.add_argument(
        "--grace-days",
        type=_grace_days,
        default=0,
        help="with --require-mfa on: users without a device may still sign in, with a countdown, for N days",
    )
    set_.add_argument(
        "--allow-users-to-change-password",
        choices=("on", "off"),
        help="every IAM user may change their own password without a policy allowing iam:ChangePassword",
    )
    set_.set_defaults(func=cmd_set)
