"""The filter query parameters (`occasion`, `season`, `weather`, `formality`, `price`,
`max_price`) as one FastAPI dependency, shared by every listing that filters posts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from tanvi_social.content.filters import OccasionIn, PostFilter, PriceIn, Weather
from tanvi_social.content.schemas import Formality, Season


async def post_filter_params(
    occasion: Annotated[OccasionIn | None, Query(
        description="Occasion (aliases such as office → work)")] = None,
    season: Annotated[Season | None, Query(
        description="Season; all_season posts match every season")] = None,
    weather: Annotated[Weather | None, Query(
        description="Derived from season, garments and tags (docs/algorithms.md)")] = None,
    formality: Annotated[Formality | None, Query()] = None,
    price: Annotated[PriceIn | None, Query(
        description="Some outfit item or garment tag in this band (mid = mid_range)")] = None,
    max_price: Annotated[PriceIn | None, Query(
        description="Priced items only, none above this band")] = None,
) -> PostFilter:
    return PostFilter(occasion=occasion, season=season, weather=weather, formality=formality,
                      price=price, max_price=max_price)


PostFilterDep = Annotated[PostFilter, Depends(post_filter_params)]
