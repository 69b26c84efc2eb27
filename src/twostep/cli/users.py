"""`twostep user unlock`: an administrator clears a locked MFA device (S8) and the password step's hard stop (S11)."""

from __future__ import annotations

import argparse
import json

from twostep import bootstrap
from twostep.cli import recovery
from twostep.cli.common import CommandError, add_data_options, initialised_settings
from twostep.identity.errors import NoSuchAccount, NoSuchUser
from twostep.identity.models import User
from twostep.mfa.errors import MfaError


def _find_user(services: bootstrap.Services, account_id: str, user_name: str | None) -> tuple[User, User]:
    """The user named (or the root user) and the account's root user, who the audit log names as the actor."""
    try:
        root = services.identity.root_user(account_id)
    except NoSuchAccount as exc:
        raise CommandError(f"no account {account_id}") from exc
    if user_name is None:
        return root, root
    try:
        return services.identity.user(account_id, user_name), root
    except NoSuchUser as exc:
        raise CommandError(f"no user {user_name!r} in account {account_id}") from exc


def cmd_unlock(args: argparse.Namespace) -> int:
    """Reset the consecutive-failure count and delay of the user's device (or of every device that has any), and
    without --serial those of the user's password step."""
    services = bootstrap.build(initialised_settings(args))
    try:
        user, root = _find_user(services, args.account_id, None if args.root else args.user_name)
        devices = services.mfa.devices_of(user)
        if args.serial is not None:
            devices = [d for d in devices if d.serial == args.serial]
            if not devices:
                raise CommandError(f"{args.serial} is not an MFA device of {user.arn}")
        else:
            devices = [d for d in devices if d.failures > 0 or d.next_attempt_at > services.clock.now()]
        limit = services.settings.mfa_throttle.max_failures
        unlocked = []
        for device in devices:
            services.mfa.unlock(user.account_id, device.serial, actor=root)
            unlocked.append(
                {"serial": device.serial, "failures": device.failures, "was_locked": device.failures >= limit}
            )
        result: dict[str, object] = {"user": user.arn, "unlocked": unlocked}
        if args.serial is None:  # the password step's own delay and hard stop (S11), when there is one
            failures = services.signin.unlock_password(user, actor=root)
            if failures:
                stopped = failures >= services.signin.settings.password_max_failures
                result["password"] = {"failures": failures, "was_stopped": stopped}
            failures = services.recovery.unlock(user, actor=root)  # the recovery codes' own lock (issue 14)
            if failures:
                result["recovery_codes"] = {"failures": failures, "was_locked": failures >= limit}
    except MfaError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        services.close()
    print(json.dumps(result))
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = commands.add_parser("user", help="administer users").add_subparsers(dest="action", required=True)
    unlock = user.add_parser("unlock", help="clear the failure lock of a user's MFA device")
    add_data_options(unlock)
    unlock.add_argument("--account-id", required=True)
    who = unlock.add_mutually_exclusive_group(required=True)
    who.add_argument("--user-name", help="the IAM user")
    who.add_argument("--root", action="store_true", help="the account's root user")
    unlock.add_argument("--serial", help="only this device (its ARN); default: every device with failures")
    unlock.set_defaults(func=cmd_unlock)
    recovery.register(user)
