"""QR rendering: PNG decodes back to the text, SVG is safe inline markup."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from io import BytesIO

import pytest
import zxingcpp
from PIL import Image

from twostep.otp import TotpParameters, generate_seed, key_uri, qr_png, qr_svg

SVG_NS = "http://www.w3.org/2000/svg"
URI = key_uri(b"12345678901234567890", issuer="twostep", label="alice-phone@123456789012")


def _decode(png: bytes) -> list[str]:
    with Image.open(BytesIO(png)) as image:
        assert image.format == "PNG"
        return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize(
    "text",
    [
        URI,
        key_uri(
            generate_seed() * 3,
            issuer="Ünïcode Issuer & Co",
            label="someone.with.a.long.name@123456789012",
            params=TotpParameters(digits=8, period=60),
        ),
        "hello",
    ],
)
def test_png_decodes_to_text(text: str) -> None:
    png = qr_png(text)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert _decode(png) == [text]


def test_png_scale_and_quiet_zone() -> None:
    with Image.open(BytesIO(qr_png(URI))) as image:
        width, height = image.size
        assert width == height
        assert width % 6 == 0  # whole pixels per module
        # The four-module quiet zone at six pixels per module is pure white.
        rgb = image.convert("RGB")
        border = [rgb.getpixel((x, y)) for x in range(width) for y in range(24)]
        assert set(border) == {(255, 255, 255)}
        assert (0, 0, 0) in {rgb.getpixel((24 + i, 24 + i)) for i in range(6)}


def test_svg_is_well_formed_inline_element() -> None:
    svg = qr_svg(URI)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{{{SVG_NS}}}svg"
    title = root.find(f"{{{SVG_NS}}}title")
    assert title is not None and title.text
    assert root.get("role") == "img"
    assert root.get("viewBox")


def test_svg_size_and_colours() -> None:
    root = ET.fromstring(qr_svg(URI))
    width, height = root.get("width"), root.get("height")
    assert width == height and width is not None
    assert 150 <= int(width) <= 260
    assert root.get("viewBox") == f"0 0 {width} {height}"
    svg = qr_svg(URI)
    assert 'stroke="#000"' in svg
    assert 'fill="#fff"' in svg


def _rasterise_svg(svg: str) -> Image.Image:
    """Draw segno's single-path SVG ("M x y", "h n", "m dx dy" in module units)."""
    root = ET.fromstring(svg)
    view_box = root.get("viewBox")
    assert view_box is not None
    group = root.find(f"{{{SVG_NS}}}g")
    assert group is not None
    scale = int(re.fullmatch(r"scale\((\d+)\)", group.get("transform", "")).group(1))  # type: ignore[union-attr]
    size = int(view_box.split()[2]) // scale
    image = Image.new("L", (size, size), 255)
    (dark,) = [p for p in group.iter(f"{{{SVG_NS}}}path") if p.get("stroke") == "#000"]
    x = y = 0.0
    for op, args in re.findall(r"([MmHh])([-\d. ]+)", dark.get("d", "")):
        numbers = [float(n) for n in args.split()]
        if op == "M":
            x, y = numbers
        elif op == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            for column in range(int(x), int(x + numbers[0])):
                image.putpixel((column, int(y)), 0)
            x += numbers[0]
    return image.resize((size * 6, size * 6), Image.Resampling.NEAREST)


def test_svg_decodes_to_text() -> None:
    image = _rasterise_svg(qr_svg(URI))
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [URI]


def test_svg_has_no_external_references() -> None:
    svg = qr_svg(URI)
    urls = re.findall(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\"'\s<>]*", svg)
    assert urls == [SVG_NS]
    assert "href" not in svg
    assert "<script" not in svg.lower()


def test_svg_title_does_not_leak_the_secret() -> None:
    svg = qr_svg(URI)
    assert "GEZDGNBV" not in svg
    assert "otpauth" not in svg


def test_svg_custom_title_is_escaped() -> None:
    root = ET.fromstring(qr_svg(URI, title='Scan <me> & "go"'))
    title = root.find(f"{{{SVG_NS}}}title")
    assert title is not None and title.text == 'Scan <me> & "go"'


def test_empty_text_rejected() -> None:
    with pytest.raises(ValueError):
        qr_png("")
    with pytest.raises(ValueError):
        qr_svg("")
