"""Typed failures of the identity domain; adapters translate them (console message, AWS error code)."""

from __future__ import annotations


class IdentityError(Exception):
    """Base class: the message is safe to show to the caller."""


class NoSuchAccount(IdentityError):
    pass


class NoSuchUser(IdentityError):
    def __init__(self, name: str) -> None:
        super().__init__(f"The user with name {name} cannot be found.")
        self.name = name


class UserAlreadyExists(IdentityError):
    def __init__(self, name: str) -> None:
        super().__init__(f"User with name {name} already exists.")
        self.name = name


class EmailAlreadyRegistered(IdentityError):
    def __init__(self, email: str) -> None:
        super().__init__(f"An account with the email address {email} already exists.")


class InvalidName(IdentityError):
    pass


class PasswordRejected(IdentityError):
    """The password breaks the password policy; AWS's PasswordPolicyViolation. One subclass per rule, so that
    adapters can word each one (the console's error table is keyed by class)."""


class PasswordTooShort(PasswordRejected):
    def __init__(self, min_length: int) -> None:
        super().__init__(f"Password should have at least {min_length} characters.")
        self.min_length = min_length


class PasswordTooLong(PasswordRejected):
    def __init__(self, max_length: int) -> None:
        super().__init__(f"Password should have at most {max_length} characters.")
        self.max_length = max_length


class PasswordTooCommon(PasswordRejected):
    def __init__(self) -> None:
        super().__init__("Password is too common; choose one that is harder to guess.")


class PasswordUnchanged(PasswordRejected):
    """A change of one's own password to the same password (a required change would achieve nothing)."""

    def __init__(self) -> None:
        super().__init__("The new password must be different from the current password.")


class LoginProfileExists(IdentityError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Login Profile for user {name} already exists.")


class NoLoginProfile(IdentityError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Login Profile for User {name} cannot be found.")


class UserHasDependents(IdentityError):
    """DeleteUser while keys, devices, a login profile or policies remain (AWS DeleteConflict)."""


class AccessKeyLimit(IdentityError):
    pass


class NoSuchAccessKey(IdentityError):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"The Access Key with id {key_id} cannot be found.")


class InvalidTags(IdentityError):
    """Duplicate or reserved tag keys (AWS InvalidInput)."""


class TooManyTags(IdentityError):
    """More than 50 tags on one resource (AWS LimitExceeded)."""


class CredentialReportNotPresent(IdentityError):
    def __init__(self) -> None:
        super().__init__("The credential report does not exist. To generate one, use GenerateCredentialReport.")


class CredentialReportExpired(IdentityError):
    def __init__(self) -> None:
        super().__init__("The credential report has expired. To generate a new one, use GenerateCredentialReport.")
