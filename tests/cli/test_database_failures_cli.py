"""Issue 16 item 8: a database that cannot be reached, that refuses, or whose schema is missing, older or newer than
the code is one line on stderr naming it and what to do, with its own exit code, for every `twostep` command; the
traceback only with --debug; nothing written."""

from __future__ import annotations

import argparse
import json
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

from tests.cli.failing import (
    PASSWORD,
    assert_debug_shows_the_traceback,
    assert_fails,
    database_rows,
    files,
    make_data_dir,
    run,
)
from tests.databases import database_url, engine_under_test, fresh_postgres, require_postgres
from tests.server_harness import free_port
from twostep.cli.main import build_parser
from twostep.crypto.keyring import KeyRing
from twostep.store import revisions

ACCOUNT = "123456789012"
# Every command, with what it needs besides --data-dir; each must turn a database failure into one line.
COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("--email", "root@example.com", "--password-stdin"),
    "account create": ("--email", "other@example.com", "--password-stdin"),
    "account set": ("--account-id", ACCOUNT, "--require-mfa", "on"),
    "quickstart": (),  # its port is added below
    "serve": (),
    "db upgrade": (),
    "db check": (),
    "audit verify": (),
    "audit export": (),
    "keys rotate": (),
    "user unlock": ("--account-id", ACCOUNT, "--root"),
    "user reset-mfa": ("--account-id", ACCOUNT, "--root", "--yes"),
    "tokens import": ("--account-id", ACCOUNT, "SEEDS"),
    "tokens list": ("--account-id", ACCOUNT),
    "tokens remove": ("--account-id", ACCOUNT, "GAKT000001"),
}
DATABASE_URL_HINT = "--database-url (or TWOSTEP_DATABASE_URL)"


def leaf_commands(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= leaf_commands(sub, f"{prefix} {name}".strip())
    return found or {prefix}


def test_the_list_names_every_command() -> None:
    assert leaf_commands(build_parser()) == set(COMMANDS)


def argv(command: str, data_dir: Path, tmp_path: Path) -> list[str]:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("serial,secret\nGAKT000001,JBSWY3DPEHPK3PXP\n")
    extra = [str(seeds) if a == "SEEDS" else a for a in COMMANDS[command]]
    if command == "quickstart":
        extra += ["--port", str(free_port())]
    return [*command.split(), "--data-dir", str(data_dir), *extra]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unreachable_database_is_one_line(command: str, tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/twostep"  # nothing listens there
    data_dir = tmp_path / "data"
    if command != "init":
        data_dir.mkdir(mode=0o700)
        KeyRing.generate().save(data_dir / "keys.json")
    before = files(data_dir)
    result = run(*argv(command, data_dir, tmp_path), stdin=PASSWORD + "\n", database_url=url)
    line = (
        f"cannot reach the database {url} (connection refused); check that it is running and that "
        f"{DATABASE_URL_HINT} names it"
    )
    assert_fails(result, line, 3)
    assert files(data_dir) == before
    if command == "serve":
        assert_debug_shows_the_traceback(run(*argv(command, data_dir, tmp_path), database_url=url, debug=True), line, 3)


def refused_line(url: str, reason: str) -> str:
    return (
        f"the database {url} refused access ({reason}); check the user, password and database name in "
        f"{DATABASE_URL_HINT}, and that user's privileges"
    )


@pytest.mark.parametrize("command", ["init", "serve", "db upgrade", "tokens list"])
def test_a_database_that_does_not_exist_or_a_wrong_user_is_refused_in_one_line(command: str, tmp_path: Path) -> None:
    require_postgres()
    name, role = "twostep_missing_" + secrets.token_hex(4), "no_such_role_" + secrets.token_hex(4)
    data_dir = tmp_path / "data"
    if command != "init":
        data_dir.mkdir(mode=0o700)
        KeyRing.generate().save(data_dir / "keys.json")
    before = files(data_dir)
    missing = f"postgresql://postgres@127.0.0.1:5432/{name}"
    result = run(*argv(command, data_dir, tmp_path), stdin=PASSWORD + "\n", database_url=missing)
    assert_fails(result, refused_line(missing, f'database "{name}" does not exist'), 4)
    stranger = f"postgresql://{role}:secret@127.0.0.1:5432/postgres"
    result = run(*argv(command, data_dir, tmp_path), stdin=PASSWORD + "\n", database_url=stranger)
    shown = f"postgresql://{role}:***@127.0.0.1:5432/postgres"  # the password is never printed
    assert_fails(result, refused_line(shown, f'role "{role}" does not exist'), 4)
    assert "secret" not in result.stderr
    assert files(data_dir) == before
    if command == "serve":
        debug = run(*argv(command, data_dir, tmp_path), database_url=stranger, debug=True)
        assert_debug_shows_the_traceback(debug, refused_line(shown, f'role "{role}" does not exist'), 4)


def test_a_sqlite_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    KeyRing.generate().save(data_dir / "keys.json")
    (data_dir / "twostep.db").write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    before = files(data_dir)
    line = (
        f"the database {data_dir / 'twostep.db'} is not a twostep database or is damaged (file is not a "
        "database); restore it from a backup"
    )
    assert_fails(run("serve", "--data-dir", str(data_dir)), line, 4)
    assert files(data_dir) == before


def previous_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(revisions.MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_revision(revisions.head_revision())
    assert head is not None and isinstance(head.down_revision, str)
    return head.down_revision


@pytest.mark.parametrize("kind", [engine_under_test()])
def test_a_schema_older_than_the_code_says_run_db_upgrade(kind: str, tmp_path: Path) -> None:
    older = previous_revision()
    with database_url(kind, tmp_path / "pg") as url:
        data_dir = tmp_path / "data"
        option = url if kind == "postgresql" else None
        settings = make_data_dir(data_dir, option, revision=older, account=False)
        shown = str(data_dir / "twostep.db") if kind == "sqlite" else url
        line = (
            f"the database {shown} is at schema revision {older}, older than this twostep's "
            f"{revisions.head_revision()}; back it up, then run `twostep db upgrade` with the same --data-dir and "
            "--database-url"
        )
        before, rows = files(data_dir), database_rows(settings.database_url)
        for command in ("serve", "account create", "tokens list", "db check", "audit export"):
            result = run(*argv(command, data_dir, tmp_path), stdin=PASSWORD + "\n", database_url=option)
            assert_fails(result, line, 5)
        assert_debug_shows_the_traceback(
            run("serve", "--data-dir", str(data_dir), database_url=option, debug=True), line, 5
        )
        assert (files(data_dir), database_rows(settings.database_url)) == (before, rows)

        upgraded = run("db", "upgrade", "--data-dir", str(data_dir), database_url=option)  # what the line says
        assert upgraded.returncode == 0, upgraded.stderr
        assert json.loads(upgraded.stdout) == {"revision": revisions.head_revision()}
        checked = run("db", "check", "--data-dir", str(data_dir), database_url=option)
        assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("kind", [engine_under_test()])
def test_a_schema_newer_than_the_code_is_refused_by_every_command(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path / "pg") as url:
        data_dir = tmp_path / "data"
        option = url if kind == "postgresql" else None
        settings = make_data_dir(data_dir, option)
        engine = sa.create_engine(settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:  # as a newer twostep would leave it
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_a_newer_twostep'")
        engine.dispose()
        shown = str(data_dir / "twostep.db") if kind == "sqlite" else url
        line = (
            f"the database {shown} is at schema revision 9999_from_a_newer_twostep, which this twostep does not "
            f"know (its newest is {revisions.head_revision()}): a newer twostep upgraded it; run that version (or a "
            "newer one)"
        )
        before, rows = files(data_dir), database_rows(settings.database_url)
        for command in ("db upgrade", "serve", "quickstart", "user unlock", "keys rotate"):
            assert_fails(run(*argv(command, data_dir, tmp_path), database_url=option), line, 6)
        debug = run("db", "upgrade", "--data-dir", str(data_dir), database_url=option, debug=True)
        assert_debug_shows_the_traceback(debug, line, 6)
        assert (files(data_dir), database_rows(settings.database_url)) == (before, rows)


def test_an_empty_postgresql_database_holds_no_schema(tmp_path: Path) -> None:
    with fresh_postgres() as url:
        data_dir = tmp_path / "data"
        data_dir.mkdir(mode=0o700)
        KeyRing.generate().save(data_dir / "keys.json")
        line = (
            f"the database {url} holds no twostep schema; check {DATABASE_URL_HINT}, or restore the database from "
            "a backup"
        )
        assert_fails(run("serve", "--data-dir", str(data_dir), database_url=url), line, 5)
        assert database_rows(url) == {}


def test_a_missing_sqlite_file_is_named_and_not_created(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    KeyRing.generate().save(data_dir / "keys.json")
    database = data_dir / "twostep.db"
    line = f"the database {database} does not exist; check {DATABASE_URL_HINT}, or restore the database from a backup"
    for command in ("serve", "tokens list"):
        assert_fails(run(*argv(command, data_dir, tmp_path)), line, 5)
    assert sorted(p.name for p in data_dir.iterdir()) == ["keys.json"]
