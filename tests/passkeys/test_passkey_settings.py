"""Where passkeys work: the RP ID and origins of a request (default: the host the browser used; --public-url and
--rp-id behind a proxy), the reasons shown where they cannot work, the settings checked before serving, and the
localhost URL that `make serve` prints."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.requests import Request

from tests.server_harness import free_port, stop, twostep
from twostep.bootstrap import Services
from twostep.console.pages import Console
from twostep.console.relying_party import passkey_support
from twostep.passkeys.models import RelyingParty
from twostep.passkeys.relying_party import check_settings, covers, origin_and_host


def request(url: str, language: str = "en") -> Request:
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": scheme,
            "path": "/security-credentials/mfa/assign",
            "query_string": b"",
            "headers": [(b"host", host.encode()), (b"accept-language", language.encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
    )


def console(services: Services, **settings: object) -> Console:
    return Console.create(dataclasses.replace(services, settings=dataclasses.replace(services.settings, **settings)))


def test_by_default_the_host_the_browser_used(services: Services) -> None:
    default = console(services)
    assert passkey_support(default, request("http://localhost:8000")).rp == RelyingParty(
        "localhost", ("http://localhost:8000",)
    )
    assert passkey_support(default, request("https://mfa.example.com")).rp == RelyingParty(
        "mfa.example.com", ("https://mfa.example.com",)
    )
    assert passkey_support(default, request("http://dev.localhost:9000")).available


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000", "WebAuthn needs a host name. Open the console at http://localhost:8000 to use"),
        ("http://[::1]:8000", "Open the console at http://localhost:8000 to use passkeys."),
        ("http://192.0.2.7:8000", "Open the console by its host name to use passkeys."),
        ("https://192.0.2.7", "Open the console by its host name to use passkeys."),
        ("http://twostep.lan:8000", "open the console over https to use passkeys."),
    ],
)
def test_where_they_cannot_work_the_reason_says_what_to_do(services: Services, url: str, reason: str) -> None:
    support = passkey_support(console(services), request(url))
    assert support.rp is None and support.reason is not None and reason in support.reason


def test_the_reason_is_in_the_visitors_language(services: Services) -> None:
    support = passkey_support(console(services), request("http://127.0.0.1:8000", "ko-KR"))
    assert support.reason == (
        "IP 주소에서는 사용할 수 없습니다. WebAuthn에는 호스트 이름이 필요합니다. "
        "패스키를 사용하려면 http://localhost:8000에서 콘솔을 여세요."
    )


def test_behind_a_proxy_only_the_public_urls_origins(services: Services) -> None:
    public = console(services, public_urls=("https://mfa.example.com", "https://mfa.example.org:8443/console"))
    assert passkey_support(public, request("https://mfa.example.com")).rp == RelyingParty(
        "mfa.example.com", ("https://mfa.example.com", "https://mfa.example.org:8443")
    )
    elsewhere = passkey_support(public, request("http://localhost:8000"))
    assert elsewhere.rp is None
    assert (
        elsewhere.reason
        == "Not available at this address: open the console at https://mfa.example.com to use passkeys."
    )
    parent = console(services, public_urls=("https://mfa.example.com",), rp_id="example.com")
    assert passkey_support(parent, request("https://mfa.example.com")).rp == RelyingParty(
        "example.com", ("https://mfa.example.com",)
    )
    other_domain = console(services, rp_id="example.com")  # an RP ID that does not cover the host used
    assert not passkey_support(other_domain, request("https://mfa.example.org")).available


def test_the_rules_of_rp_ids_and_public_urls() -> None:
    assert origin_and_host("https://MFA.example.com:443/x") == ("https://mfa.example.com", "mfa.example.com")
    assert origin_and_host("http://localhost:8000") == ("http://localhost:8000", "localhost")
    assert covers("example.com", "mfa.example.com") and covers("example.com", "example.com")
    assert not covers("example.com", "badexample.com") and not covers("mfa.example.com", "example.com")
    check_settings("example.com", ["https://mfa.example.com", "https://example.com"])
    check_settings(None, ["http://192.0.2.7:8000"])  # allowed; the console says why passkeys cannot work there
    for rp_id, urls in [
        ("192.0.2.7", []),
        ("Example.com", []),
        ("example.com", ["https://mfa.example.org"]),
        (None, ["ftp://mfa.example.com"]),
        (None, ["https://user:pw@mfa.example.com"]),
        (None, ["https://mfa.example.com:99999"]),
        (None, ["mfa.example.com"]),
    ]:
        with pytest.raises(ValueError):
            check_settings(rp_id, urls)


def test_bad_settings_are_refused_before_anything_is_made(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    refused = twostep("quickstart", "--data-dir", str(data), "--rp-id", "127.0.0.1")
    assert refused.returncode == 2 and "passkeys: --rp-id must be a lower-case host name" in refused.stderr
    refused = twostep(
        "quickstart", "--data-dir", str(data), "--public-url", "https://a.example", "--rp-id", "b.example"
    )
    assert refused.returncode == 2 and "does not cover" in refused.stderr
    assert not data.exists()
    refused = twostep("quickstart", "--data-dir", str(data), env={"TWOSTEP_PUBLIC_URL": "not a url"})
    assert refused.returncode == 2 and not data.exists()


def first_line_of_quickstart(data: Path, *args: str) -> str:
    process = subprocess.Popen(
        [sys.executable, "-m", "twostep.cli", "quickstart", "--data-dir", str(data), *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        return process.stdout.readline().strip()
    finally:
        stop(process)  # type: ignore[arg-type]


def test_quickstart_prints_a_localhost_url(tmp_path: Path) -> None:
    port = free_port()
    assert first_line_of_quickstart(tmp_path / "a", "--port", str(port)) == (
        f"twostep is starting at http://localhost:{port}"
    )
    assert first_line_of_quickstart(tmp_path / "a", "--host", "0.0.0.0", "--port", str(port)) == (
        f"twostep is starting at http://localhost:{port}"
    )
    public = first_line_of_quickstart(tmp_path / "a", "--port", str(port), "--public-url", "https://mfa.example.com")
    assert public == "twostep is starting at https://mfa.example.com"
