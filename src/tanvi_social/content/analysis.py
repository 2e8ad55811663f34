"""`ai_analysis`: deterministic, explained scores for a post (formulas in docs/algorithms.md).

`analyse(inputs, trends)` is a pure function: the same inputs and the same trend counts always give
the same result. Colours come from the photos' palettes (media) and, failing those, from the outfit
items' named colours. Every score is in [0, 1] and comes with the reasons that produced it.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from coloraide import Color

VERSION = 1

# Fashion colour names that are not CSS colour names (CSS names are resolved by coloraide).
FASHION_COLOURS: dict[str, str] = {
    "sage": "#9caf88", "camel": "#c19a6b", "blush": "#de5d83", "burgundy": "#800020",
    "mustard": "#ffdb58", "rust": "#b7410e", "cream": "#fffdd0", "taupe": "#8b7d6b",
    "charcoal": "#36454f", "denim": "#1560bd", "emerald": "#50c878", "terracotta": "#e2725b",
    "lilac": "#c8a2c8", "mint": "#98ff98", "nude": "#e3bc9a", "champagne": "#f7e7ce",
    "cognac": "#9a463d", "mauve": "#e0b0ff", "oatmeal": "#e0dcc8", "stone": "#b3ab9c",
    "ecru": "#c2b280", "forest": "#228b22", "wine": "#722f37", "cobalt": "#0047ab",
    "mocha": "#967969", "sand": "#c2b280", "blue jeans": "#5dadec", "off white": "#faf9f6",
    "off-white": "#faf9f6", "jet": "#343434", "bone": "#e3dac9", "chocolate brown": "#4e3524",
    "light blue": "#add8e6", "dark green": "#006400", "pastel pink": "#f8c8dc",
    "neon green": "#39ff14", "hot pink": "#ff69b4", "leopard": "#c19a6b", "gold": "#d4af37",
    "silver": "#c0c0c0", "multicolour": "", "multicolor": "", "print": "",
}
# Colours that dress like neutrals even with some chroma.
NEUTRAL_NAMES = {"navy", "camel", "beige", "tan", "khaki", "denim", "cream", "ivory", "taupe",
                 "charcoal", "oatmeal", "stone", "ecru", "sand", "bone", "off white", "off-white",
                 "white", "black", "grey", "gray", "brown", "chocolate brown", "jet", "mocha",
                 "blue jeans", "cognac", "olive"}
NEUTRAL_CHROMA = 15.0  # LCh chroma below which a colour reads as neutral

# Garment categories: formality 0 (athletic/lounge) … 4 (black tie), and the outfit role.
CATEGORY_FORMALITY: dict[str, float] = {
    "activewear": 0, "sportswear": 0, "hoodie": 0, "sweatpants": 0, "leggings": 0.5,
    "shorts": 0.5, "t-shirt": 0.5, "tee": 0.5, "sneakers": 1, "trainers": 1, "sandals": 1,
    "jeans": 1, "denim": 1, "sweater": 1.5, "knitwear": 1.5, "cardigan": 1.5, "top": 1.5,
    "skirt": 2, "dress": 2, "shirt": 2, "blouse": 2, "trousers": 2, "pants": 2, "boots": 2,
    "loafers": 2.5, "flats": 2, "bag": 2, "accessory": 2, "jewellery": 2, "jewelry": 2,
    "outerwear": 2, "coat": 2.5, "jacket": 2, "jumpsuit": 2, "blazer": 3, "heels": 3,
    "oxfords": 3, "tie": 3.5, "suit": 3.5, "gown": 4, "tuxedo": 4,
}
ROLE: dict[str, str] = {
    "top": "top", "t-shirt": "top", "tee": "top", "shirt": "top", "blouse": "top",
    "sweater": "top", "knitwear": "top", "hoodie": "top", "cardigan": "layer",
    "bottom": "bottom", "jeans": "bottom", "trousers": "bottom", "pants": "bottom",
    "skirt": "bottom", "shorts": "bottom", "leggings": "bottom", "sweatpants": "bottom",
    "dress": "one_piece", "jumpsuit": "one_piece", "gown": "one_piece", "suit": "one_piece",
    "tuxedo": "one_piece", "activewear": "top",
    "shoes": "shoes", "sneakers": "shoes", "trainers": "shoes", "boots": "shoes", "heels": "shoes",
    "loafers": "shoes", "sandals": "shoes", "flats": "shoes", "oxfords": "shoes",
    "outerwear": "layer", "coat": "layer", "jacket": "layer", "blazer": "layer",
    "accessory": "accent", "bag": "accent", "jewellery": "accent", "jewelry": "accent",
    "tie": "accent", "hat": "accent", "scarf": "accent", "belt": "accent", "sunglasses": "accent",
}
# Occasion → (target formality, style tags that suit it).
OCCASIONS: dict[str, tuple[float, set[str]]] = {
    "gym": (0, {"sporty", "athleisure", "activewear"}),
    "lounge": (0.5, {"cozy", "comfy", "loungewear"}),
    "beach": (0.5, {"boho", "resort", "summer"}),
    "casual": (1, {"casual", "streetwear", "minimalist", "everyday"}),
    "travel": (1, {"comfy", "casual", "minimalist", "athleisure"}),
    "festival": (1, {"boho", "festival", "eclectic", "bold"}),
    "brunch": (1.5, {"casual", "chic", "feminine", "preppy"}),
    "date": (2, {"romantic", "chic", "feminine", "edgy"}),
    "party": (2.5, {"glam", "bold", "party", "edgy", "sparkle"}),
    "work": (2.5, {"classic", "minimalist", "professional", "preppy"}),
    "business": (3, {"classic", "professional", "tailored"}),
    "interview": (3, {"classic", "professional", "tailored", "minimalist"}),
    "wedding": (3, {"romantic", "elegant", "classic", "feminine"}),
    "formal": (3.5, {"elegant", "classic", "glam", "tailored"}),
    "black_tie": (4, {"elegant", "glam"}),
}
OCCASION_ALIASES = {"office": "work", "business_casual": "work", "evening": "party",
                    "night_out": "party", "workout": "gym", "sport": "gym", "holiday": "travel",
                    "vacation": "travel", "black tie": "black_tie", "gala": "black_tie"}

TREND_RECENT_DAYS = 7
TREND_BASELINE_DAYS = 28
TREND_SATURATION = 20  # distinct posts in a week at which popularity counts as full


@dataclass(frozen=True)
class PaletteColour:
    hex: str
    share: float
    name: str | None = None


@dataclass
class AnalysisInputs:
    """Everything the analysis reads about one post."""

    outfit_items: list[dict[str, Any]] = field(default_factory=list)
    style_tags: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    occasion: str | None = None
    palette: list[PaletteColour] = field(default_factory=list)

    def key(self) -> str:
        """A digest of the inputs: the analysis is recomputed only when it changes."""
        raw = orjson.dumps({
            "v": VERSION,
            "items": [{k: i.get(k) for k in ("name", "category", "colour", "brand", "price_band")}
                      for i in self.outfit_items],
            "tags": sorted(self.style_tags), "hashtags": sorted(self.hashtags),
            "occasion": self.occasion,
            "palette": [[c.hex, round(c.share, 4)] for c in self.palette],
        }, option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(raw).hexdigest()

    def trend_tags(self) -> list[str]:
        return sorted({t.lower() for t in [*self.hashtags, *self.style_tags] if t})


@dataclass(frozen=True)
class TagUsage:
    recent: int  # distinct other posts using the tag in the last TREND_RECENT_DAYS
    baseline: int  # distinct other posts in the TREND_BASELINE_DAYS before that


@lru_cache(maxsize=4096)
def colour_hex(name: str | None) -> str | None:
    """A colour name (CSS or fashion) or hex string → '#rrggbb', None if unknown."""
    if not name:
        return None
    key = name.strip().lower()
    if key in FASHION_COLOURS:
        return FASHION_COLOURS[key] or None
    from tanvi_social.media.colors import resolve_colour  # the shared colour-name list

    shared = resolve_colour(key)
    if shared:
        return shared
    try:
        return str(Color(key.replace(" ", "")).convert("srgb").to_string(hex=True, fit=True))[:7]
    except (ValueError, TypeError):
        return None


@lru_cache(maxsize=8192)
def _lch(hex_: str) -> tuple[float, float, float]:
    """(CIE L*, CIE chroma C*, hue on the HSV colour wheel in degrees).

    Lightness and chroma are perceptual (Lab/LCh); hue relations use the familiar HSV wheel,
    on which complementary colours sit 180° apart.
    """
    lightness, chroma, _ = Color(hex_).convert("lch").coords()
    r, g, b = (int(hex_[i:i + 2], 16) / 255 for i in (1, 3, 5))
    hue, _, _ = colorsys.rgb_to_hsv(r, g, b)
    return float(lightness), float(chroma), hue * 360.0


def _hue_gap(a: float, b: float) -> float:
    d = abs(a - b) % 360
    return 360 - d if d > 180 else d


def _round(x: float) -> float:
    return round(max(0.0, min(1.0, x)), 3)


def colours_for(inputs: AnalysisInputs) -> tuple[list[PaletteColour], str]:
    """The colours to judge: the photo palette, else the outfit items' named colours."""
    if inputs.palette:
        return [c for c in inputs.palette if c.share > 0], "photo palette"
    found: list[PaletteColour] = []
    for item in inputs.outfit_items:
        name = item.get("colour") or item.get("color")
        hex_ = colour_hex(name)
        if hex_:
            found.append(PaletteColour(hex_, 1.0, str(name).lower()))
    if not found:
        return [], "none"
    share = 1.0 / len(found)
    return [PaletteColour(c.hex, share, c.name) for c in found], "outfit item colours"


def color_harmony(inputs: AnalysisInputs) -> dict[str, Any]:
    """Colour-wheel relations (HSV hue; neutrals and contrast in CIE LCh): docs/algorithms.md."""
    colours, source = colours_for(inputs)
    if not colours:
        return {"score": 0.5, "scheme": "unknown",
                "reasons": ["No colours known (no photo palette, no item colours): neutral 0.5"]}
    total = sum(c.share for c in colours) or 1.0
    neutral_share = 0.0
    chromatic: list[tuple[float, float, float, float, str]] = []  # hue, share, L, C, label
    for c in colours:
        lightness, chroma, hue = _lch(c.hex)
        label = c.name or c.hex
        if chroma < NEUTRAL_CHROMA or (c.name or "") in NEUTRAL_NAMES:
            neutral_share += c.share / total
        else:
            chromatic.append((hue, c.share / total, lightness, chroma, label))
    reasons = [f"Colours from the {source}: {len(colours)} ({len(chromatic)} chromatic, "
               f"neutrals {round(neutral_share * 100)}%)"]
    # Merge chromatic colours of nearly the same hue (within 20°) into hue groups.
    groups: list[list[tuple[float, float, float, float, str]]] = []
    for col in sorted(chromatic, key=lambda x: -x[1]):
        for g in groups:
            if _hue_gap(g[0][0], col[0]) <= 20:
                g.append(col)
                break
        else:
            groups.append([col])
    hues = [g[0][0] for g in groups if sum(x[1] for x in g) >= 0.05] or [g[0][0] for g in groups]
    n = len(hues)
    if n == 0:
        scheme, base = "neutral", 0.80
        reasons.append("All neutrals: harmonious by construction, little contrast (0.80)")
    elif n == 1:
        scheme, base = "monochromatic", 0.85
        reasons.append("One hue family with neutrals: monochromatic (0.85)")
    else:
        gaps = sorted(_hue_gap(a, b) for i, a in enumerate(hues) for b in hues[i + 1:])
        if n == 2 and gaps[0] <= 45:
            scheme, base = "analogous", 0.90
        elif n == 2 and 150 <= gaps[0] <= 210:
            scheme, base = "complementary", 0.88
        elif n == 3 and all(90 <= g <= 150 for g in gaps):
            scheme, base = "triadic", 0.82
        elif n == 3 and all(g <= 70 for g in gaps):
            scheme, base = "analogous", 0.86
        elif n == 3 and _split_complementary(hues):
            scheme, base = "split_complementary", 0.80
        elif n == 2 and 90 <= gaps[0] < 150:
            scheme, base = "contrasting", 0.65
        else:
            scheme, base = "clashing", 0.45
        reasons.append(f"{n} hue families, gaps {', '.join(f'{round(g)}°' for g in gaps)}: "
                       f"{scheme.replace('_', '-')} ({base:.2f})")
    score = base
    if n > 3:
        score -= 0.08 * (n - 3)
        reasons.append(f"{n} distinct hues is busy: −{0.08 * (n - 3):.2f}")
    if n >= 1 and 0.2 <= neutral_share <= 0.7:
        score += 0.05
        reasons.append("Neutrals ground the colours (20–70% neutral): +0.05")
    if chromatic:
        lightnesses = [x[2] for x in chromatic]
        chromas = [x[3] for x in chromatic]
        if len(chromas) >= 2 and max(chromas) > 70 and min(chromas) > 60:
            score -= 0.05
            reasons.append("Several very saturated colours compete: −0.05")
        if max(lightnesses) - min(lightnesses) >= 30 and n >= 2:
            score += 0.03
            reasons.append("Light/dark contrast between the colours: +0.03")
    return {"score": _round(score), "scheme": scheme, "reasons": reasons}


def _split_complementary(hues: list[float]) -> bool:
    for i, h in enumerate(hues):
        others = [x for j, x in enumerate(hues) if j != i]
        if all(120 <= _hue_gap(h, o) <= 170 for o in others) and _hue_gap(*others) <= 80:
            return True
    return False


def _category_key(item: dict[str, Any]) -> str | None:
    for raw in (item.get("category"), item.get("name")):
        if not raw:
            continue
        text = str(raw).lower()
        if text in ROLE or text in CATEGORY_FORMALITY:
            return text
        for word in sorted(set(ROLE) | set(CATEGORY_FORMALITY), key=len, reverse=True):
            if word in text:
                return word
    return None


def style_score(inputs: AnalysisInputs, harmony: float) -> dict[str, Any]:
    """0.35·harmony + 0.30·completeness + 0.20·detail + 0.15·expression."""
    items = inputs.outfit_items
    reasons: list[str] = []
    roles = {ROLE.get(k or "", "") for k in (_category_key(i) for i in items)}
    if "one_piece" in roles or {"top", "bottom"} <= roles:
        completeness = 0.5
        reasons.append("Complete base (top + bottom, or a one-piece)")
    elif roles & {"top", "bottom"}:
        completeness = 0.25
        reasons.append("Only half a base outfit listed")
    else:
        completeness = 0.0
        reasons.append("No base garments listed")
    if "shoes" in roles:
        completeness += 0.25
        reasons.append("Footwear chosen")
    if roles & {"layer", "accent"}:
        completeness += 0.25
        reasons.append("Layer or accessory adds finish")
    if items:
        filled = [sum(1 for k in ("category", "colour", "brand", "price_band")
                      if i.get(k) or (k == "colour" and i.get("color"))) / 4 for i in items]
        detail = sum(filled) / len(filled)
        reasons.append(f"Item details {round(detail * 100)}% filled in")
    else:
        detail = 0.0
    tags = {t.lower() for t in inputs.style_tags}
    expression = min(1.0, len(tags) / 3)
    if tags:
        reasons.append(f"Style named: {', '.join(sorted(tags)[:5])}")
    reasons.append(f"Colour harmony {harmony:.2f} weighs 35%")
    score = 0.35 * harmony + 0.30 * completeness + 0.20 * detail + 0.15 * expression
    return {"score": _round(score), "reasons": reasons,
            "components": {"harmony": round(harmony, 3), "completeness": round(completeness, 3),
                           "detail": round(detail, 3), "expression": round(expression, 3)}}


def normalise_occasion(occasion: str | None) -> str | None:
    if not occasion:
        return None
    key = occasion.strip().lower().replace("-", "_")
    key = OCCASION_ALIASES.get(key, key)
    return key.replace(" ", "_")


def occasion_fit(inputs: AnalysisInputs) -> dict[str, Any]:
    """1 − |outfit formality − occasion formality| / 4, plus up to 0.1 for matching style tags."""
    occasion = normalise_occasion(inputs.occasion)
    if occasion is None:
        return {"score": 0.5, "reasons": ["No occasion given: neutral 0.5"]}
    if occasion not in OCCASIONS:
        return {"score": 0.5, "reasons": [f"Occasion '{inputs.occasion}' is not in the "
                                          "vocabulary: neutral 0.5"]}
    target, suited = OCCASIONS[occasion]
    levels = [(k, CATEGORY_FORMALITY[k]) for k in (_category_key(i) for i in inputs.outfit_items)
              if k in CATEGORY_FORMALITY]
    reasons: list[str] = []
    tags = {t.lower() for t in [*inputs.style_tags, *inputs.hashtags]}
    if levels:
        formality = sum(v for _, v in levels) / len(levels)
        score = 1 - abs(formality - target) / 4
        reasons.append(f"Outfit formality {formality:.1f}/4 vs {occasion} {target:.1f}/4")
        off = [k for k, v in levels if abs(v - target) >= 2]
        if off:
            reasons.append(f"Out of place for {occasion}: {', '.join(sorted(set(off)))}")
    else:
        score = 0.5
        reasons.append("No garment categories to judge formality: 0.5")
    matched = sorted(tags & suited)
    if matched:
        bonus = min(0.1, 0.05 * len(matched))
        score += bonus
        reasons.append(f"Style suits {occasion}: {', '.join(matched)} (+{bonus:.2f})")
    return {"score": _round(score), "reasons": reasons}


def trend_relevance(inputs: AnalysisInputs, usage: dict[str, TagUsage]) -> dict[str, Any]:
    """Mean of the best three tags' trend scores (popularity 70%, momentum 30%)."""
    tags = inputs.trend_tags()
    if not tags:
        return {"score": 0.0, "reasons": ["No hashtags or style tags to match against trends"]}
    scored: list[tuple[float, str, TagUsage]] = []
    for tag in tags:
        u = usage.get(tag, TagUsage(0, 0))
        popularity = min(1.0, math.log1p(u.recent) / math.log1p(TREND_SATURATION))
        weekly_baseline = u.baseline * TREND_RECENT_DAYS / TREND_BASELINE_DAYS
        momentum = 0.0
        if u.recent + weekly_baseline > 0:
            momentum = max(0.0, (u.recent - weekly_baseline) / (u.recent + weekly_baseline))
        scored.append((0.7 * popularity + 0.3 * momentum, tag, u))
    scored.sort(key=lambda x: (-x[0], x[1]))
    top = scored[:3]
    score = sum(s for s, _, _ in top) / len(top)
    reasons = [f"#{tag}: {u.recent} other posts in {TREND_RECENT_DAYS} days "
               f"(baseline {u.baseline} in the {TREND_BASELINE_DAYS} days before)"
               for _, tag, u in top]
    return {"score": _round(score), "reasons": reasons}


def analyse(inputs: AnalysisInputs, usage: dict[str, TagUsage]) -> dict[str, Any]:
    """The full `ai_analysis` block."""
    harmony = color_harmony(inputs)
    return {
        "version": VERSION,
        "style_score": style_score(inputs, harmony["score"]),
        "trend_relevance": trend_relevance(inputs, usage),
        "color_harmony": harmony,
        "occasion_fit": occasion_fit(inputs),
    }
