"""Reading seed files (PSKC, CSV, otpauth): RFC 6030's own examples, files generated here, and hostile files.

Codes are computed with pyotp from the seeds the files were written with, so every parameter read from a file
(hash, digits, period) is checked by what it makes the token show."""

from __future__ import annotations

import pyotp
import pytest

from tests.tokens.vendor_files import (
    ENTITY_BOMB,
    EXTERNAL_ENTITY,
    RFC_PASSWORD,
    RFC_PRE_SHARED_KEY,
    RFC_SEED,
    VendorToken,
    csv_line,
    otpauth_line,
    pskc_file,
    rfc_file,
)
from twostep.otp import totp
from twostep.tokens.errors import SeedFileError
from twostep.tokens.models import Rejected, SeedEntry, TokenSeed
from twostep.tokens.pskc_file import PskcUnlock
from twostep.tokens.seed_files import SeedFormat, guess_format, read_seed_file

NOW = 1_800_000_000


def only_token(entries: list[SeedEntry]) -> TokenSeed:
    assert len(entries) == 1 and isinstance(entries[0], TokenSeed), entries
    return entries[0]


def pyotp_code(token: VendorToken, at: int = NOW) -> str:
    return pyotp.TOTP(token.base32, digits=token.digits, interval=token.period, digest=token.digest).at(at)


def shows_same_codes(read: TokenSeed, token: VendorToken) -> bool:
    return all(totp(read.seed, t, read.params) == pyotp_code(token, t) for t in (NOW, NOW + 3600))


# -- RFC 6030's examples -------------------------------------------------------------------------------------


def test_rfc_plain_key_is_read_and_its_hotp_algorithm_refused() -> None:
    assert read_seed_file(rfc_file("rfc6030-figure3-plain.pskc")) == [
        Rejected("KeyPackage 1", "987654321", "a HOTP key, not TOTP")
    ]
    token = only_token(read_seed_file(rfc_file("rfc6030-figure3-plain.pskc", totp=True)))
    assert (token.serial, token.seed, token.params.digits, token.params.period) == ("987654321", RFC_SEED, 8, 30)


def test_rfc_basic_container_has_no_serial_number() -> None:
    assert read_seed_file(rfc_file("rfc6030-figure2-basic.pskc", totp=True)) == [
        Rejected("KeyPackage 1", None, "no serial number")
    ]


def test_rfc_pre_shared_key_example_decrypts_and_its_mac_checks_out() -> None:
    unlock = PskcUnlock(key=RFC_PRE_SHARED_KEY)
    assert read_seed_file(rfc_file("rfc6030-figure5-preshared.pskc"), unlock=unlock) == [
        Rejected("KeyPackage 1", "987654321", "a HOTP key, not TOTP")
    ]
    token = only_token(read_seed_file(rfc_file("rfc6030-figure5-preshared.pskc", totp=True), unlock=unlock))
    assert (token.serial, token.seed) == ("987654321", RFC_SEED)


def test_rfc_password_example_decrypts_and_its_mac_checks_out() -> None:
    unlock = PskcUnlock(password=RFC_PASSWORD)
    token = only_token(read_seed_file(rfc_file("rfc6030-figure6-pbkdf2.pskc", totp=True), unlock=unlock))
    assert (token.serial, token.seed, token.params.digits) == ("987654321", RFC_SEED, 8)


@pytest.mark.parametrize(
    ("name", "unlock", "message"),
    [
        ("rfc6030-figure5-preshared.pskc", PskcUnlock(key=bytes(16)), "a wrong key or password"),
        ("rfc6030-figure5-preshared.pskc", PskcUnlock(key=bytes(32)), "a wrong key or password"),
        ("rfc6030-figure6-pbkdf2.pskc", PskcUnlock(password="qwertz"), "a wrong key or password"),
        ("rfc6030-figure5-preshared.pskc", PskcUnlock(), "the file needs its pre-shared key"),
        ("rfc6030-figure6-pbkdf2.pskc", PskcUnlock(), "the file needs its password"),
        ("rfc6030-figure6-pbkdf2.pskc", PskcUnlock(key=RFC_PRE_SHARED_KEY), "give the password"),
        ("rfc6030-figure5-preshared.pskc", PskcUnlock(password=RFC_PASSWORD), "give the key"),
    ],
)
def test_a_wrong_or_missing_key_or_password_refuses_the_whole_file(name: str, unlock: PskcUnlock, message: str) -> None:
    with pytest.raises(SeedFileError, match=message):
        read_seed_file(rfc_file(name, totp=True), unlock=unlock)


def test_an_altered_mac_or_seed_refuses_the_whole_file() -> None:
    unlock = PskcUnlock(key=RFC_PRE_SHARED_KEY)
    original = rfc_file("rfc6030-figure5-preshared.pskc", totp=True)
    bad_mac = original.replace(b"Su+NvtQfmvfJzF6bmQiJqoLRExc=", b"Su+NvtQfmvfJzF6bmQiJqoLRExA=")
    bad_iv = original.replace(b"AAECAwQFBgcI", b"AAECAwQGBgcI")  # the seed's first block changes, its padding not
    bad_block = original.replace(b"+cIHItlB3Wra1DU", b"+cIHItlB3Wra1DV")  # the padding breaks before the MAC
    without_mac = original.replace(b"<ValueMAC>Su+NvtQfmvfJzF6bmQiJqoLRExc=</ValueMAC>", b"")
    for altered, message in [
        (bad_mac, "the MAC does not match"),
        (bad_iv, "the MAC does not match"),
        (bad_block, "or an altered file"),
    ]:
        assert altered != original
        with pytest.raises(SeedFileError, match=message):
            read_seed_file(altered, unlock=unlock)
    with pytest.raises(SeedFileError, match="without the MAC the file declares"):
        read_seed_file(without_mac, unlock=unlock)


# -- PSKC files generated here -----------------------------------------------------------------------------------

TOKENS = [
    VendorToken("GAHT00000001"),
    VendorToken("GAHT00000002", digits=8, suite="HMAC-SHA256"),
    VendorToken("GAHT00000003", period=60, suite="HMAC-SHA512"),
]


@pytest.mark.parametrize(
    ("options", "unlock"),
    [
        ({}, PskcUnlock()),
        ({"key": b"k" * 16}, PskcUnlock(key=b"k" * 16)),
        ({"key": b"k" * 32, "mac": False}, PskcUnlock(key=b"k" * 32)),
        ({"password": "vendor secret"}, PskcUnlock(password="vendor secret")),
        ({"password": "vendor secret", "mac": False}, PskcUnlock(password="vendor secret")),
    ],
    ids=["plain", "pre-shared-key", "aes256-without-mac", "password", "password-without-mac"],
)
def test_generated_files_give_each_token_its_own_parameters(options: dict[str, object], unlock: PskcUnlock) -> None:
    entries = read_seed_file(pskc_file(TOKENS, **options), unlock=unlock)  # type: ignore[arg-type]
    assert [e.serial for e in entries] == [t.serial for t in TOKENS]
    for entry, token in zip(entries, TOKENS, strict=True):
        assert isinstance(entry, TokenSeed) and entry.seed == token.seed
        assert (entry.params.digits, entry.params.period) == (token.digits, token.period)
        assert shows_same_codes(entry, token)


def test_generated_file_with_a_wrong_key_refuses_the_whole_file() -> None:
    with pytest.raises(SeedFileError, match="a wrong key or password"):
        read_seed_file(pskc_file(TOKENS, key=b"k" * 16), unlock=PskcUnlock(key=b"j" * 16))
    with pytest.raises(SeedFileError, match="a wrong key or password"):
        read_seed_file(pskc_file(TOKENS, password="right"), unlock=PskcUnlock(password="wrong"))


def test_unusable_pskc_entries_are_listed_with_their_reason() -> None:
    short = VendorToken("GAHT00000004", seed=b"x" * 10)
    odd = VendorToken("GAHT00000005", period=45)
    named = VendorToken("short")
    entries = read_seed_file(pskc_file([TOKENS[0], short, odd, named]))
    assert isinstance(entries[0], TokenSeed)
    assert [(e.where, e.serial, isinstance(e, Rejected)) for e in entries[1:]] == [
        ("KeyPackage 2", "GAHT00000004", True),
        ("KeyPackage 3", "GAHT00000005", True),
        ("KeyPackage 4", "short", True),
    ]
    reasons = [e.reason for e in entries[1:] if isinstance(e, Rejected)]
    assert reasons[0] == "the seed has 80 bits; at least 128 are needed"
    assert "30 or 60 seconds" in reasons[1] and "9 to 256" in reasons[2]
    hotp = read_seed_file(pskc_file([TOKENS[0]], algorithm="hotp"))
    assert hotp == [Rejected("KeyPackage 1", "GAHT00000001", "a HOTP key, not TOTP")]


# -- hostile and broken documents -----------------------------------------------------------------------------


@pytest.mark.parametrize("document", [ENTITY_BOMB, EXTERNAL_ENTITY], ids=["entity-bomb", "external-entity"])
def test_dtds_and_entities_are_refused_unread(document: bytes) -> None:
    with pytest.raises(SeedFileError, match="declares a DTD or entities"):
        read_seed_file(document)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<KeyContainer><KeyPackage>", "not a well-formed XML document"),
        (b"<KeyContainer Version='1.0' xmlns='urn:ietf:params:xml:ns:keyprov:pskc'><Key", "not a well-formed XML"),
        (b"<html><body>seeds</body></html>", "not a PSKC document: Missing KeyContainer"),
        (b"<KeyContainer Version='2.0'/>", "not a PSKC document: Unsupported version"),
    ],
)
def test_malformed_documents_are_refused_clearly(document: bytes, message: str) -> None:
    with pytest.raises(SeedFileError, match=message):
        read_seed_file(document, SeedFormat.PSKC)


def test_a_value_that_cannot_be_read_is_refused_without_echoing_it() -> None:
    document = pskc_file([TOKENS[0]]).replace(TOKENS[0].seed_b64.encode(), b"!!not-base64-SECRETISH!!")
    with pytest.raises(SeedFileError) as refused:
        read_seed_file(document)
    assert "SECRETISH" not in str(refused.value)


# -- CSV and otpauth ---------------------------------------------------------------------------------------------


def test_csv_with_and_without_header_hex_and_base32() -> None:
    rows = [csv_line(TOKENS[0], hex_secret=True), csv_line(TOKENS[1]), csv_line(TOKENS[2])]
    for text in ("\n".join(rows), "serial,secret,digits,period,algorithm\n" + "\n".join(rows)):
        entries = read_seed_file(text.encode())
        assert [e.serial for e in entries] == [t.serial for t in TOKENS]
        for entry, token in zip(entries, TOKENS, strict=True):
            assert isinstance(entry, TokenSeed) and shows_same_codes(entry, token)
    minimal = only_token(read_seed_file(f"# vendor batch 7\n\nGAHT00000009,{TOKENS[0].base32.lower()}\n".encode()))
    assert (minimal.params.digits, minimal.params.period, minimal.seed) == (6, 30, TOKENS[0].seed)


def test_csv_errors_name_the_line_never_the_secret() -> None:
    secret = TOKENS[0].base32
    text = "\n".join(
        [
            csv_line(TOKENS[0]),
            f"GAHT00000011,{secret},7,30,SHA1",
            f"GAHT00000012,{secret[:-3]}!!!",
            f"GAHT00000013,{secret},6,30,MD5",
            "GAHT00000014",
            f"GAHT00000015,{secret},6,30,SHA1,extra",
        ]
    )
    entries = read_seed_file(text.encode(), SeedFormat.CSV)
    rejected = [e for e in entries if isinstance(e, Rejected)]
    assert [(r.where, r.serial) for r in rejected] == [
        ("line 2", "GAHT00000011"),
        ("line 3", "GAHT00000012"),
        ("line 4", "GAHT00000013"),
        ("line 5", "GAHT00000014"),
        ("line 6", "GAHT00000015"),
    ]
    assert all(secret not in r.reason and secret[:8] not in r.reason for r in rejected)


def test_otpauth_serial_from_parameter_or_label() -> None:
    text = "\n".join([otpauth_line(TOKENS[0]), otpauth_line(TOKENS[1], serial_in_label=True), otpauth_line(TOKENS[2])])
    assert guess_format(text.encode()) is SeedFormat.OTPAUTH
    entries = read_seed_file(text.encode())
    assert [e.serial for e in entries] == [t.serial for t in TOKENS]
    for entry, token in zip(entries, TOKENS, strict=True):
        assert isinstance(entry, TokenSeed) and shows_same_codes(entry, token)


def test_otpauth_refusals() -> None:
    lines = [
        otpauth_line(TOKENS[0]).replace("otpauth://totp/", "otpauth://hotp/"),
        otpauth_line(TOKENS[0]).replace(f"secret={TOKENS[0].base32}&", ""),
        "https://example.com/GAHT00000016",
    ]
    entries = read_seed_file("\n".join(lines).encode(), SeedFormat.OTPAUTH)
    assert [(e.where, isinstance(e, Rejected) and e.reason) for e in entries] == [
        ("line 1", "a HOTP key, not TOTP"),
        ("line 2", "no secret parameter"),
        ("line 3", "not an otpauth:// URI"),
    ]


def test_format_guessing_and_empty_files() -> None:
    assert guess_format(b"\xef\xbb\xbf  <?xml version='1.0'?><KeyContainer/>") is SeedFormat.PSKC
    assert guess_format(b"# comment\nGAHT1,ABC") is SeedFormat.CSV
    with pytest.raises(SeedFileError, match="holds no tokens"):
        read_seed_file(b"# nothing but a comment\n")
    with pytest.raises(SeedFileError, match="UTF-8"):
        read_seed_file(b"\xff\xfe,\x00", SeedFormat.CSV)
