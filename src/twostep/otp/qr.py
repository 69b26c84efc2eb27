"""QR code rendering of provisioning URIs (ISO/IEC 18004 via segno).

Both renderers use error correction level M (about 15 % of codewords
recoverable), which keeps an ``otpauth://`` URI at a symbol size phone cameras
read easily; segno may raise the level when that costs no extra modules.
"""

from __future__ import annotations

import io

import segno

__all__ = ["qr_png", "qr_svg"]

# ISO/IEC 18004 asks for a quiet zone four modules wide; decoders struggle without it.
_BORDER = 4
_SVG_TARGET_PX = 200
_PNG_SCALE = 6


def _make(text: str) -> segno.QRCode:
    if not text:
        raise ValueError("text must not be empty")
    # micro=False: Micro QR symbols are not understood by authenticator apps.
    return segno.make(text, error="m", micro=False)


def qr_svg(text: str, *, title: str = "QR code") -> str:
    """Return an inline ``<svg>`` element (no XML declaration) showing ``text`` as a QR code.

    ``title`` becomes the SVG ``<title>`` used as the accessible name; it defaults
    to a neutral phrase rather than ``text`` because ``text`` is usually a secret
    that should not surface in tooltips or screen-reader output. Pass a translated
    string from the caller.
    """
    qrcode = _make(text)
    modules, _ = qrcode.symbol_size(scale=1, border=_BORDER)
    # Integer scale keeps module edges on whole pixels (crisp, easier to scan).
    scale = max(1, round(_SVG_TARGET_PX / modules))
    out = io.BytesIO()
    qrcode.save(
        out,
        kind="svg",
        scale=scale,
        border=_BORDER,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        nl=False,
        title=title,
        # omitsize gives a viewBox, so CSS can resize the image without cropping it;
        # explicit width/height are added back below for the default display size.
        omitsize=True,
    )
    svg = out.getvalue().decode("utf-8")
    size = modules * scale
    prefix = "<svg "
    if not svg.startswith(prefix):  # pragma: no cover - guards a segno output change
        raise RuntimeError("unexpected SVG output from segno")
    return f'{prefix}width="{size}" height="{size}" role="img" {svg[len(prefix) :]}'


def qr_png(text: str) -> bytes:
    """Return a PNG image (black on white) of ``text`` as a QR code.

    Six pixels per module with a four-module quiet zone is comfortably above what
    phone cameras and software decoders need, while staying a few kilobytes.
    """
    out = io.BytesIO()
    _make(text).save(out, kind="png", scale=_PNG_SCALE, border=_BORDER, dark="#000", light="#fff")
    return out.getvalue()
