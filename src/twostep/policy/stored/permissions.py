"""The permissions a principal's requests are decided by, as stored: a user's inline and attached policies and
its groups'; a role session's role's, narrowed by the session policy it was created with; none for root (the
root user's permissions come from no policy)."""

from __future__ import annotations

import functools

from twostep.identity.principal import Principal, RoleSession
from twostep.policy.language.access import Permissions
from twostep.policy.language.document import PolicyDocument, parse_policy
from twostep.policy.stored.ports import PolicyUnitOfWork


@functools.lru_cache(maxsize=1024)
def parsed(document: str) -> PolicyDocument:
    """A stored document, parsed. Documents were valid when stored and parsing is pure: cached by text."""
    return parse_policy(document, max_size=None)


def permissions_of(uow: PolicyUnitOfWork, principal: Principal) -> Permissions:
    """The principal's permissions, read inside the caller's unit of work."""
    if principal.is_root:
        return Permissions()
    owned = uow.owned_policies
    if isinstance(principal, RoleSession):
        texts = [p.document for p in owned.inline_for("role", principal.role_id)]
        texts += [p.document for p in owned.attached_to("role", principal.role_id)]
        session = principal.session_policy
        return Permissions(tuple(map(parsed, texts)), None if session is None else parsed(session))
    texts = [p.document for p in owned.inline_for("user", principal.id)]
    texts += [p.document for p in owned.attached_to("user", principal.id)]
    texts += uow.groups.policy_documents_for_user(principal.id)
    return Permissions(tuple(map(parsed, texts)))
