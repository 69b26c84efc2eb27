"""Issue 16, item 2: a user's page, as an administrator sees it, over HTTP against the real server. Every action's
effect is read back through boto3 (the API sees what the console changed), and every refusal changes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.console.console_client import ConsoleClient, console_client
from tests.console.user_detail_support import (
    ADMIN_ACCESS,
    ALLOW_ALL,
    READ_ONLY,
    USER_PASSWORD,
    admin_iam,
    fully_attached_user,
)
from tests.server_harness import RunningServer, running_server
from tests.sts.harness import add_user, put_policy

SECRET = re.compile(r'<code id="secret-access-key" class="secret">([^<]+)</code>')
KEY_ID = re.compile(r'<code id="access-key-id" class="serial">(AKIA[A-Z0-9]+)</code>')


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def root(server: RunningServer) -> Iterator[ConsoleClient]:
    """The root user, signed in with an MFA device of its own (required; also a fresh MFA proof)."""
    with console_client(server) as signed_in:
        signed_in.sign_in_root()
        signed_in.enrol("root-phone")
        yield signed_in


def act(client: ConsoleClient, user: str, path: str, data: dict[str, str] | None = None) -> Any:
    """Open the user's page (for its form tokens), then submit one of its forms."""
    client.get(f"/users/{user}")
    return client.post(f"/users/{user}/{path}", data or {})


def test_the_users_list_links_each_user_to_its_page(server: RunningServer, root: ConsoleClient) -> None:
    iam = admin_iam(server)
    iam.create_user(UserName="alice")
    assert 'href="/users/alice"' in root.get("/users").text
    page = root.get("/users/alice")
    assert page.status_code == 200
    assert f"arn:aws:iam::{server.account_id}:user/alice" in page.text
    assert "Delete user" in page.text and "Create access key" in page.text
    assert root.get("/users/nobody").status_code == 404


def test_access_keys_are_created_once_shown_made_inactive_and_deleted(
    server: RunningServer, root: ConsoleClient
) -> None:
    iam = admin_iam(server)
    iam.create_user(UserName="alice")
    created = act(root, "alice", "access-keys/create")
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    key_id, secret = KEY_ID.search(created.text).group(1), SECRET.search(created.text).group(1)  # type: ignore[union-attr]
    listed = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in listed] == [(key_id, "Active")]
    assert secret not in root.get("/users/alice").text  # shown once
    from tests.sts.harness import client as api_client

    assert api_client(server, "sts", key_id, secret).get_caller_identity()["Arn"].endswith(":user/alice")

    done = act(root, "alice", "access-keys/update", {"key_id": key_id, "status": "Inactive"})
    assert done.status_code == 303 and done.headers["location"] == "/users/alice?notice=access-key-deactivated"
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    act(root, "alice", "access-keys/update", {"key_id": key_id, "status": "Active"})
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"] == "Active"
    bad = act(root, "alice", "access-keys/update", {"key_id": key_id, "status": "Sideways"})
    assert bad.status_code == 400
    assert act(root, "alice", "access-keys/delete", {"key_id": key_id}).status_code == 303
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []

    act(root, "alice", "access-keys/create")
    act(root, "alice", "access-keys/create")
    third = act(root, "alice", "access-keys/create")
    assert third.status_code == 409 and "2 access keys" in third.text
    assert len(iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]) == 2


def test_the_console_password_is_created_reset_required_and_removed(server: RunningServer, root: ConsoleClient) -> None:
    iam = admin_iam(server)
    iam.create_user(UserName="alice")
    mismatch = act(root, "alice", "console-password", {"password": USER_PASSWORD, "password_again": "other"})
    assert mismatch.status_code == 400 and "do not match" in mismatch.text
    weak = act(root, "alice", "console-password", {"password": "short", "password_again": "short"})
    assert weak.status_code == 400 and "at least 8 characters" in weak.text
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_login_profile(UserName="alice")

    fields = {"password": USER_PASSWORD, "password_again": USER_PASSWORD}
    done = act(root, "alice", "console-password", fields)
    assert done.headers["location"] == "/users/alice?notice=console-password-created"
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    with console_client(server) as alice:
        assert alice.sign_in_iam("alice", USER_PASSWORD).status_code == 303

    act(root, "alice", "console-password/require-reset")
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is True
    reset = act(root, "alice", "console-password", {**fields, "password": "another long passphrase"})
    assert reset.status_code == 400  # the two fields differ: nothing changed
    new = "another long passphrase"
    reset = act(root, "alice", "console-password", {"password": new, "password_again": new, "require_reset": "on"})
    assert reset.headers["location"] == "/users/alice?notice=console-password-reset"
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is True

    assert act(root, "alice", "console-password/remove").status_code == 303
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_login_profile(UserName="alice")


def test_groups_and_managed_policies(server: RunningServer, root: ConsoleClient) -> None:
    iam = admin_iam(server)
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="ops")
    assert 'option value="ops"' in root.get("/users/alice").text
    assert act(root, "alice", "groups/add", {"group": "ops"}).status_code == 303
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["ops"]
    missing = act(root, "alice", "groups/add", {"group": "nope"})
    assert missing.status_code == 400 and "does not exist" in missing.text
    assert act(root, "alice", "groups/remove", {"group": "ops"}).status_code == 303
    assert iam.list_groups_for_user(UserName="alice")["Groups"] == []

    assert act(root, "alice", "policies/attach", {"policy_arn": ADMIN_ACCESS}).status_code == 303
    attached = iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [ADMIN_ACCESS]
    assert act(root, "alice", "policies/detach", {"policy_arn": ADMIN_ACCESS}).status_code == 303
    assert iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"] == []


def test_inline_policies_are_validated_in_place_saved_edited_and_deleted(
    server: RunningServer, root: ConsoleClient
) -> None:
    iam = admin_iam(server)
    iam.create_user(UserName="alice")
    editor = root.get("/users/alice/policies/inline")
    assert editor.status_code == 200 and "2012-10-17" in editor.text
    broken = root.post("/users/alice/policies/inline", {"policy_name": "own", "document": '{"Version": '})
    assert broken.status_code == 400
    assert "MalformedPolicyDocument" in broken.text and "Syntax errors in policy." in broken.text
    assert "{&#34;Version&#34;: " in broken.text or "{&quot;Version&quot;: " in broken.text  # the text stays
    no_action = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]})
    refused = root.post("/users/alice/policies/inline", {"policy_name": "own", "document": no_action})
    assert refused.status_code == 400 and "Policy statement must contain actions." in refused.text
    bad_name = root.post("/users/alice/policies/inline", {"policy_name": "no spaces", "document": ALLOW_ALL})
    assert bad_name.status_code == 400 and "Policy names use" in bad_name.text
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == []

    saved = root.post("/users/alice/policies/inline", {"policy_name": "own", "document": ALLOW_ALL})
    assert saved.headers["location"] == "/users/alice?notice=inline-policy-saved"
    assert iam.get_user_policy(UserName="alice", PolicyName="own")["PolicyDocument"] == json.loads(ALLOW_ALL)
    root.get("/users/alice/policies/inline")
    taken = root.post("/users/alice/policies/inline", {"policy_name": "own", "document": ALLOW_ALL})
    assert taken.status_code == 400 and "already has an inline policy" in taken.text

    edit = root.get("/users/alice/policies/inline?policy=own")
    assert edit.status_code == 200 and "readonly" in edit.text
    narrower = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    )
    root.post("/users/alice/policies/inline", {"policy_name": "own", "document": narrower, "existing": "on"})
    assert iam.get_user_policy(UserName="alice", PolicyName="own")["PolicyDocument"] == json.loads(narrower)
    assert act(root, "alice", "policies/inline/delete", {"policy_name": "own"}).status_code == 303
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == []


def test_deleting_a_user_lists_what_is_attached_and_removes_it_first(
    server: RunningServer, root: ConsoleClient
) -> None:
    iam = admin_iam(server)
    fully_attached_user(iam, "alice")
    with server.services() as services:
        bob = add_user(services, server.account_id, "bob")  # a user with an MFA device
    page = root.get("/users/alice/delete")
    assert page.status_code == 200 and "alice-team" in page.text and ADMIN_ACCESS in page.text
    wrong_name = root.post("/users/alice/delete", {"confirm": "alic"})
    assert wrong_name.status_code == 400
    conflict = root.post("/users/alice/delete", {"confirm": "alice"})
    assert conflict.status_code == 409 and "remove them first" in conflict.text
    iam.get_user(UserName="alice")  # still there, with everything

    done = root.post("/users/alice/delete", {"confirm": "alice", "remove_attached": "on"})
    assert done.status_code == 303 and done.headers["location"] == "/users?notice=user-deleted"
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_user(UserName="alice")
    assert iam.get_group(GroupName="alice-team")["Users"] == []

    assert bob.serial is not None and bob.serial in root.get("/users/bob/delete").text
    assert root.post("/users/bob/delete", {"confirm": "bob", "remove_attached": "on"}).status_code == 303
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_user(UserName="bob")


def test_deactivating_a_device_from_the_users_page(server: RunningServer, root: ConsoleClient) -> None:
    with server.services() as services:
        bob = add_user(services, server.account_id, "bob")
    assert bob.serial is not None and bob.serial in root.get("/users/bob").text
    done = act(root, "bob", "mfa/deactivate", {"serial": bob.serial})
    assert done.headers["location"] == "/users/bob?notice=device-deactivated"
    assert admin_iam(server).list_mfa_devices(UserName="bob")["MFADevices"] == []


def test_an_administrator_without_a_fresh_proof_is_sent_to_reauthenticate(server: RunningServer) -> None:
    with server.services() as services:
        bob = add_user(services, server.account_id, "bob")
    assert bob.serial is not None
    with console_client(server) as root:
        root.sign_in_root()
        root.enrol("root-phone")
        server.move_clock(600)  # the enrolment's proof is older than the fresh-proof window
        root.get("/users/bob")  # (the idle timeout is 30 minutes: the session lives on)
        stale = root.post("/users/bob/mfa/deactivate", {"serial": bob.serial})
        assert stale.status_code == 303 and stale.headers["location"] == "/reauthenticate?next=/users/bob"
    assert len(admin_iam(server).list_mfa_devices(UserName="bob")["MFADevices"]) == 1


def test_every_action_is_decided_by_the_principals_policies(server: RunningServer) -> None:
    iam = admin_iam(server)
    fully_attached_user(iam, "alice")
    with server.services() as services:
        root_user = services.identity.root_user(server.account_id)
        viewer = services.identity.create_user(server.account_id, "viewer", actor=root_user, password=USER_PASSWORD)
        put_policy(services, viewer, "read", READ_ONLY)
    key_id = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["AccessKeyId"]
    arn = f"arn:aws:iam::{server.account_id}:user/alice"
    group_arn = f"arn:aws:iam::{server.account_id}:group/alice-team"
    attempts = [
        ("access-keys/create", {}, "iam:CreateAccessKey"),
        ("access-keys/update", {"key_id": key_id, "status": "Inactive"}, "iam:UpdateAccessKey"),
        ("access-keys/delete", {"key_id": key_id}, "iam:DeleteAccessKey"),
        ("console-password", {"password": "x" * 20, "password_again": "x" * 20}, "iam:UpdateLoginProfile"),
        ("console-password/require-reset", {}, "iam:UpdateLoginProfile"),
        ("console-password/remove", {}, "iam:DeleteLoginProfile"),
        ("groups/remove", {"group": "alice-team"}, "iam:RemoveUserFromGroup"),  # on the group: see below
        ("policies/detach", {"policy_arn": ADMIN_ACCESS}, "iam:DetachUserPolicy"),
        ("policies/inline", {"policy_name": "own", "document": ALLOW_ALL}, "iam:PutUserPolicy"),
        ("policies/inline/delete", {"policy_name": "own"}, "iam:DeleteUserPolicy"),
        ("delete", {"confirm": "alice", "remove_attached": "on"}, "iam:DeleteLoginProfile"),
    ]
    with console_client(server) as client:
        assert client.sign_in_iam("viewer", USER_PASSWORD).status_code == 303
        assert 'href="/users"' in client.get("/security-credentials").text  # iam:ListUsers: the Users link
        page = client.get("/users/alice").text
        assert "Your policies do not allow iam:ListAccessKeys for this user." in page
        for path, data, action in attempts:
            refused = act(client, "alice", path, data)
            assert refused.status_code == 403, path
            resource = group_arn if path.startswith("groups/") else arn
            assert f"Your policies do not allow {action} on {resource}." in refused.text, path
    keys = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(key_id, "Active")]
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == ["own"]
    assert len(iam.list_groups_for_user(UserName="alice")["Groups"]) == 1


def test_an_explicit_deny_on_one_user_is_honoured_and_no_link_without_list_users(server: RunningServer) -> None:
    iam = admin_iam(server)
    iam.create_user(UserName="alice")
    iam.create_user(UserName="boss")
    deny_boss = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*", "Resource": f"arn:aws:iam::{server.account_id}:user/boss"},
        ],
    }
    with server.services() as services:
        root_user = services.identity.root_user(server.account_id)
        ops = services.identity.create_user(server.account_id, "ops", actor=root_user, password=USER_PASSWORD)
        put_policy(services, ops, "almost-all", json.dumps(deny_boss))
        services.identity.create_user(server.account_id, "nobody", actor=root_user, password=USER_PASSWORD)
    with console_client(server) as client:
        client.sign_in_iam("ops", USER_PASSWORD)
        assert act(client, "alice", "access-keys/create").status_code == 200
        refused = client.get("/users/boss")
        assert refused.status_code == 403 and "iam:GetUser" in refused.text
    assert iam.list_access_keys(UserName="boss")["AccessKeyMetadata"] == []
    with console_client(server) as client:
        client.sign_in_iam("nobody", USER_PASSWORD)
        assert 'href="/users"' not in client.get("/security-credentials").text
        assert client.get("/users/alice").status_code == 403


def test_forms_without_the_session_token_change_nothing(server: RunningServer, root: ConsoleClient) -> None:
    iam = admin_iam(server)
    iam.create_user(UserName="alice")
    root.get("/users/alice")
    forged = root.post("/users/alice/access-keys/create", {}, with_tokens=False)
    assert forged.status_code == 403
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []


def test_a_user_named_dot_dot_has_a_page_too(server: RunningServer, root: ConsoleClient) -> None:
    admin_iam(server).create_user(UserName="..")
    assert 'href="/users/~.."' in root.get("/users").text
    page = root.get("/users/~..")
    assert page.status_code == 200 and f"arn:aws:iam::{server.account_id}:user/.." in page.text
    assert act(root, "~..", "access-keys/create").status_code == 200
    assert len(admin_iam(server).list_access_keys(UserName="..")["AccessKeyMetadata"]) == 1
