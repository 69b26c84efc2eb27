"""Oversized bodies are refused before the server reads them (API and console), from outside, over HTTP."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.server_harness import RunningServer, running_server

DECLARED = 300 * 1024 * 1024  # what the attack declared: 300 MB
CHUNK = 64 * 1024
SENT_AT_MOST = 64 * 1024 * 1024  # the test's own bound: it never sends more than this


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("limits")) as running:
        yield running


def connect(server: RunningServer) -> socket.socket:
    url = urlparse(server.url)
    sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=10)
    return sock


def read_status(sock: socket.socket) -> tuple[int, bytes]:
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(65536)
        if not data:
            break
        head += data
    status = int(head.split(b" ", 2)[1])
    return status, head


def answered(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return bool(sock.recv(1, socket.MSG_PEEK))
    except BlockingIOError:
        return False
    finally:
        sock.setblocking(True)


@pytest.mark.parametrize("path", ["/", "/signin"])
def test_a_declared_length_over_the_limit_is_refused_before_any_body(server: RunningServer, path: str) -> None:
    """Only the headers are sent: an answer can come only from the declared length (before: the server waited for
    the 300 MB it was promised)."""
    with connect(server) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {DECLARED}\r\n\r\n".encode()
        )
        status, head = read_status(sock)
    assert status == 413
    if path == "/":
        assert b"x-amzn-requestid" in head.lower()


@pytest.mark.parametrize("path", ["/", "/signin"])
def test_a_chunked_body_is_cut_off_at_the_limit(server: RunningServer, path: str) -> None:
    """A chunked body without end: the answer arrives while the client is still sending, after about the limit
    (before: the server read the whole body into memory before it looked at its size)."""
    sent = 0
    with connect(server) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = f"{CHUNK:x}\r\n".encode() + b"a" * CHUNK + b"\r\n"
        deadline = time.monotonic() + 30
        while not answered(sock):
            assert sent < SENT_AT_MOST, f"{sent} bytes sent and still no answer"
            assert time.monotonic() < deadline
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
        status, _ = read_status(sock)
    assert status == 413
    assert sent < 16 * 1024 * 1024


def test_every_api_answer_carries_its_request_id_in_a_header(server: RunningServer) -> None:
    """Success and error alike, the header holds the body's RequestId (the AWS SDK for JavaScript v3 reads it)."""
    from tests.awsapi.iam_support import signed_post

    ok = signed_post(server, {"Action": "ListUsers"})
    denied = signed_post(
        server, {"Action": "ListUsers"}, key={"access_key_id": "AKIAUNKNOWN0000000000", "secret_access_key": "x"}
    )
    for response in (ok, denied):
        request_id = response.headers["x-amzn-RequestId"]
        assert f"<RequestId>{request_id}</RequestId>" in response.text
    assert ok.status_code == 200 and denied.status_code == 403


def test_a_body_under_the_limit_still_works(server: RunningServer, tmp_path: Path) -> None:
    from tests.awsapi.iam_support import signed_post

    response = signed_post(server, {"Action": "ListUsers", "PathPrefix": "/" + "a" * 500 + "/"})
    assert response.status_code == 200
