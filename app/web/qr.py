"""QR codes drawn here, as inline SVG: no network, no image files (the platform runs air-gapped)."""
from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str, *, scale: int = 4) -> Markup:
    """An SVG QR code of *text* (error correction M: a printed code survives some wear), safe to embed."""
    return Markup(segno.make(text, error="m", micro=False).svg_inline(scale=scale, title=text))
