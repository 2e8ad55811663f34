"""The shareable Style Wrapped card: a 1080×1350 PNG (Instagram's portrait size) drawn with
Pillow from a report, with Pillow's built-in font (no font files, works offline).

A pure function of the report, so the bytes can be cached under the report's own hash.
"""

from __future__ import annotations

import io
import unicodedata

from PIL import Image, ImageDraw, ImageFont

from tanvi_social.inspiration.schemas import WrappedRead

WIDTH, HEIGHT = 1080, 1350
MARGIN = 80
PLUM, ROSE = (75, 42, 107), (212, 96, 127)
WHITE, BLUSH, SOFT = (255, 255, 255), (253, 232, 239), (242, 200, 216)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


def _printable(text: str) -> str:
    """The built-in font covers ASCII: accents are dropped ("Hermès" → "Hermes"), other
    characters left out."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if 32 <= ord(c) < 127).strip()


def _fit(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int) -> str:
    """`text` shortened with "..." until it fits `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "...", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "..."


def _background() -> Image.Image:
    """Plum at the top fading to rose at the bottom."""
    mask = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    return Image.composite(Image.new("RGB", (WIDTH, HEIGHT), ROSE),
                           Image.new("RGB", (WIDTH, HEIGHT), PLUM), mask)


def _rgb(hex_value: str) -> tuple[int, int, int]:
    return int(hex_value[1:3], 16), int(hex_value[3:5], 16), int(hex_value[5:7], 16)


def _swatches(draw: ImageDraw.ImageDraw, report: WrappedRead, top: int) -> None:
    draw.text((MARGIN, top), "YOUR COLOURS", font=_font(34), fill=SOFT)
    colours = report.top_colours
    if not colours:
        message = ("No photographed looks yet" if report.status != "future"
                   else "This period has not started yet")
        draw.text((MARGIN, top + 110), message, font=_font(48), fill=WHITE)
        return
    column = (WIDTH - 2 * MARGIN) // 5
    diameter = 132
    name_font, share_font = _font(30), _font(28)
    for i, colour in enumerate(colours[:5]):
        cx = MARGIN + i * column + column // 2
        y = top + 60
        draw.ellipse((cx - diameter // 2 - 4, y - 4, cx + diameter // 2 + 4, y + diameter + 4),
                     fill=WHITE)
        draw.ellipse((cx - diameter // 2, y, cx + diameter // 2, y + diameter),
                     fill=_rgb(colour.hex))
        name = _fit(draw, _printable(colour.name) or colour.hex, name_font, column - 12)
        draw.text((cx, y + diameter + 22), name, font=name_font, fill=WHITE, anchor="ma")
        draw.text((cx, y + diameter + 62), f"{round(colour.share * 100)}%", font=share_font,
                  fill=SOFT, anchor="ma")


def _favourites(draw: ImageDraw.ImageDraw, report: WrappedRead, top: int) -> None:
    half = (WIDTH - 2 * MARGIN) // 2
    for i, (title, terms) in enumerate((("TOP CATEGORY", report.top_categories),
                                         ("TOP BRAND", report.top_brands))):
        x = MARGIN + i * half
        draw.text((x, top), title, font=_font(34), fill=SOFT)
        value = _printable(terms[0].name) if terms else ""
        shown = _fit(draw, value or "-", _font(60), half - 30)
        draw.text((x, top + 50), shown, font=_font(60), fill=WHITE)
        if terms:
            looks = "look" if terms[0].posts == 1 else "looks"
            draw.text((x, top + 124), f"in {terms[0].posts} {looks}", font=_font(30), fill=SOFT)


def _counts(draw: ImageDraw.ImageDraw, report: WrappedRead, top: int) -> None:
    totals = report.totals
    best = min((p.rank for p in report.challenge_placements), default=None)
    cells = [
        (str(totals.posts), "looks shared"),
        (str(totals.reactions), "reactions"),
        (str(totals.new_followers), "new followers"),
        (f"#{best}" if best is not None else "-", "best challenge place"),
    ]
    half = (WIDTH - 2 * MARGIN) // 2
    for i, (value, caption) in enumerate(cells):
        x = MARGIN + (i % 2) * half
        y = top + (i // 2) * 170
        draw.text((x, y), value, font=_font(88), fill=WHITE)
        draw.text((x, y + 100), caption, font=_font(32), fill=BLUSH)


def render_card(report: WrappedRead) -> bytes:
    """The report as a PNG card: title, period, colour swatches, favourites, counts."""
    img = _background()
    draw = ImageDraw.Draw(img)
    draw.text((MARGIN, 84), "STYLE WRAPPED", font=_font(40), fill=SOFT)
    draw.text((MARGIN, 140), report.label, font=_font(104), fill=WHITE)
    name, handle = _printable(report.user.display_name or ""), _printable(report.user.username)
    byline = "  ".join(p for p in (name if name != handle else "", f"@{handle}" if handle else "")
                       if p)
    draw.text((MARGIN, 270), _fit(draw, byline, _font(44), WIDTH - 2 * MARGIN), font=_font(44),
              fill=BLUSH)
    draw.line((MARGIN, 350, WIDTH - MARGIN, 350), fill=SOFT, width=2)
    _swatches(draw, report, 385)
    _favourites(draw, report, 720)
    _counts(draw, report, 900)
    draw.text((WIDTH // 2, HEIGHT - 60), "tanvi  -  style community", font=_font(30),
              fill=BLUSH, anchor="ms")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()
