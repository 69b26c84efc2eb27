"""S24: the signature is compared with hmac.compare_digest, whole, whatever the request; a wrong signature differing
in its first character and one differing in its last take the same path (no early exit on a prefix)."""

from __future__ import annotations

import dataclasses
import hmac

import pytest

from tests.awsapi.test_sigv4_fuzz import NOW, SECRET, VANILLA
from twostep.awsapi.sigv4 import verifier as sigv4
from twostep.awsapi.sigv4.verifier import SigV4Error, parse_claim, verify_signature

RIGHT = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"


def with_signature(signature: str) -> sigv4.HttpRequest:
    host, date, authorization = VANILLA.headers
    return dataclasses.replace(
        VANILLA, headers=(host, date, (authorization[0], authorization[1].replace(RIGHT, signature)))
    )


@pytest.mark.parametrize(
    "signature",
    [RIGHT, "0" + RIGHT[1:], RIGHT[:-1] + "0", "f" * 64, RIGHT[:32], RIGHT + "00"],
    ids=["right", "first", "last", "all", "short", "long"],
)
def test_every_signature_goes_through_compare_digest(signature: str, monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(sigv4.hmac, "compare_digest", spy)
    request = with_signature(signature)
    claim = parse_claim(request)
    if signature == RIGHT:
        verify_signature(request, claim, SECRET, NOW)
    else:
        with pytest.raises(SigV4Error) as refused:
            verify_signature(request, claim, SECRET, NOW)
        assert refused.value.code == "SignatureDoesNotMatch"
    assert compared == [(RIGHT.encode(), signature.encode())]  # one full comparison, with the expected value
