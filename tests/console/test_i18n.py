"""The catalogs: every message the console shows has a Korean translation; the language choice."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from twostep.console.i18n import load_catalogs, negotiate

CONSOLE = Path(str(resources.files("twostep.console")))
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extracted() -> set[str | tuple[str, ...]]:
    found = extract_from_dir(str(CONSOLE), METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS)
    return {message for _, _, message, _, _ in found}


def msgid(message: str | tuple[str, ...]) -> str:
    return message if isinstance(message, str) else message[0]


def catalog(language: str) -> Catalog:
    with (CONSOLE / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def test_the_extraction_finds_the_templates_and_the_modules() -> None:
    messages = {msgid(m) for m in extracted()}
    assert {"MFA code 1", "Show QR code", "Your authentication information is incorrect. Please try again."} <= messages
    assert len(messages) > 100


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_message_is_in_the_catalog(language: str) -> None:
    po = catalog(language)
    missing = [m for m in extracted() if msgid(m) not in po]
    assert not missing


def test_every_message_has_a_korean_translation() -> None:
    po = catalog("ko")
    untranslated = []
    for message in extracted():
        entry = po.get(msgid(message))
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(strings):
            untranslated.append(msgid(message))
    assert not untranslated


def test_no_stale_entries() -> None:
    current = {msgid(m) for m in extracted()}
    for language in ("en", "ko"):
        stale = [m.id for m in catalog(language) if m.id and msgid(m.id) not in current]
        assert not stale, language


def test_korean_labels_follow_the_aws_korean_console() -> None:
    ko = load_catalogs().get("ko")
    expected = {
        "Security credentials": "보안 자격 증명",
        "Assign MFA device": "MFA 디바이스 할당",
        "Authenticator app": "인증 관리자 앱",
        "Show QR code": "QR 코드 표시",
        "Show secret key": "보안 키 표시",
        "MFA code 1": "MFA 코드 1",
        "MFA code 2": "MFA 코드 2",
        "Add MFA": "MFA 추가",
    }
    for english, korean in expected.items():
        assert ko.gettext(english) == korean


def test_placeholders_survive_translation() -> None:
    po = catalog("ko")
    for message in po:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = {p for i in ids for p in ("%(name)s", "%(count)s") if p in i}
        for string in strings:
            assert {p for p in wanted if p in string} == wanted, message.id


def test_english_falls_back_to_the_message_itself() -> None:
    en = load_catalogs().get("en")
    assert en.gettext("MFA code") == "MFA code"
    assert en.ngettext("%(count)s device", "%(count)s devices", 2) == "%(count)s devices"


@pytest.mark.parametrize(
    ("accept", "cookie", "expected"),
    [
        (None, None, "en"),
        ("ko", None, "ko"),
        ("ko-KR,ko;q=0.9,en-US;q=0.8", None, "ko"),
        ("en-US,en;q=0.9,ko;q=0.8", None, "en"),
        ("fr-FR,ko;q=0.5", None, "ko"),
        ("fr, de", None, "en"),
        ("ko;q=0, en;q=0.1", None, "en"),
        ("ko;q=abc", None, "en"),
        ("en", "ko", "ko"),
        ("ko", "en", "en"),
        ("ko", "xx", "ko"),
        (",,;;q=,", None, "en"),
    ],
)
def test_negotiate(accept: str | None, cookie: str | None, expected: str) -> None:
    assert negotiate(accept, cookie) == expected


@pytest.mark.parametrize("language", ["en", "ko"])
def test_each_catalog_is_well_formed(language: str) -> None:
    """A merge that drops a msgstr line leaves a catalog Babel reads with a warning and a hole: refuse it."""
    with (CONSOLE / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        read_po(po, abort_invalid=True)
