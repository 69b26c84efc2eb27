"""Sign-in (root by email, IAM users by account id and name), the MFA step, re-authentication, sign-out."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from twostep.console import security
from twostep.console.context import Console, Form, Halt, local_path
from twostep.console.enrolment_pages import discard_enrolment
from twostep.console.i18n import N_
from twostep.identity.models import User
from twostep.mfa.errors import MfaError
from twostep.mfa.models import MfaDevice
from twostep.signin.errors import MfaFailed, SessionInvalid, SignInFailed
from twostep.signin.models import CurrentSession, Grant, Stage

# S13: one message for an unknown user, a wrong password and a throttled attempt.
SIGNIN_FAILED = N_("Your authentication information is incorrect. Please try again.")
MFA_FAILED = N_("The MFA code is not valid. Enter a new code from your device and try again.")
RESYNC_FAILED = N_("The MFA codes are not valid. Enter two consecutive codes from your device and try again.")
ENTER_EMAIL = N_("Enter your email address.")
ACCOUNT_ID = re.compile(r"[0-9]{12}")


def chosen_device(devices: list[MfaDevice], form: Form) -> MfaDevice | None:
    """The device picked on the form; the only one when there is just one."""
    if len(devices) == 1:
        return devices[0]
    wanted = form.text("device")
    return next((d for d in devices if d.id == wanted), None)


def signin_page(user: User | None, notice: str = "") -> str:
    """Where a user signs in again: IAM users on their account's page, everyone else by email."""
    suffix = f"notice={notice}" if notice else ""
    if user is not None and not user.is_root:
        return f"/signin/iam?account={user.account_id}" + (f"&{suffix}" if suffix else "")
    return "/signin" + (f"?{suffix}" if suffix else "")


def signed_in_response(console: Console, request: Request, grant: Grant, target: str) -> Response:
    response = console.redirect(target)
    security.set_session_cookie(response, request, grant.token)
    return response


def routes(console: Console) -> list[BaseRoute]:
    services = console.services
    signin = services.signin

    def client_ip(request: Request) -> str | None:
        return request.client.host if request.client else None

    def already_signed_in(request: Request) -> None:
        try:
            signin.current(security.session_token(request))
        except SessionInvalid:
            return
        raise Halt(console.redirect("/console"))

    def start(request: Request, form: Form) -> Response:
        try:
            signin.current(security.session_token(request))
        except SessionInvalid:
            return console.redirect("/signin")
        return console.redirect("/console")

    # -- password step ----------------------------------------------------------------------------------------

    def root_email(request: Request, form: Form) -> Response:
        if request.method == "GET":
            already_signed_in(request)
            return console.render(request, "signin_email.html", {"email": ""})
        console.check_presession_form(request, form)
        email = form.text("email", strip=True)
        if not email:
            error = console.gettext(request, ENTER_EMAIL)
            return console.render(request, "signin_email.html", {"email": ""}, status=400, error=error)
        # Whether the address exists is not revealed here: every address gets the password page (S13).
        return console.render(request, "signin_password.html", {"email": email})

    def password_failed(request: Request, template: str, context: dict[str, str]) -> Response:
        error = console.gettext(request, SIGNIN_FAILED)
        return console.render(request, template, context, status=400, error=error)

    def finish_password_step(request: Request, grant: Grant) -> Response:
        signin.sign_out(security.session_token(request))  # an earlier half-finished sign-in, if any
        target = "/signin/mfa" if grant.session.stage is Stage.NEEDS_MFA else "/console"
        return signed_in_response(console, request, grant, target)

    def root_password(request: Request, form: Form) -> Response:
        if request.method == "GET":  # e.g. the language switcher on a failed attempt's page
            return console.redirect("/signin")
        console.check_presession_form(request, form)
        email = form.text("email", strip=True)
        try:
            grant = signin.password_step(email=email, password=form.text("password"), source_ip=client_ip(request))
        except SignInFailed:
            return password_failed(request, "signin_password.html", {"email": email})
        return finish_password_step(request, grant)

    def iam_user(request: Request, form: Form) -> Response:
        if request.method == "GET":
            already_signed_in(request)
            account = request.query_params.get("account", "")
            context = {"account_id": account if ACCOUNT_ID.fullmatch(account) else "", "user_name": ""}
            return console.render(request, "signin_iam.html", context)
        console.check_presession_form(request, form)
        account_id, user_name = form.text("account_id", strip=True), form.text("user_name", strip=True)
        context = {"account_id": account_id, "user_name": user_name}
        try:
            grant = signin.password_step(
                account_id=account_id,
                user_name=user_name,
                password=form.text("password"),
                source_ip=client_ip(request),
            )
        except SignInFailed:
            return password_failed(request, "signin_iam.html", context)
        return finish_password_step(request, grant)

    # -- MFA step ---------------------------------------------------------------------------------------------

    def mfa_page(
        request: Request,
        current: CurrentSession,
        devices: list[MfaDevice],
        selected: MfaDevice | None = None,
        error: str | None = None,
    ) -> Response:
        context = {"devices": devices, "selected": (selected or devices[0]).id}
        status = 400 if error else 200
        return console.render(request, "mfa_prompt.html", context, current=current, status=status, error=error)

    def mfa(request: Request, form: Form) -> Response:
        current = console.half_signed_in(request)
        devices = services.mfa.devices_of(current.user)
        if not devices:  # the last device went away meanwhile: start again
            signin.sign_out(security.session_token(request))
            return console.redirect("/signin")
        if request.method == "GET":
            return mfa_page(request, current, devices)
        console.check_session_form(request, form, current)
        device = chosen_device(devices, form)
        token = security.session_token(request)
        if device is not None and token is not None:
            try:
                grant = signin.mfa_step(token, device.id, form.text("code"), source_ip=client_ip(request))
            except MfaFailed as failed:
                if failed.ended:  # S12: a lockout ends the half-finished sign-in; the password is needed again
                    response = console.redirect(signin_page(current.user, "mfa-ended"))
                    security.clear_session_cookie(response, request)
                    return response
            except SessionInvalid:
                return console.redirect("/signin")
            else:
                return signed_in_response(console, request, grant, "/console")
        return mfa_page(request, current, devices, device, console.gettext(request, MFA_FAILED))

    def mfa_resync(request: Request, form: Form) -> Response:
        """AWS's "Troubleshoot MFA" at sign-in: two consecutive codes re-centre a drifted (or locked) device.

        It does not sign in: the next code does, on the MFA page.
        """
        current = console.half_signed_in(request)
        if services.clock.now() - current.session.authenticated_at > signin.settings.fresh_window:
            # S17: resync is an MFA change: two consecutive codes, after a password proved minutes ago.
            signin.sign_out(security.session_token(request))
            response = console.redirect(signin_page(current.user))
            security.clear_session_cookie(response, request)
            return response
        devices = services.mfa.devices_of(current.user)
        context: dict[str, object] = {"devices": devices, "selected": devices[0].id if devices else ""}
        if request.method == "GET":
            return console.render(request, "signin_resync.html", context, current=current)
        console.check_session_form(request, form, current)
        device = chosen_device(devices, form)
        if device is not None:
            try:
                services.mfa.resync(
                    current.user,
                    device.serial,
                    form.text("code1"),
                    form.text("code2"),
                    actor=current.user,
                    source_ip=client_ip(request),
                )
            except MfaError:
                context["selected"] = device.id
            else:
                return console.redirect("/signin/mfa?notice=device-resynced")
        error = console.gettext(request, RESYNC_FAILED)
        return console.render(request, "signin_resync.html", context, current=current, status=400, error=error)

    # -- re-authentication (S17) ------------------------------------------------------------------------------

    def reauthenticate(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        devices = services.mfa.devices_of(current.user)
        target = local_path(request.query_params.get("next", ""), "/security-credentials")
        context: dict[str, object] = {"devices": devices, "selected": devices[0].id if devices else "", "next": target}
        if request.method == "GET":
            return console.render(request, "reauthenticate.html", context, current=current)
        console.check_session_form(request, form, current)
        device = chosen_device(devices, form)
        token = security.session_token(request)
        assert token is not None
        try:
            grant = signin.reauthenticate(
                token,
                password=form.text("password"),
                device_id=device.id if device else None,
                code=form.text("code"),
                source_ip=client_ip(request),
            )
        except (SignInFailed, MfaFailed) as failed:
            message = SIGNIN_FAILED if isinstance(failed, SignInFailed) else MFA_FAILED
            context["selected"] = device.id if device else ""
            error = console.gettext(request, message)
            return console.render(request, "reauthenticate.html", context, current=current, status=400, error=error)
        except SessionInvalid:
            return console.redirect("/signin")
        return signed_in_response(console, request, grant, target)

    # -- sign-out ---------------------------------------------------------------------------------------------

    def any_session(request: Request) -> CurrentSession | None:
        token = security.session_token(request)
        for stage in (Stage.SIGNED_IN, Stage.NEEDS_MFA):
            try:
                return signin.current(token, stage=stage)
            except SessionInvalid:
                continue
        return None

    def signed_out(request: Request, notice: str, user: User | None = None) -> Response:
        response = console.redirect(signin_page(user, notice))
        security.clear_session_cookie(response, request)
        return response

    def sign_out(request: Request, form: Form) -> Response:
        current = any_session(request)
        if current is None:  # nothing to end: an expired session needs no token check
            return signed_out(request, "signed-out")
        console.check_session_form(request, form, current)
        discard_enrolment(console, current)
        signin.sign_out(security.session_token(request))
        return signed_out(request, "signed-out", current.user)

    def sign_out_everywhere(request: Request, form: Form) -> Response:
        current = console.signed_in(request)
        console.check_session_form(request, form, current)
        discard_enrolment(console, current)
        signin.sign_out_everywhere(current.user)
        return signed_out(request, "signed-out-everywhere", current.user)

    return [
        Route("/", console.page(start), methods=["GET"]),
        Route("/signin", console.page(root_email), methods=["GET", "POST"]),
        # Pages that check a password or a code answer no sooner than the floor (S13).
        Route("/signin/root", console.page(root_password, answer_floor=True), methods=["GET", "POST"]),
        Route("/signin/iam", console.page(iam_user, answer_floor=True), methods=["GET", "POST"]),
        Route("/signin/mfa", console.page(mfa, answer_floor=True), methods=["GET", "POST"]),
        Route("/signin/mfa/resync", console.page(mfa_resync, answer_floor=True), methods=["GET", "POST"]),
        Route("/reauthenticate", console.page(reauthenticate, answer_floor=True), methods=["GET", "POST"]),
        Route("/signout", console.page(sign_out), methods=["POST"]),
        Route("/signout-everywhere", console.page(sign_out_everywhere), methods=["POST"]),
    ]
