"""A TCP relay between a twostep server and PostgreSQL that counts round trips: the times a client sends a request
while it has no answer outstanding, i.e. after it waited for every answer it had asked for.

It reads the protocol's framing (PostgreSQL frontend/backend protocol: a type byte and a length): every Sync and
every simple Query asks for a ReadyForQuery, so statements pipelined before their answers count once together,
and statements that wait for the answer before them count once each. Connections are counted from their first
ReadyForQuery (start-up and authentication are not round trips of a request). Use sslmode=disable (see url()).

The relay holds every answer back for a few milliseconds before passing it on (the latency of a database on
another machine): statements a client pipelines are all sent by then, so an answer never arrives between two
writes of one pipeline, and a client that waits for an answer is seen to wait.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

ASKS_FOR_READY = (b"S", b"Q")  # Sync, Query
READY = b"Z"
ANSWER_LATENCY = 0.01  # seconds


@dataclass
class _Stream:
    """One direction's bytes, cut into messages; the first client message (the start-up) has no type byte."""

    untyped_first: bool
    buffer: bytes = b""

    def messages(self, data: bytes) -> list[bytes]:
        self.buffer += data
        types = []
        while True:
            if self.untyped_first:
                if len(self.buffer) < 4:
                    return types
                (length,) = struct.unpack("!I", self.buffer[:4])
                if len(self.buffer) < length:
                    return types
                self.buffer, self.untyped_first = self.buffer[length:], False
                continue
            if len(self.buffer) < 5:
                return types
            (length,) = struct.unpack("!I", self.buffer[1:5])
            if len(self.buffer) < 1 + length:
                return types
            types.append(self.buffer[:1])
            self.buffer = self.buffer[1 + length :]


@dataclass
class _Connection:
    client: _Stream = field(default_factory=lambda: _Stream(untyped_first=True))
    server: _Stream = field(default_factory=lambda: _Stream(untyped_first=False))
    ready: bool = False  # start-up done
    outstanding: int = 0  # ReadyForQuery answers the client still waits for


class CountingRelay:
    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self.round_trips = 0
        self.sent: list[bytes] = []  # what the client sent to start each counted round trip (for a failing count)
        self._closed = False
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def reset(self) -> None:
        with self._lock:
            self.round_trips = 0
            self.sent = []

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._target)
            for one in (client, server):
                one.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets += [client, server]
            state = _Connection()
            threading.Thread(target=self._pipe, args=(client, server, state, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, state, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, state: _Connection, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if not from_client:
                    time.sleep(ANSWER_LATENCY)
                with self._lock:
                    self._observe(state, data, from_client)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for one in (source, sink):
                with suppress(OSError):
                    one.shutdown(socket.SHUT_RDWR)

    def _observe(self, state: _Connection, data: bytes, from_client: bool) -> None:
        if from_client:
            asks = sum(1 for kind in state.client.messages(data) if kind in ASKS_FOR_READY)
            if state.ready and asks and state.outstanding == 0:
                self.round_trips += 1
                self.sent.append(data[:300])
            state.outstanding += asks
        else:
            readies = sum(1 for kind in state.server.messages(data) if kind == READY)
            if readies:
                state.ready = True
            state.outstanding = max(0, state.outstanding - readies)

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            for one in self._sockets:
                one.close()


@contextmanager
def counting_relay() -> Iterator[CountingRelay]:
    relay = CountingRelay()
    try:
        yield relay
    finally:
        relay.close()
