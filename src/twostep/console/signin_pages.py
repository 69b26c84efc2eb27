"""Sign-in: root by email, IAM users by account id and name, then the MFA step (and, there, resync of a drifted
device)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from twostep.client_address import client_address
from twostep.console import error_messages, security
from twostep.console.endpoints import route
from twostep.console.forms import Form, two_codes
from twostep.console.i18n import N_
from twostep.console.pages import Console, Halt, redirect, signin_page
from twostep.console.passkey_pages import PasskeyNotUsable, presented_passkey, prompt_context
from twostep.mfa.errors import MfaError
from twostep.mfa.models import MfaDevice
from twostep.signin.errors import MfaFailed, SessionInvalid, SignInFailed
from twostep.signin.models import CurrentSession, Grant, Stage

ENTER_EMAIL = N_("Enter your email address.")
ACCOUNT_ID = re.compile(r"[0-9]{12}")


def routes(console: Console) -> list[BaseRoute]:
    return [
        route(console, "/", get=start),
        route(console, "/signin", get=show_email, post=submit_email),
        # Pages that check a password or a code answer no sooner than the floor (S13).
        route(console, "/signin/root", get=back_to_email, post=submit_root_password, answer_floor=True),
        route(console, "/signin/iam", get=show_iam_signin, post=submit_iam_signin, answer_floor=True),
        route(console, "/signin/mfa", get=show_mfa_step, post=submit_mfa_step, answer_floor=True),
        route(console, "/signin/mfa/resync", get=show_resync, post=submit_resync, answer_floor=True),
    ]


# -- what the sign-in pages share -----------------------------------------------------------------------------


def chosen_device(devices: list[MfaDevice], form: Form) -> MfaDevice | None:
    """The device picked on the form; the only one when there is just one."""
    if len(devices) == 1:
        return devices[0]
    wanted = form.text("device")
    return next((d for d in devices if d.id == wanted), None)


def signed_in_response(request: Request, grant: Grant, target: str) -> Response:
    response = redirect(target)
    security.set_session_cookie(response, request, grant.token)
    return response


def signed_out_response(request: Request, target: str) -> Response:
    response = redirect(target)
    security.clear_session_cookie(response, request)
    return response


# -- password step --------------------------------------------------------------------------------------------


def start(console: Console, request: Request) -> Response:
    try:
        console.services.signin.current(security.session_token(request), stage=(Stage.SIGNED_IN, Stage.RECOVERY))
    except SessionInvalid:
        return console.session_ended(request).response
    return redirect("/console")


def already_signed_in(console: Console, request: Request) -> None:
    try:
        console.services.signin.current(security.session_token(request))
    except SessionInvalid:
        return
    raise Halt(redirect("/console"))


def show_email(console: Console, request: Request) -> Response:
    already_signed_in(console, request)
    return console.render(request, "signin_email.html", {"email": ""})


def submit_email(console: Console, request: Request, form: Form) -> Response:
    console.check_presession_form(request, form)
    email = form.text("email", strip=True)
    if not email:
        error = console.gettext(request, ENTER_EMAIL)
        return console.render(request, "signin_email.html", {"email": ""}, status=400, error=error)
    # Whether the address exists is not revealed here: every address gets the password page (S13).
    return console.render(request, "signin_password.html", {"email": email})


def back_to_email(console: Console, request: Request) -> Response:
    """The password page has no address of its own (e.g. the language switcher on a failed attempt's page)."""
    return redirect("/signin")


def submit_root_password(console: Console, request: Request, form: Form) -> Response:
    console.check_presession_form(request, form)
    email = form.text("email", strip=True)
    try:
        grant = console.services.signin.password_step(
            email=email, password=form.text("password"), source_ip=client_address(request)
        )
    except SignInFailed as failed:
        return password_failed(console, request, failed, "signin_password.html", {"email": email})
    return finish_password_step(console, request, grant)


def show_iam_signin(console: Console, request: Request) -> Response:
    already_signed_in(console, request)
    account = request.query_params.get("account", "")
    context = {"account_id": account if ACCOUNT_ID.fullmatch(account) else "", "user_name": ""}
    return console.render(request, "signin_iam.html", context)


def submit_iam_signin(console: Console, request: Request, form: Form) -> Response:
    console.check_presession_form(request, form)
    account_id, user_name = form.text("account_id", strip=True), form.text("user_name", strip=True)
    try:
        grant = console.services.signin.password_step(
            account_id=account_id,
            user_name=user_name,
            password=form.text("password"),
            source_ip=client_address(request),
        )
    except SignInFailed as failed:
        context = {"account_id": account_id, "user_name": user_name}
        return password_failed(console, request, failed, "signin_iam.html", context)
    return finish_password_step(console, request, grant)


def password_failed(
    console: Console, request: Request, failed: SignInFailed, template: str, context: dict[str, str]
) -> Response:
    return console.render(request, template, context, status=400, error=console.error(request, failed))


def finish_password_step(console: Console, request: Request, grant: Grant) -> Response:
    console.services.signin.sign_out(security.session_token(request))  # an earlier half-finished sign-in, if any
    target = "/signin/mfa" if grant.session.stage is Stage.NEEDS_MFA else "/console"
    return signed_in_response(request, grant, target)


# -- MFA step -------------------------------------------------------------------------------------------------


def mfa_step_devices(console: Console, request: Request) -> tuple[CurrentSession, list[MfaDevice]]:
    """The half-signed-in session and its devices; when the last device went away meanwhile, start again."""
    current, devices = console.half_signed_in(request)
    if not devices:
        console.services.signin.sign_out(security.session_token(request))
        raise Halt(redirect("/signin"))
    return current, devices


def mfa_step_page(
    console: Console,
    request: Request,
    current: CurrentSession,
    devices: list[MfaDevice],
    selected: MfaDevice | None = None,
    error: str | None = None,
) -> Response:
    chosen = selected or devices[0]
    context = {
        "devices": devices,
        "selected": chosen.id,
        **prompt_context(console, request, devices, chosen, auto=error is None),
    }
    status = 400 if error else 200
    return console.render(request, "mfa_prompt.html", context, current=current, status=status, error=error)


def show_mfa_step(console: Console, request: Request) -> Response:
    current, devices = mfa_step_devices(console, request)
    return mfa_step_page(console, request, current, devices)


def submit_mfa_step(console: Console, request: Request, form: Form) -> Response:
    current, devices = mfa_step_devices(console, request)
    console.check_session_form(request, form, current)
    device = chosen_device(devices, form)
    if device is not None:
        try:
            passkey = presented_passkey(console, request, form) if device.is_passkey else None
            grant = console.services.signin.prove_mfa(
                current, device, form.text("code"), source_ip=client_address(request), passkey=passkey
            )
        except PasskeyNotUsable as unusable:  # nothing was evaluated (S28: a clear 400)
            return mfa_step_page(console, request, current, devices, device, unusable.message)
        except MfaFailed as failed:
            if failed.ended:  # S12: a lockout ends the half-finished sign-in; the password is needed again
                return signed_out_response(request, signin_page(current.user, "mfa-ended"))
            # Past the password step: a replayed code or a throttled attempt may say so (docs/security.md, S13).
            wording = error_messages.PASSKEY_WORDING if device.is_passkey else error_messages.NO_WORDING
            return mfa_step_page(console, request, current, devices, device, console.error(request, failed, wording))
        except SessionInvalid:
            return redirect("/signin")
        else:
            return signed_in_response(request, grant, "/console")
    error = console.gettext(request, error_messages.MFA_FAILED)
    return mfa_step_page(console, request, current, devices, device, error)


# -- resync at sign-in: AWS's "Troubleshoot MFA" ---------------------------------------------------------------


def resync_session(console: Console, request: Request) -> tuple[CurrentSession, list[MfaDevice]]:
    """Two consecutive codes re-centre a drifted (or locked) device; it does not sign in: the next code does, on
    the MFA page. S17: resync is an MFA change, so the password must have been proved minutes ago. With the
    devices that have codes to resync (not passkeys)."""
    current, devices = console.half_signed_in(request)
    signin = console.services.signin
    if console.services.clock.now() - current.session.authenticated_at > signin.settings.fresh_window:
        signin.sign_out(security.session_token(request))
        raise Halt(signed_out_response(request, signin_page(current.user)))
    return current, [d for d in devices if not d.is_passkey]


def show_resync(console: Console, request: Request) -> Response:
    current, devices = resync_session(console, request)
    context = {"devices": devices, "selected": devices[0].id if devices else ""}
    return console.render(request, "signin_resync.html", context, current=current)


def submit_resync(console: Console, request: Request, form: Form) -> Response:
    current, devices = resync_session(console, request)
    context = {"devices": devices, "selected": devices[0].id if devices else ""}
    console.check_session_form(request, form, current)
    device = chosen_device(devices, form)
    if device is None:
        error = console.gettext(request, error_messages.RESYNC_REJECTED)
    else:
        try:
            console.services.mfa.resync(
                current.user, device.serial, *two_codes(form), actor=current.user, source_ip=client_address(request)
            )
        except MfaError as failed:
            context["selected"] = device.id
            error = console.error(request, failed, error_messages.TWO_CONSECUTIVE_CODES)
        else:
            return redirect("/signin/mfa?notice=device-resynced")
    return console.render(request, "signin_resync.html", context, current=current, status=400, error=error)
