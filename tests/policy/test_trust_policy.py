"""Trust policies: Principal is read in trust policies only, and AssumeRole's decision (roles/trust.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from twostep.identity.models import User
from twostep.identity.principal import Principal
from twostep.policy.language.access import Permissions, RequestEnvironment, decide, principal_keys, request_context
from twostep.policy.language.document import parse_policy
from twostep.policy.language.errors import NO_PRINCIPAL, MalformedPolicyDocument
from twostep.policy.language.evaluator import Decision, Explanation
from twostep.roles.models import Role
from twostep.roles.trust import (
    ROOT_REFUSED,
    Naming,
    decide_assume_role,
    evaluate_trust,
    naming,
    trust_denial,
)

ACCOUNT = "123456789012"
OTHER = "210987654321"
NOW = 1_800_000_000.0
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ops/admin"


def user(name: str, *, root: bool = False) -> User:
    return User(
        id="AIDA" + name.upper().ljust(17, "X")[:17],
        account_id=ACCOUNT,
        name=name,
        path="/",
        is_root=root,
        email=None,
        password_hash=None,
        created_at=0.0,
    )


ALICE, BOB, ROOT = user("alice"), user("bob"), user("root", root=True)
ROLE = Role("AROAOPSADMINXXXXXXXXX", ACCOUNT, "admin", "/ops/", "{}", 0.0)
SESSION = ROLE.session("s1", source_user_id=ALICE.id)


def trust(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


MFA_REQUIRED = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


# -- parsing ----------------------------------------------------------------------------------------------------


def test_principal_is_read_in_trust_policies() -> None:
    document = parse_policy(trust(allow({"AWS": [f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT]})), trust=True)
    principals = document.statements[0].principals
    assert principals is not None and not principals.everyone
    assert principals.of_type("AWS") == (f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT)
    assert document.statements[0].resources is None
    everyone = parse_policy(trust(allow("*")), trust=True).statements[0].principals
    assert everyone is not None and everyone.everyone


def test_identity_policies_still_refuse_principal() -> None:
    for key in ("Principal", "NotPrincipal"):
        text = json.dumps({"Statement": [{"Effect": "Allow", key: "*", "Action": "iam:*", "Resource": "*"}]})
        with pytest.raises(MalformedPolicyDocument) as refused:
            parse_policy(text)
        assert refused.value.message == NO_PRINCIPAL


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ({"Effect": "Allow", "Action": "sts:AssumeRole"}, "Missing required field Principal"),
        ({**allow("*"), "Resource": "*"}, "Has prohibited field Resource"),
        ({**allow("*"), "NotResource": "*"}, "Has prohibited field NotResource"),
        (
            {"Effect": "Deny", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
            "Has prohibited field NotPrincipal",
        ),
        (allow({"AWS": "alice"}), 'Invalid principal in policy: "AWS":"alice"'),
        (allow({"AWS": "arn:aws:iam::12345:root"}), 'Invalid principal in policy: "AWS":"arn:aws:iam::12345:root"'),
        (allow({"Service": "lambda"}), 'Invalid principal in policy: "Service":"lambda"'),
        ({**allow("*"), "Action": "iam:ListUsers"}, "AssumeRole policy may only specify STS AssumeRole actions."),
        (allow({"Nobody": "x"}), "Syntax errors in policy."),
        (allow({}), "Syntax errors in policy."),
        (allow(["*"]), "Syntax errors in policy."),
    ],
)
def test_trust_policies_are_validated(statement: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedPolicyDocument) as refused:
        parse_policy(trust(statement), trust=True)
    assert refused.value.message == message


def test_service_and_session_principals_are_accepted() -> None:
    principal = {
        "Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"],
        "AWS": [f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/s1", f"arn:aws:iam::{ACCOUNT}:user/ops/alice"],
    }
    parse_policy(trust(allow(principal)), trust=True)


# -- who a statement names --------------------------------------------------------------------------------------


def principals_of(principal: Any) -> Any:
    return parse_policy(trust(allow(principal)), trust=True).statements[0].principals


def test_naming() -> None:
    assert naming(principals_of("*"), ALICE) is Naming.DIRECTLY
    assert naming(principals_of({"AWS": "*"}), ALICE) is Naming.DIRECTLY
    assert naming(principals_of({"AWS": ALICE.arn}), ALICE) is Naming.DIRECTLY
    assert naming(principals_of({"AWS": ALICE.arn}), BOB) is None
    assert naming(principals_of({"AWS": ACCOUNT}), BOB) is Naming.ACCOUNT
    assert naming(principals_of({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), BOB) is Naming.ACCOUNT
    assert naming(principals_of({"AWS": [ACCOUNT, BOB.arn]}), BOB) is Naming.DIRECTLY
    assert naming(principals_of({"AWS": OTHER}), BOB) is None
    assert naming(principals_of({"Service": "ec2.amazonaws.com"}), BOB) is None
    # a role session is named by its role or by its own session ARN, never by the user who assumed it
    assert naming(principals_of({"AWS": ROLE.arn}), SESSION) is Naming.DIRECTLY
    assert naming(principals_of({"AWS": SESSION.arn}), SESSION) is Naming.DIRECTLY
    assert naming(principals_of({"AWS": ALICE.arn}), SESSION) is None


# -- the trust policy's decision --------------------------------------------------------------------------------


def context_for(caller: Principal, *, mfa_at: float | None = None, temporary: bool = False) -> Any:
    environment = RequestEnvironment(NOW, temporary=temporary or mfa_at is not None, mfa_authenticated_at=mfa_at)
    return request_context(caller, "sts:AssumeRole", ROLE_ARN, environment)


def test_mfa_conditions_are_evaluated_in_the_callers_context() -> None:
    policy = parse_policy(trust(allow({"AWS": ACCOUNT}, Condition=MFA_REQUIRED)), trust=True)
    assert evaluate_trust(policy, ALICE, context_for(ALICE)).decision is Decision.IMPLICIT_DENY
    assert evaluate_trust(policy, ALICE, context_for(ALICE, temporary=True)).decision is Decision.IMPLICIT_DENY
    allowed = evaluate_trust(policy, ALICE, context_for(ALICE, mfa_at=NOW))
    assert allowed.decision is Decision.ALLOW and allowed.naming is Naming.ACCOUNT
    recent = parse_policy(
        trust(allow({"AWS": ACCOUNT}, Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}})), trust=True
    )
    assert evaluate_trust(recent, ALICE, context_for(ALICE, mfa_at=NOW - 100)).decision is Decision.ALLOW
    assert evaluate_trust(recent, ALICE, context_for(ALICE, mfa_at=NOW - 900)).decision is Decision.IMPLICIT_DENY


def test_a_deny_naming_the_caller_wins() -> None:
    deny = {"Effect": "Deny", "Principal": {"AWS": BOB.arn}, "Action": "sts:AssumeRole"}
    policy = parse_policy(trust(allow({"AWS": ACCOUNT}), deny), trust=True)
    assert evaluate_trust(policy, BOB, context_for(BOB)).decision is Decision.EXPLICIT_DENY
    assert evaluate_trust(policy, ALICE, context_for(ALICE)).decision is Decision.ALLOW


def test_direct_naming_wins_over_account_naming() -> None:
    policy = parse_policy(trust(allow({"AWS": ACCOUNT}), allow({"AWS": ALICE.arn})), trust=True)
    assert evaluate_trust(policy, ALICE, context_for(ALICE)).naming is Naming.DIRECTLY


def test_conditions_on_the_principal() -> None:
    condition = {"StringEquals": {"aws:username": "alice"}}
    policy = parse_policy(trust(allow({"AWS": ACCOUNT}, Condition=condition)), trust=True)
    assert evaluate_trust(policy, ALICE, context_for(ALICE)).decision is Decision.ALLOW
    assert evaluate_trust(policy, BOB, context_for(BOB)).decision is Decision.IMPLICIT_DENY
    # a role session has no aws:username, so a session named "alice" is not alice
    named_alice = ROLE.session("alice", source_user_id=BOB.id)
    assert evaluate_trust(policy, named_alice, context_for(named_alice)).decision is Decision.IMPLICIT_DENY


# -- trust and identity together --------------------------------------------------------------------------------

ALLOWED = Explanation(Decision.ALLOW, None)
NOTHING = Explanation(Decision.IMPLICIT_DENY, None)
DENIED = Explanation(Decision.EXPLICIT_DENY, None)


def combined(trusted: Any, identity: Explanation, caller: User = ALICE) -> Any:
    return decide_assume_role(caller, ROLE_ARN, trusted, identity, "identity says no")


def test_assume_role_decision() -> None:
    from twostep.roles.trust import TrustDecision

    direct = TrustDecision(Decision.ALLOW, Naming.DIRECTLY)
    account = TrustDecision(Decision.ALLOW, Naming.ACCOUNT)
    refused = TrustDecision(Decision.IMPLICIT_DENY)
    assert combined(direct, NOTHING).allowed  # named directly: no identity-based Allow needed
    assert combined(account, ALLOWED).allowed
    assert combined(account, NOTHING).message == "identity says no"
    assert combined(direct, DENIED).message == "identity says no"  # an explicit deny always wins
    assert combined(refused, ALLOWED).message == trust_denial(ALICE, ROLE_ARN)
    assert combined(None, ALLOWED).message == trust_denial(ALICE, ROLE_ARN)  # no such role: the same answer
    assert combined(direct, ALLOWED, ROOT).message == ROOT_REFUSED
    assert trust_denial(ALICE, ROLE_ARN) == (
        f"User: {ALICE.arn} is not authorized to perform: sts:AssumeRole on resource: {ROLE_ARN}"
    )


# -- a role session as a principal ------------------------------------------------------------------------------


def test_keys_of_a_role_session() -> None:
    keys = principal_keys(SESSION, RequestEnvironment(NOW, temporary=True, mfa_authenticated_at=NOW - 10))
    assert SESSION.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/s1"
    assert keys["aws:PrincipalArn"] == ROLE.arn == ROLE_ARN
    assert keys["aws:PrincipalType"] == "AssumedRole"
    assert keys["aws:userid"] == f"{ROLE.id}:s1"
    assert "aws:username" not in keys
    assert keys["aws:MultiFactorAuthPresent"] is True and keys["aws:MultiFactorAuthAge"] == 10


def test_a_session_policy_narrows_the_roles_policies() -> None:
    role_policy = parse_policy(
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]})
    )
    narrow = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}]}
    )
    deny = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"}]}
    )
    environment = RequestEnvironment(NOW, temporary=True)
    session = ROLE.session("s", source_user_id=ALICE.id)

    def decision(action: str, policies: list[Any], session_policy: str | None = None) -> Decision:
        bound = parse_policy(session_policy) if session_policy is not None else None
        return decide(Permissions(tuple(policies), bound), session, action, "*", environment).decision

    assert decision("iam:CreateUser", [role_policy]) is Decision.ALLOW
    assert decision("iam:ListUsers", [role_policy], narrow) is Decision.ALLOW
    assert decision("iam:CreateUser", [role_policy], narrow) is Decision.IMPLICIT_DENY
    assert decision("iam:ListUsers", [], narrow) is Decision.IMPLICIT_DENY  # the session policy grants nothing
    assert decision("iam:ListRoles", [role_policy], deny) is Decision.EXPLICIT_DENY
