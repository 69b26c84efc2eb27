"""S28: property-based fuzzing of the whole HTTP application (the ASGI app over httpx's ASGI transport: the same
code `twostep serve` runs, without sockets): the AWS query API with random actions, parameters and bodies, signed
by botocore's SigV4Auth or not, and every console form with random fields, cookies and headers, signed in or not.
Whatever arrives, the answer is never a 5xx (an exception inside the app fails the test with its traceback), and
afterwards the database holds only whole changes (`twostep db check`) and the audit chains verify.

The SigV4 parser and canonicaliser are fuzzed on their own in tests/awsapi/test_sigv4_fuzz.py.
"""

from __future__ import annotations

import itertools
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.asgi_app import AsgiApp, asgi_app
from tests.helpers import earlier_step_codes
from twostep import bootstrap
from twostep.audit.head_signature import HeadSigner
from twostep.audit.verification import verify_chains
from twostep.awsapi.operations import HANDLERS
from twostep.awsapi.protocol.model import Shape, load_service_model
from twostep.identity.models import User
from twostep.signin.models import Session, Stage
from twostep.signin.sessions import hash_token

BASE = "http://localhost:8000"  # a host name: passkeys are offered (no IP address is an RP ID)
EMAIL = "owner@example.com"
PASSWORD = "correct horse battery"
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: a failure here is a bug, not a flaky test
)
T = TypeVar("T")


@dataclass
class World:
    app: AsgiApp
    root: User
    alice: User
    key: Credentials
    serial: str
    device_id: str
    seed: bytes

    @property
    def services(self) -> bootstrap.Services:
        return self.app.services

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.app.client.cookies.clear()  # each example brings its own cookies
        return self.app.request(method, path, **kwargs)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with asgi_app(tmp_path_factory.mktemp("fuzz"), base_url=BASE) as app:
        services = app.services
        _, root = services.identity.create_account(EMAIL, PASSWORD)
        created = services.identity.create_access_key(root, actor=root)
        alice = services.identity.create_user(root.account_id, "alice", actor=root, password=PASSWORD)
        new = services.mfa.create_virtual_device(root.account_id, "alice-phone", actor=alice)
        services.mfa.enable(alice, new.device.serial, *earlier_step_codes(new.seed, services.clock.now), actor=root)
        key = Credentials(created.key.id, created.secret_access_key)
        yield World(app, root, alice, key, new.device.serial, new.device.id, new.seed)


def assert_whole(world: World) -> None:
    """Nothing half-written: `twostep db check` and `twostep audit verify` hold."""
    services = world.services
    report = services.database.check(services.keyring)
    assert report.consistent, report.problems
    with services.database.audit_snapshot() as snapshot:
        verified = verify_chains(
            snapshot.events(), snapshot.heads(), HeadSigner(services.keyring), snapshot.account_ids()
        )
    assert verified.intact, verified.problems


# -- the query API ---------------------------------------------------------------------------------------------------

IAM, STS = load_service_model("iam"), load_service_model("sts")


def wire_names(shape: Shape | None, prefix: str = "", depth: int = 0) -> list[str]:
    """The form names a query request may carry for a shape, one element deep for lists and maps."""
    if shape is None or depth > 3:
        return []
    names: list[str] = []
    for name, member in shape.members.items():
        wire = prefix + (member.wire_name or name)
        if member.type == "structure":
            names += wire_names(member, wire + ".", depth + 1)
        elif member.type == "list" and member.member is not None:
            names.append(wire)
            element = f"{wire}.member.1" if not member.flattened else f"{wire}.1"
            if member.member.type == "structure":
                names += wire_names(member.member, element + ".", depth + 1)
            else:
                names += [element, element.replace(".1", ".2")]
        elif member.type == "map":
            names += [f"{wire}.entry.1.key", f"{wire}.entry.1.value"]
        else:
            names.append(wire)
    return names


ACTIONS = sorted(HANDLERS)  # what twostep serves; other operations of the models come in as unknown text
PARAMETERS = sorted(
    {n for service, action in ACTIONS for n in wire_names((IAM if service == "iam" else STS).input_shape(action))}
)
PLAIN = st.text(max_size=40)


def weighted(*choices: tuple[int, T]) -> st.SearchStrategy[T]:
    return st.sampled_from([value for weight, value in choices for _ in range(weight)])


def values(world_values: list[str]) -> st.SearchStrategy[str]:
    interesting = [
        "",
        "admin",
        "alice",
        "root",
        "123456",
        "000000",
        " 12345",
        "１２３４５６",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        '{"Statement":[',
        "true",
        "-1",
        "0",
        "900",
        "99999999999999999999999",
        "Assigned",
        "Active",
        "Inactive",
        "/",
        "/a/b/",
        "1970-01-01T00:00:00Z",
        "%zz",
        "\x00",
        "\udcff",
        "a" * 300,
    ]
    return weighted(
        (5, PLAIN),
        (4, st.sampled_from(interesting + world_values)),
        (1, st.integers().map(str)),
        (1, st.text(min_size=1000, max_size=1100)),  # around the console's 1024-character limit on a field
    ).flatmap(lambda strategy: strategy)


@st.composite
def api_requests(draw: st.DrawFn, world_values: list[str]) -> tuple[str, list[tuple[str, str]], str, str]:
    """Mostly well-formed, signed requests for real actions (to get past SigV4 and into the handlers), with
    everything else mixed in: unknown actions, wrong versions, other services' scopes, bad or no signatures."""
    known = draw(weighted((4, True), (1, False)))
    service, action = draw(st.sampled_from(ACTIONS)) if known else (draw(st.sampled_from(["iam", "sts"])), draw(PLAIN))
    model = IAM if service == "iam" else STS
    names = wire_names(model.input_shape(action)) if model.has_operation(action) else []
    name = st.one_of(st.sampled_from(names or PARAMETERS), st.sampled_from(PARAMETERS), PLAIN) if names else PLAIN
    pairs = draw(st.lists(st.tuples(name, values(world_values)), max_size=8))
    version = model.api_version if draw(weighted((9, True), (1, False))) else draw(PLAIN)
    form = [("Action", action), ("Version", version), *pairs] if draw(weighted((9, True), (1, False))) else pairs
    signing_service = draw(weighted((17, service), (1, "iam" if service == "sts" else "sts"), (1, "s3"), (1, "")))
    auth = draw(weighted((15, "signed"), (2, "tampered"), (1, "unsigned"), (2, "garbage")))
    return signing_service, form, auth, draw(weighted((16, "form"), (2, "query"), (2, "bytes")))


def test_the_query_api_never_fails_on_any_request(world: World) -> None:
    world_values = [world.serial, world.root.account_id, world.key.access_key]

    @FUZZ
    @given(api_requests(world_values), st.binary(max_size=200), st.text(max_size=80))
    def check(request: tuple[str, list[tuple[str, str]], str, str], raw: bytes, header: str) -> None:
        signing_service, form, auth, encoding = request
        body = urlencode(form, encoding="utf-8", errors="surrogatepass").encode("ascii")
        url = BASE + "/"
        if encoding == "query":
            url, body = f"{url}?{body.decode('ascii')}", b""
        elif encoding == "bytes":
            body = raw
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        if auth in ("signed", "tampered"):
            signed = AWSRequest(method="POST", url=url, data=body, headers=headers)
            region = random.Random(len(body)).choice(["us-east-1", "eu-west-1", "ap-northeast-2"])
            SigV4Auth(world.key, signing_service or "iam", region).add_auth(signed)
            headers = dict(signed.headers.items())
            if auth == "tampered":
                body = body + b"&x=1"
        elif auth == "garbage":
            headers["Authorization"] = header
            headers["X-Amz-Date"] = header[:16]
        answer = world.send("POST", url.removeprefix(BASE), content=body, headers=headers)
        assert answer.status_code < 500, answer.text
        assert answer.headers["content-type"].startswith("text/xml")

    check()
    assert_whole(world)


# -- the console -----------------------------------------------------------------------------------------------------

FIELDS = [
    "email",
    "password",
    "account_id",
    "user_name",
    "code",
    "code1",
    "code2",
    "device",
    "name",
    "device_type",
    "language",
    "next",
    "csrf_token",
    "form_token",
    "credential",
    "assertion",
    "key_id",
    "status",
    "group",
    "policy_arn",
    "policy_name",
    "document",
    "confirm",
]


def console_routes(world: World) -> dict[str, list[str]]:
    """Every console path (POST routes and a few GET ones), with the form fields each reads."""
    device = f"/security-credentials/mfa/{world.device_id}"
    password = ["password", "code", "device", "assertion"]
    return {
        "/signin": ["email"],
        "/signin/root": ["email", "password"],
        "/signin/iam": ["account_id", "user_name", "password"],
        "/signin/mfa": ["code", "device", "assertion"],
        "/signin/mfa/passkey/options": ["device"],
        "/signin/mfa/resync": ["code1", "code2", "device"],
        "/reauthenticate": password,
        "/reauthenticate?next=//evil.example": password,
        "/reauthenticate/passkey/options": ["device"],
        "/signout": [],
        "/signout-everywhere": [],
        "/security-credentials/mfa/assign": ["name", "device_type"],
        "/security-credentials/mfa/assign/setup": ["code1", "code2"],
        "/security-credentials/mfa/assign/cancel": [],
        "/security-credentials/mfa/assign/passkey": ["credential"],
        "/security-credentials/mfa/assign/passkey/options": [],
        device + "/resync": ["code1", "code2"],
        device + "/remove": ["code"],
        "/security-credentials/mfa/MFADNOSUCHDEVICE/remove": ["code"],
        "/users": ["name", "password"],
        # a user's page (issue 16): alice's, a name that needs the "~" escape, and one that names nobody
        "/users/alice": [],
        "/users/~..": [],
        "/users/nobody%2F..": [],
        "/users/alice/mfa/deactivate": ["serial"],
        "/users/alice/access-keys/create": [],
        "/users/alice/access-keys/update": ["key_id", "status"],
        "/users/alice/access-keys/delete": ["key_id"],
        "/users/alice/console-password": ["password", "password_again", "require_reset"],
        "/users/alice/console-password/remove": [],
        "/users/alice/console-password/require-reset": [],
        "/users/alice/groups/add": ["group"],
        "/users/alice/groups/remove": ["group"],
        "/users/alice/policies/attach": ["policy_arn"],
        "/users/alice/policies/detach": ["policy_arn"],
        "/users/alice/policies/inline": ["policy_name", "document", "existing"],
        "/users/alice/policies/inline?policy=own": [],
        "/users/alice/policies/inline/delete": ["policy_name"],
        "/users/alice/delete": ["confirm", "remove_attached"],
        "/language": ["language", "next"],
        "/console": [],
        "/security-credentials": [],
        "/": [],
    }


@st.composite
def console_requests(draw: st.DrawFn, world: World) -> dict[str, Any]:
    interesting = [
        world.root.account_id,
        "alice",
        EMAIL,
        PASSWORD,
        world.device_id,
        "authenticator-app",
        "passkey",
        '{"id": "AA", "rawId": "AA", "type": "public-key", "response": {}}',
        "ko",
        "en",
        "/security-credentials",
        "https://evil.example/",
        "Inactive",
        "on",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    ]
    routes = console_routes(world)
    path = draw(st.sampled_from(sorted(routes)))
    own = routes[path] or FIELDS
    name = weighted((6, st.sampled_from(own)), (2, st.sampled_from(FIELDS)), (1, PLAIN)).flatmap(lambda x: x)
    return {
        "method": draw(weighted((5, "POST"), (1, "GET"))),
        "path": path,
        "fields": draw(st.lists(st.tuples(name, values(interesting)), max_size=8)),
        "session": draw(
            weighted((1, "none"), (3, "root"), (2, "root enrolling"), (3, "alice"), (2, "half"), (1, "garbage"))
        ),
        "csrf": draw(weighted((6, "right"), (1, "wrong"), (1, "missing"))),
        "origin": draw(weighted((12, "own"), (1, "foreign"), (1, "null"), (1, "missing"), (1, "garbage"))),
        "encoding": draw(weighted((8, "form"), (1, "multipart"), (1, "bytes"))),
        "raw": draw(st.binary(max_size=200)),
        "header": draw(st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60)),
        "cookie": draw(PLAIN),
    }


NAMES = itertools.count()


def session_of(world: World, user: User, stage: Stage) -> tuple[str, str]:
    """A session written straight to the store, as the sign-in pages leave it (alice's SIGNED_IN one as after her
    code, a moment ago): each example needs a fresh session, and the fuzzer's wrong passwords and codes soon slow
    the real steps down. Returns (cookie token, CSRF token)."""
    now = world.services.clock.now()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with_mfa = stage is Stage.SIGNED_IN and user.id == world.alice.id
    session = Session(
        id_hash=hash_token(token),
        user_id=user.id,
        stage=stage,
        created_at=now,
        last_seen_at=now,
        authenticated_at=now,
        csrf_token=csrf,
        mfa_at=now if with_mfa else None,
        mfa_device_id=world.device_id if with_mfa else None,
    )
    with world.services.uow() as uow:
        uow.sessions.add(session)
        uow.commit()
    return token, csrf


def test_the_console_never_fails_on_any_form(world: World) -> None:
    services = world.services

    @FUZZ
    @given(console_requests(world))
    def check(request: dict[str, Any]) -> None:
        cookies: dict[str, str] = {"twostep-form": "form-token-of-this-browser"}
        csrf = "form-token-of-this-browser"
        if request["session"] in ("root", "root enrolling"):
            cookies["twostep-session"], csrf = session_of(world, world.root, Stage.SIGNED_IN)
            if request["session"] == "root enrolling":  # half-way through the Assign MFA device wizard
                new = services.mfa.create_virtual_device(world.root.account_id, f"fuzz-{next(NAMES)}", actor=world.root)
                current = services.signin.current(cookies["twostep-session"])
                services.signin.update_data(
                    current.session, {"enrolment": new.device.id, "passkey_enrolment": "fuzz-key"}
                )
        elif request["session"] == "alice":  # signed in with her device a moment ago
            cookies["twostep-session"], csrf = session_of(world, world.alice, Stage.SIGNED_IN)
        elif request["session"] == "half":  # past the password, waiting for the code
            cookies["twostep-session"], csrf = session_of(world, world.alice, Stage.NEEDS_MFA)
        elif request["session"] == "garbage":
            cookies["twostep-session"] = request["cookie"]
        cookies = {k: v.encode("ascii", "replace").decode("ascii").replace(";", "") for k, v in cookies.items()}
        fields = list(request["fields"])
        if request["csrf"] == "right":
            fields += [("csrf_token", csrf), ("form_token", "form-token-of-this-browser")]
        elif request["csrf"] == "wrong":
            fields += [("csrf_token", "x" * 43), ("form_token", "y" * 43)]
        headers = {
            "Accept-Language": request["header"],
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        }
        origin = {"own": BASE, "foreign": "https://evil.example", "null": "null", "garbage": request["header"]}
        if request["origin"] in origin:
            headers["Origin"] = origin[request["origin"]]
        kwargs: dict[str, Any] = {"headers": headers}
        if request["method"] == "POST":
            safe = [(k.encode("utf-8", "replace"), v.encode("utf-8", "replace")) for k, v in fields]
            if request["encoding"] == "form":
                kwargs["content"] = urlencode(safe).encode("ascii")
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            elif request["encoding"] == "multipart":
                kwargs["data"] = {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in safe}
                kwargs["files"] = {"upload": ("a.txt", request["raw"])}
            else:
                kwargs["content"] = request["raw"]
                headers["Content-Type"] = request["header"] or "application/x-www-form-urlencoded"
        answer = world.send(request["method"], request["path"], **kwargs)
        assert answer.status_code < 500, answer.text[:2000]

    check()
    assert_whole(world)
