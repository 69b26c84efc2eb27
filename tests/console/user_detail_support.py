"""What the user-detail tests share: boto3 as the account's administrator (the `admin` user `twostep init` made),
and a user set up through the API with everything IAM can attach to a user."""

from __future__ import annotations

import json
from typing import Any

from tests.server_harness import RunningServer
from tests.sts.harness import client

ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
READ_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*"}],
    }
)
USER_PASSWORD = "a long passphrase for alice"
ADMIN_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"


def admin_iam(server: RunningServer) -> Any:
    """boto3's IAM client with the admin user's access key (AdministratorAccess)."""
    return client(server, "iam", server.admin["access_key_id"], server.admin["secret_access_key"])


def fully_attached_user(iam: Any, name: str) -> None:
    """A user with every kind of thing DeleteUser refuses to leave behind: a console password, an access key, a
    group membership, an inline and an attached policy (an MFA device is added by the tests that need one)."""
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=USER_PASSWORD)
    iam.create_access_key(UserName=name)
    iam.create_group(GroupName=f"{name}-team")
    iam.add_user_to_group(GroupName=f"{name}-team", UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="own", PolicyDocument=ALLOW_ALL)
    iam.attach_user_policy(UserName=name, PolicyArn=ADMIN_ACCESS)
