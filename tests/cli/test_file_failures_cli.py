"""Issue 16 item 8: a key file missing (while the database holds data), malformed or unreadable, a data directory
that cannot be written and a port in use are each one line on stderr naming the thing and what to do, with its own
exit code; the traceback only with --debug; nothing written."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.failing import (
    PASSWORD,
    assert_debug_shows_the_traceback,
    assert_fails,
    database_rows,
    files,
    make_data_dir,
    run,
)
from tests.databases import database_url, engine_under_test
from tests.server_harness import free_port
from twostep.cli.failures import ExitCode, describe
from twostep.settings import Settings

NEEDED = "without it the seeds and secret keys in the database cannot be read"
NOT_WRITABLE_HINT = "run twostep as the user that owns it, or choose another --data-dir"


@pytest.fixture(params=[engine_under_test()])
def installed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, str | None, str]]:
    """An initialised data directory on the engine under test: its settings, the --database-url to pass (None
    on SQLite) and the database as the messages name it."""
    with database_url(request.param, tmp_path / "pg") as url:
        option = url if request.param == "postgresql" else None
        settings = make_data_dir(tmp_path / "data", option)
        yield settings, option, url if option else str(settings.data_dir / "twostep.db")


def test_a_missing_key_file_beside_a_used_database_is_not_called_uninitialised(
    installed: tuple[Settings, str | None, str], tmp_path: Path
) -> None:
    settings, option, shown = installed
    settings.key_file.unlink()
    line = (
        f"the key file {settings.key_file} is missing, but the database {shown} already holds a twostep schema; "
        f"restore keys.json from a backup ({NEEDED}), or use an empty database for a new installation"
    )
    data = str(settings.data_dir)
    before, rows = files(settings.data_dir), database_rows(settings.database_url)
    commands = [
        ("init", "--data-dir", data, "--email", "new@example.com", "--password-stdin"),
        ("quickstart", "--data-dir", data, "--port", str(free_port())),
        ("serve", "--data-dir", data),
        ("account", "create", "--data-dir", data, "--email", "b@example.com", "--password-stdin"),
        ("tokens", "list", "--data-dir", data, "--account-id", "123456789012"),
        ("db", "check", "--data-dir", data),
    ]
    for command in commands:
        assert_fails(run(*command, stdin=PASSWORD + "\n", database_url=option), line, 7)
    assert_debug_shows_the_traceback(run("serve", "--data-dir", data, database_url=option, debug=True), line, 7)
    # No new key file was made (data sealed with the lost one would be unreadable next to it), nothing else either.
    assert (files(settings.data_dir), database_rows(settings.database_url)) == (before, rows)
    assert not settings.key_file.exists()


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b'{"active": "k1", "keys": {', "not JSON"),
        (b"\xff\xfe not even text", "not JSON"),
        (b'{"keys": {}}', 'not an object with "active" and "keys"'),
        (b'["active", "keys"]', 'not an object with "active" and "keys"'),
        (b'{"active": "k1", "keys": {"k1": "not base64!"}}', "a key is not base64"),
        (b'{"active": "k1", "keys": {"k1": "AAAA"}}', "key 'k1' is not 256 bits"),
        (b'{"active": "k2", "keys": {}}', "active key 'k2' is not in the key ring"),
    ],
    ids=["truncated", "binary", "no-active", "not-an-object", "not-base64", "short-key", "no-active-key"],
)
def test_a_malformed_key_file_is_one_line(
    installed: tuple[Settings, str | None, str], content: bytes, detail: str
) -> None:
    settings, option, _ = installed
    settings.key_file.write_bytes(content)
    line = f"the key file {settings.key_file} is malformed ({detail}); restore it from a backup ({NEEDED})"
    before, rows = files(settings.data_dir), database_rows(settings.database_url)
    assert_fails(run("serve", "--data-dir", str(settings.data_dir), database_url=option), line, 7)
    if detail == "not JSON" and content.startswith(b"{"):  # the others too, once: every command reads it first
        data = str(settings.data_dir)
        for command in (
            ("quickstart", "--data-dir", data, "--port", str(free_port())),
            ("keys", "rotate", "--data-dir", data),
            ("audit", "verify", "--data-dir", data),
            ("user", "reset-mfa", "--data-dir", data, "--account-id", "123456789012", "--root", "--yes"),
        ):
            assert_fails(run(*command, database_url=option), line, 7)
        debug = run("keys", "rotate", "--data-dir", data, database_url=option, debug=True)
        assert_debug_shows_the_traceback(debug, line, 7)
    assert (files(settings.data_dir), database_rows(settings.database_url)) == (before, rows)


def test_an_unreadable_key_file_is_one_line(installed: tuple[Settings, str | None, str]) -> None:
    settings, option, _ = installed
    os.chmod(settings.key_file, 0)
    line = (
        f"cannot read the key file {settings.key_file} (permission denied); run twostep as the user that owns the "
        "data directory, with the file readable by that user (mode 0600)"
    )
    data = str(settings.data_dir)
    try:
        before, rows = files_as_owner(settings.data_dir), database_rows(settings.database_url)
        for command in (("serve", "--data-dir", data), ("keys", "rotate", "--data-dir", data)):
            assert_fails(run(*command, database_url=option, file_modes=True), line, 7)
        debug = run("serve", "--data-dir", data, database_url=option, debug=True, file_modes=True)
        assert_debug_shows_the_traceback(debug, line, 7)
        assert (files_as_owner(settings.data_dir), database_rows(settings.database_url)) == (before, rows)
    finally:
        os.chmod(settings.key_file, 0o600)


def files_as_owner(directory: Path) -> dict[str, bytes]:
    """files(), with the key file's mode lifted for the moment of reading it."""
    key_file = directory / "keys.json"
    mode = key_file.stat().st_mode & 0o777
    os.chmod(key_file, 0o600)
    try:
        return files(directory)
    finally:
        os.chmod(key_file, mode)


def test_init_into_a_directory_it_cannot_write_is_one_line(tmp_path: Path) -> None:
    parent = tmp_path / "readonly"
    parent.mkdir(mode=0o500)
    data_dir = parent / "data"
    line = f"cannot write to the data directory {data_dir} (permission denied: {parent}); {NOT_WRITABLE_HINT}"
    try:
        for command in ("init", "quickstart"):
            args = ["--data-dir", str(data_dir), "--email", "a@example.com", "--password-stdin"]
            if command == "quickstart":
                args = ["--data-dir", str(data_dir), "--port", str(free_port())]
            result = run(command, *args, stdin=PASSWORD + "\n", file_modes=True)
            assert_fails(result, line, 8)
        debug = run("init", "--data-dir", str(data_dir), "--email", "a@example.com", "--password-stdin", debug=True,
                    stdin=PASSWORD + "\n", file_modes=True)  # fmt: skip
        assert_debug_shows_the_traceback(debug, line, 8)
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o700)


def test_a_data_directory_that_cannot_be_written_is_one_line(installed: tuple[Settings, str | None, str]) -> None:
    """On SQLite every command writes there (the journal, the writer lock); on PostgreSQL keys rotate does."""
    settings, option, _ = installed
    data = str(settings.data_dir)
    line = (
        f"cannot write to the data directory {settings.data_dir} (permission denied: {settings.data_dir}); "
        f"{NOT_WRITABLE_HINT}"
    )
    before, rows = files(settings.data_dir), database_rows(settings.database_url)
    settings.data_dir.chmod(0o500)
    try:
        commands: list[tuple[str, ...]] = [("keys", "rotate", "--data-dir", data)]
        if option is None:
            commands += [("serve", "--data-dir", data), ("tokens", "list", "--data-dir", data, "--account-id", "1")]
        for command in commands:
            assert_fails(run(*command, database_url=option, file_modes=True), line, 8)
    finally:
        settings.data_dir.chmod(0o700)
    assert (files(settings.data_dir), database_rows(settings.database_url)) == (before, rows)


def test_a_sqlite_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    settings = make_data_dir(tmp_path / "data", None)
    database = settings.data_dir / "twostep.db"
    database.chmod(0o400)
    line = (
        f"cannot write to the data directory {settings.data_dir} (permission denied: {database}); {NOT_WRITABLE_HINT}"
    )
    before = files(settings.data_dir)
    assert_fails(run("serve", "--data-dir", str(settings.data_dir), file_modes=True), line, 8)
    assert files(settings.data_dir) == before


def test_a_port_in_use_is_one_line_before_anything_is_made(
    installed: tuple[Settings, str | None, str], tmp_path: Path
) -> None:
    settings, option, _ = installed
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = (
            f"cannot listen on 127.0.0.1:{port} (address already in use); stop what listens there (another "
            "twostep?) or choose another --port"
        )
        before, rows = files(settings.data_dir), database_rows(settings.database_url)
        serve = run("serve", "--data-dir", str(settings.data_dir), "--port", str(port), database_url=option)
        assert_fails(serve, line, 9)
        fresh = tmp_path / "demo"  # quickstart checks the port before it initialises anything
        assert_fails(run("quickstart", "--data-dir", str(fresh), "--port", str(port)), line, 9)
        assert not fresh.exists()
        debug = run("serve", "--data-dir", str(settings.data_dir), "--port", str(port), database_url=option, debug=True)
        assert_debug_shows_the_traceback(debug, line, 9)
    assert (files(settings.data_dir), database_rows(settings.database_url)) == (before, rows)


def test_anything_unexpected_is_an_internal_error_that_points_at_debug() -> None:
    line, code = describe(RuntimeError("the unexpected\nsecond line"), None)
    assert (line, code) == (
        "internal error (RuntimeError: the unexpected); run the command again with --debug for the traceback, and "
        "report it",
        ExitCode.INTERNAL_ERROR,
    )
    assert describe(KeyboardInterrupt(), None) == ("interrupted", ExitCode.INTERRUPTED)
