from __future__ import annotations

import random

import numpy as np
import pytest
from coloraide import Color

from tanvi_social.media import colors


class TestColourFunctions:
    def test_vectorised_ciede2000_matches_coloraide(self) -> None:
        rng = random.Random(7)
        pairs = [(f"#{rng.randrange(1 << 24):06x}", f"#{rng.randrange(1 << 24):06x}")
                 for _ in range(300)]
        a = np.array([colors.hex_to_lab(p[0]) for p in pairs])
        b = np.array([colors.hex_to_lab(p[1]) for p in pairs])
        mine = np.diag(colors.ciede2000(a, b))
        ref = [Color(x).delta_e(Color(y), method="2000") for x, y in pairs]
        assert np.allclose(mine, ref, atol=1e-9)

    def test_sharma_reference_pairs(self) -> None:
        # Sharma, Wu & Dalal (2005) test data, pairs 1, 7 and 17.
        pairs = [((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
                 ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
                 ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492)]
        for lab1, lab2, expected in pairs:
            got = colors.ciede2000(np.array([lab1]), np.array([lab2]))[0, 0]
            assert got == pytest.approx(expected, abs=1e-4)

    @pytest.mark.parametrize(("hex_value", "name"), [
        ("#9caf88", "sage"), ("#a2b38e", "sage"), ("#7f0020", "burgundy"),
        ("#000082", "navy"), ("#c29b6c", "camel"), ("#808080", "grey"), ("#fffff0", "ivory"),
        ("#e1ae05", "mustard"), ("#b7420f", "rust"), ("#008081", "teal"),
    ])
    def test_nearest_name(self, hex_value: str, name: str) -> None:
        assert colors.nearest_color_name(hex_value) == name

    def test_named_hex_and_distance(self) -> None:
        assert colors.named_color_hex("Sage") == "#9caf88"
        assert colors.named_color_hex("dusty-rose") == colors.named_color_hex("Dusty Rose")
        assert colors.named_color_hex("not a colour") is None
        assert colors.color_distance("#9caf88", "#9caf88") == 0
        near = colors.color_distance("#9caf88", colors.named_color_hex("moss") or "")
        far = colors.color_distance("#9caf88", colors.named_color_hex("navy") or "")
        assert near < 15 < far

    def test_names_list_has_css_and_fashion_names(self) -> None:
        names = {c.name for c in colors.named_colours()}
        assert {"sage", "camel", "blush", "burgundy", "navy", "olive", "mustard", "ivory",
                "taupe", "rust", "lilac", "teal", "aliceblue", "rebeccapurple"} <= names
        with pytest.raises(ValueError, match="hex"):
            colors.normalise_hex("#12345g")
