"""The passkey tests' account: its root user signs in with EMAIL / PASSWORD."""

from __future__ import annotations

import pytest

from tests.signin.security_bar import EMAIL, PASSWORD
from twostep.bootstrap import Services
from twostep.identity.models import User


@pytest.fixture
def root(services: Services) -> User:
    return services.identity.create_account(EMAIL, PASSWORD)[1]
