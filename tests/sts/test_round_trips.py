"""Issue 17 item 2: the round trips to PostgreSQL of one GetSessionToken and one console MFA step, counted by a TCP
relay between a real server and PostgreSQL (tests/pg_relay.py).

Each count is taken on a warm server (pool connections open, statements compiled), right after a call of the same
kind, so that no idle-connection ping (store/engine.py, IDLE_PING_SECONDS) falls into it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.console_client import ConsoleClient
from tests.databases import fresh_postgres
from tests.helpers import code_at
from tests.pg_relay import CountingRelay, counting_relay
from tests.server_harness import RunningServer, running_server
from tests.sts.harness import ApiUser, add_user

pytestmark = [pytest.mark.postgres]

# Where these come from, and what is left of them, is in docs/performance.md ("Round trips"). Each is one read before
# the transaction and three in it (store/batched_transaction.py): GetSessionToken reads the caller's key; then BEGIN
# with the reservation and the device's read, the spend and the credentials with the audit chain's head, the event
# and its head with COMMIT. The console's MFA step reads the session, its user and their devices together; then
# BEGIN with the reservation (by the device's id and owner) and the device's read, the spend, the replaced session
# and the new one with the chain's head, the event and its head with COMMIT.
# They were 10 and 17, then 9 and 14, then 4 and 9, before BEGIN and the writes nobody reads went with the next
# statement and the MFA step stopped reading again in its transaction what the request had read.
GET_SESSION_TOKEN_ROUND_TRIPS = 4
CONSOLE_MFA_STEP_ROUND_TRIPS = 4
# The password step: the user (with its tags, one joined read); BEGIN with the counted attempt, then its delay (owed)
# with COMMIT, before the hash (S11); after it, BEGIN with the success (owed) and the count of the user's devices,
# then the new session (owed) with COMMIT. It was 7 before the delay, the success and the count were batched and the
# root user's read joined its tags.
CONSOLE_PASSWORD_STEP_ROUND_TRIPS = 5


@pytest.fixture
def relayed(tmp_path: Path) -> Iterator[tuple[RunningServer, CountingRelay]]:
    with fresh_postgres() as url, counting_relay() as relay:
        database = url.rsplit("/", 1)[1]
        extra = {"TWOSTEP_AUDIT_CHECKPOINT_INTERVAL": "3600", "TWOSTEP_SIGNIN_ANSWER_FLOOR": "0"}
        with running_server(tmp_path, database_url=relay.url(database), extra_env=extra) as server:
            yield server, relay


def counted(relay: CountingRelay, call: object) -> int:
    assert callable(call)
    relay.reset()
    call()
    time.sleep(0.2)  # anything the server still sends after answering (there should be nothing)
    return relay.round_trips


def test_get_session_token_round_trips(relayed: tuple[RunningServer, CountingRelay]) -> None:
    server, relay = relayed
    with server.services() as services:
        user: ApiUser = add_user(services, server.account_id, "alice")
    sts = user.client(server, "sts")
    assert user.serial is not None
    for _ in range(3):  # warm: the pool's connections, the compiled statements, psycopg's prepared ones
        sts.get_session_token(SerialNumber=user.serial, TokenCode=user.next_code(server))
    code = user.next_code(server)
    trips = counted(relay, lambda: sts.get_session_token(SerialNumber=user.serial, TokenCode=code))
    print(f"GetSessionToken: {trips} round trips", *relay.sent, sep="\n")
    assert trips == GET_SESSION_TOKEN_ROUND_TRIPS


def test_console_sign_in_round_trips(relayed: tuple[RunningServer, CountingRelay]) -> None:
    server, relay = relayed
    console = ConsoleClient(server)
    credentials = {"email": server.root_email, "password": server.root_password}
    try:
        console.sign_in_root()
        enrolled = console.enrol("phone")
        console.sign_out()
        password_trips = mfa_trips = 0
        for _ in range(4):  # warm, then the last one counts
            server.move_clock(30)
            console.get("/signin")
            console.post("/signin", {"email": server.root_email})
            answers = []
            password_trips = counted(relay, lambda: answers.append(console.post("/signin/root", credentials)))  # noqa: B023
            assert answers[0].status_code == 303 and answers[0].headers["location"] == "/signin/mfa"
            console.get("/signin/mfa")
            code = code_at(enrolled.secret, server.now())
            answers = []
            mfa_trips = counted(relay, lambda: answers.append(console.submit_mfa(code)))  # noqa: B023
            assert answers[0].status_code == 303 and not answers[0].headers["location"].startswith("/signin")
            console.sign_out()
    finally:
        console.close()
    print(f"console password step: {password_trips}, MFA step: {mfa_trips} round trips", *relay.sent, sep="\n")
    assert (password_trips, mfa_trips) == (CONSOLE_PASSWORD_STEP_ROUND_TRIPS, CONSOLE_MFA_STEP_ROUND_TRIPS)
