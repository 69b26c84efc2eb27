"""Code checks by outcome, without the domain knowing: the verifier of bootstrap, subclassed.

Every public check of CodeVerifier (a code, two consecutive codes, a passkey assertion, a recovery code) is run
unchanged; its outcome ("accepted", or the RejectionReason's value: wrong, malformed, replayed, throttled, locked,
stale, cloned) is told to the observer and written on the request's record. Nothing of the code is passed on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from twostep.mfa.errors import CodeRejected
from twostep.mfa.verifier import CodeVerifier
from twostep.observability import record

Observer = Callable[[str, str], None]  # (purpose, outcome)
T = TypeVar("T")


class ObservedCodeVerifier(CodeVerifier):
    def __init__(self, *args: Any, observer: Observer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._observer = observer

    def _observed(self, purpose: str, check: Callable[[], T]) -> T:
        try:
            result = check()
        except CodeRejected as exc:
            self._tell(purpose, exc.reason.value)
            raise
        self._tell(purpose, "accepted")
        return result

    def _tell(self, purpose: str, outcome: str) -> None:
        self._observer(purpose, outcome)
        current = record.current()
        if current is not None:
            current.code_check = outcome

    def verify(self, uow: Any, device: Any, code: str, context: Any) -> Any:
        parent: Any = super()
        return self._observed(context.purpose, lambda: parent.verify(uow, device, code, context))

    def verify_owned(self, uow: Any, account_id: str, owner_id: str, code: str, context: Any, **device: Any) -> Any:
        """A serial or id that is not the owner's device (None) checked no code: nothing is counted."""
        parent: Any = super()
        try:
            result = parent.verify_owned(uow, account_id, owner_id, code, context, **device)
        except CodeRejected as exc:
            self._tell(context.purpose, exc.reason.value)
            raise
        if result is not None:
            self._tell(context.purpose, "accepted")
        return result

    def verify_consecutive(
        self, uow: Any, device: Any, code1: str, code2: str, context: Any, *, resync: bool = False
    ) -> Any:
        parent: Any = super()
        return self._observed(
            context.purpose, lambda: parent.verify_consecutive(uow, device, code1, code2, context, resync=resync)
        )

    def verify_presented(self, uow: Any, device: Any, evaluate: Any, context: Any) -> None:
        parent: Any = super()
        self._observed(context.purpose, lambda: parent.verify_presented(uow, device, evaluate, context))

    def verify_recovery_code(self, uow: Any, user: Any, code: str, context: Any) -> Any:
        parent: Any = super()
        return self._observed(context.purpose, lambda: parent.verify_recovery_code(uow, user, code, context))
