"""S19 on the API: only SigV4 signatures made with an access key get in; a console password (as HTTP Basic
credentials, as a signing secret) or a signed-in console session (its cookie) gets nothing but an AWS error."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.asgi_app import asgi_app

EMAIL = "owner@example.com"
PASSWORD = "correct horse battery"
BODY = urlencode({"Action": "ListUsers", "Version": "2010-05-08"}).encode()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def code_of(text: str) -> str:
    found = re.search(r"<Code>(.*?)</Code>", text)
    assert found, text
    return found.group(1)


def signed(access_key_id: str, secret: str) -> dict[str, str]:
    request = AWSRequest(method="POST", url="http://127.0.0.1:8000/", data=BODY, headers=FORM)
    SigV4Auth(Credentials(access_key_id, secret), "iam", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def test_console_credentials_never_reach_the_api(tmp_path: Path) -> None:
    with asgi_app(tmp_path) as app:
        _, root = app.services.identity.create_account(EMAIL, PASSWORD)
        key = app.services.identity.create_access_key(root, actor=root)
        session = app.services.signin.password_step(email=EMAIL, password=PASSWORD)

        basic = base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
        answer = app.request("POST", "/", headers={**FORM, "Authorization": f"Basic {basic}"}, content=BODY)
        assert answer.status_code in (400, 403) and "<Users>" not in answer.text
        assert code_of(answer.text) in ("IncompleteSignature", "MissingAuthenticationToken")

        cookie = app.request("POST", "/", headers={**FORM, "Cookie": f"twostep-session={session.token}"}, content=BODY)
        assert cookie.status_code == 403 and code_of(cookie.text) == "MissingAuthenticationToken"

        for access_key_id in (EMAIL, root.arn, root.account_id, root.id):
            answer = app.request("POST", "/", headers=signed(access_key_id, PASSWORD), content=BODY)
            assert answer.status_code in (400, 403) and "<Users>" not in answer.text, access_key_id
        # The root user's own access key id, signed with the console password instead of its secret:
        answer = app.request("POST", "/", headers=signed(key.key.id, PASSWORD), content=BODY)
        assert answer.status_code == 403 and code_of(answer.text) == "SignatureDoesNotMatch"
        # ...and with its secret, it works: the key, never the password, is the API credential.
        answer = app.request("POST", "/", headers=signed(key.key.id, key.secret_access_key), content=BODY)
        assert answer.status_code == 200 and "<Users>" in answer.text
