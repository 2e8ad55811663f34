"""Colour names and distances: CIELAB (D65, as coloraide's DE2000) with CIEDE2000.

Pure functions used by media (palette names), inspiration (colour search) and content
(colour harmony). Names come from `data/colour_names.csv`: the CSS named colours plus fashion
names (sage, camel, blush, burgundy, ...). The nearest-name search is a vectorised CIEDE2000
(Sharma, Wu & Dalal 2005) over the whole list; tests check it against coloraide's `delta_e`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
from coloraide import Color

HEX_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


@dataclass(frozen=True)
class NamedColour:
    name: str
    hex: str
    source: str  # "css" or "fashion"


def normalise_hex(value: str) -> str:
    """`#RRGGBB` in lower case from `#rgb`, `rgb`, `#rrggbb` or `rrggbb`; ValueError otherwise."""
    match = HEX_RE.match(value.strip())
    if match is None:
        raise ValueError(f"Not a hex colour: {value!r}")
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def rgb_to_hex(rgb: tuple[int, int, int] | list[int]) -> str:
    r, g, b = (max(0, min(255, round(c))) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def name_key(name: str) -> str:
    """Lookup key of a colour name: lower case without spaces, hyphens or underscores."""
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


@lru_cache(maxsize=1)
def named_colours() -> tuple[NamedColour, ...]:
    """The shipped list of colour names (CSS + fashion)."""
    text = resources.files("tanvi_social.media").joinpath("data/colour_names.csv").read_text()
    rows = csv.DictReader(text.splitlines())
    return tuple(NamedColour(r["name"], normalise_hex(r["hex"]), r["source"]) for r in rows)


@lru_cache(maxsize=1)
def _by_key() -> dict[str, NamedColour]:
    out: dict[str, NamedColour] = {}
    for colour in named_colours():
        out.setdefault(name_key(colour.name), colour)
    return out


@lru_cache(maxsize=1)
def _candidates() -> tuple[tuple[NamedColour, ...], np.ndarray]:
    """Names used for nearest search: one per hex value (British "grey" spellings preferred)."""
    chosen: dict[str, NamedColour] = {}
    for colour in named_colours():
        current = chosen.get(colour.hex)
        if current is None or ("gray" in current.name and "grey" in colour.name):
            chosen[colour.hex] = colour
    names = tuple(chosen.values())
    labs = np.array([hex_to_lab(c.hex) for c in names], dtype=np.float64)
    return names, labs


@lru_cache(maxsize=65536)
def hex_to_lab(hex_value: str) -> tuple[float, float, float]:
    """CIELAB (D65) coordinates of an sRGB hex colour."""
    lab = Color(normalise_hex(hex_value)).convert("lab-d65").coords()
    return float(lab[0]), float(lab[1]), float(lab[2])


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 between every row of `lab1` (N×3) and every row of `lab2` (M×3) → N×M."""
    a = np.atleast_2d(np.asarray(lab1, dtype=np.float64))[:, None, :]
    b = np.atleast_2d(np.asarray(lab2, dtype=np.float64))[None, :, :]
    l1, a1, b1 = a[..., 0], a[..., 1], a[..., 2]
    l2, a2, b2 = b[..., 0], b[..., 1], b[..., 2]
    c1 = np.hypot(a1, b1)
    c2 = np.hypot(a2, b2)
    cbar7 = ((c1 + c2) / 2) ** 7
    g = 0.5 * (1 - np.sqrt(cbar7 / (cbar7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, h1p)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, h2p)
    zero = (c1p * c2p) == 0
    dh = h2p - h1p
    dhp = np.where(zero, 0.0, np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh)))
    d_l = l2 - l1
    d_c = c2p - c1p
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dhp) / 2)
    lbar = (l1 + l2) / 2
    cbarp = (c1p + c2p) / 2
    hsum = h1p + h2p
    hbar = np.where(
        zero, hsum,
        np.where(np.abs(h1p - h2p) <= 180, hsum / 2,
                 np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2)))
    t = (1 - 0.17 * np.cos(np.radians(hbar - 30)) + 0.24 * np.cos(np.radians(2 * hbar))
         + 0.32 * np.cos(np.radians(3 * hbar + 6)) - 0.20 * np.cos(np.radians(4 * hbar - 63)))
    d_theta = 30 * np.exp(-(((hbar - 275) / 25) ** 2))
    cbarp7 = cbarp**7
    r_c = 2 * np.sqrt(cbarp7 / (cbarp7 + 25.0**7))
    s_l = 1 + (0.015 * (lbar - 50) ** 2) / np.sqrt(20 + (lbar - 50) ** 2)
    s_c = 1 + 0.045 * cbarp
    s_h = 1 + 0.015 * cbarp * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2
                   + r_t * (d_c / s_c) * (d_h / s_h))


def color_distance(hex_a: str, hex_b: str) -> float:
    """CIEDE2000 distance between two hex colours (0 = identical; ~2.3 = just noticeable)."""
    return float(Color(normalise_hex(hex_a)).delta_e(Color(normalise_hex(hex_b)), method="2000"))


@lru_cache(maxsize=65536)
def nearest_named(hex_value: str) -> tuple[NamedColour, float]:
    """The shipped colour name nearest to `hex_value` (CIEDE2000) and its distance."""
    names, labs = _candidates()
    dist = ciede2000(np.array([hex_to_lab(normalise_hex(hex_value))]), labs)[0]
    i = int(np.argmin(dist))
    return names[i], float(dist[i])


def nearest_color_name(hex_value: str) -> str:
    """Name of the nearest shipped colour (CSS + fashion names) by CIEDE2000."""
    return nearest_named(normalise_hex(hex_value))[0].name


def named_color_hex(name: str) -> str | None:
    """Hex of a shipped colour name (case, spaces and hyphens ignored), or None if unknown."""
    colour = _by_key().get(name_key(name))
    return colour.hex if colour else None


def resolve_colour(value: str) -> str | None:
    """A colour name or a hex string → `#rrggbb`, or None."""
    by_name = named_color_hex(value)
    if by_name is not None:
        return by_name
    try:
        return normalise_hex(value)
    except ValueError:
        return None
