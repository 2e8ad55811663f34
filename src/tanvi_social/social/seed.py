"""Demo social data: believable style profiles, a follow graph with a few popular accounts,
pending requests to private accounts, a couple of blocks and mutes, verified influencers.

Everything goes through the services, so counters and notifications are exactly what real use
would produce.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.errors import AppError
from tanvi_social.social import influencers, service
from tanvi_social.social.models import Connection, Influencer, Profile
from tanvi_social.social.schemas import InfluencerApply, InfluencerVerify, ProfileWrite

# Personas: (style tags, colours, brands, occasions, budget band, bio opener)
PERSONAS: list[tuple[list[str], list[str], list[str], list[str], str, str]] = [
    (["minimalist", "scandi", "classic"], ["black", "white", "camel", "grey"],
     ["COS", "Arket", "Uniqlo", "& Other Stories"], ["work", "everyday"], "mid",
     "Capsule wardrobe, 30 pieces, zero regrets."),
    (["streetwear", "sporty", "y2k"], ["black", "neon green", "white"],
     ["Nike", "Carhartt WIP", "Stüssy", "New Balance"], ["everyday", "festival"], "mid",
     "Sneaker rotation and thrifted hoodies."),
    (["boho", "vintage", "eclectic"], ["rust", "mustard", "sage", "cream"],
     ["Free People", "Sézane", "Depop finds"], ["festival", "brunch", "vacation"], "budget",
     "Flea-market treasure hunter."),
    (["classic", "preppy", "chic"], ["navy", "white", "burgundy", "camel"],
     ["Ralph Lauren", "J.Crew", "Massimo Dutti"], ["work", "brunch", "wedding"], "premium",
     "Blazers, loafers and a good trench."),
    (["romantic", "cottagecore", "vintage"], ["blush", "lavender", "cream", "sage"],
     ["Reformation", "Sézane", "Doen"], ["date-night", "brunch", "wedding"], "mid",
     "Florals in every season."),
    (["edgy", "grunge", "streetwear"], ["black", "silver", "burgundy"],
     ["AllSaints", "Dr. Martens", "Acne Studios"], ["party", "festival"], "premium",
     "All black everything, plus one red lip."),
    (["glam", "chic", "avant-garde"], ["gold", "black", "emerald", "red"],
     ["Zara", "Self-Portrait", "Jacquemus"], ["party", "formal", "date-night"], "luxury",
     "Sequins are a neutral."),
    (["athleisure", "sporty", "casual"], ["grey", "white", "sage", "navy"],
     ["Lululemon", "Adidas", "Girlfriend Collective"], ["gym", "everyday", "travel"], "mid",
     "From pilates to brunch without changing."),
    (["sustainable", "minimalist", "coastal"], ["oat", "white", "olive", "navy"],
     ["Patagonia", "Everlane", "Vinted finds"], ["everyday", "travel", "vacation"], "budget",
     "Rewear, repair, repeat."),
    (["modest", "classic", "chic"], ["camel", "emerald", "cream", "navy"],
     ["Mango", "Aab", "Massimo Dutti"], ["work", "wedding", "everyday"], "mid",
     "Layering for every occasion."),
]
CITIES = ["London", "Mumbai", "Lagos", "Toronto", "Berlin", "Seoul", "Austin", "Milan",
          "Sydney", "Paris", "Lisbon", "Dubai"]
SIZES = [{"top": "S", "bottom": "27", "shoe": "38"}, {"top": "M", "bottom": "30", "shoe": "39"},
         {"top": "L", "bottom": "32", "shoe": "40"}, {"top": "XS", "bottom": "25", "shoe": "37"}]


def _profile_for(i: int, username: str, ctx: Any) -> ProfileWrite:
    rng = ctx.rng
    main = PERSONAS[i % len(PERSONAS)]
    second = PERSONAS[(i * 3 + 1) % len(PERSONAS)]
    tags = main[0] + [t for t in rng.sample(second[0], 1) if t not in main[0]]
    if i % 4 == 0:
        tags.append(rng.choice(["thrifted", "capsule-wardrobe", "petite", "tall-girl-style"]))
    colors = main[1][: rng.randint(2, len(main[1]))]
    brands = rng.sample(main[2], k=min(len(main[2]), rng.randint(2, 3)))
    first = username.split("_")[0].capitalize()
    return ProfileWrite(
        display_name=f"{first} {username.split('_')[-1].capitalize()}",
        bio=f"{main[5]} {first} on style, {tags[0]} edition.",
        location=rng.choice(CITIES), style_tags=tags, favorite_colors=colors,
        favorite_brands=brands, occasions=main[3], budget_band=main[4],
        size_info=rng.choice(SIZES),
        visibility="private" if i % 12 == 5 else ("followers" if i % 15 == 7 else "public"),
        allow_followers=i % 20 != 9,
    )


def seed(session: Session, ctx: Any) -> int:
    ids: list[int] = list(ctx.data.get("user_ids") or session.scalars(
        select(User.id).where(User.is_active.is_(True)).order_by(User.id)))
    if not ids:
        return 0
    if session.scalar(select(func.count()).select_from(Connection)
                      .where(Connection.follower_id.in_(ids))):
        return 0
    users = dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
    added = 0
    for i, uid in enumerate(ids):
        service.ensure_profile(session, uid)
        profile = session.get(Profile, uid)
        if profile is not None and profile.updated_at is None:
            service.create_profile(session, uid, _profile_for(i, users[uid], ctx))
            added += 1
    rng = ctx.rng
    popular = ids[:5]  # a few accounts most people follow
    for i, uid in enumerate(ids):
        picks = set(rng.sample(popular, k=min(len(popular), rng.randint(2, 5))))
        same_persona = [o for j, o in enumerate(ids) if j % len(PERSONAS) == i % len(PERSONAS)]
        picks |= set(rng.sample(same_persona, k=min(len(same_persona), rng.randint(1, 4))))
        picks |= set(rng.sample(ids, k=min(len(ids), rng.randint(2, 6))))
        for target in sorted(picks - {uid}):
            try:
                service.follow(session, uid, target)
                added += 1
            except AppError:
                continue
    # Approve some of the pending requests so private accounts have followers too.
    for owner in ids:
        pending = list(session.scalars(select(Connection.id).where(
            Connection.target_id == owner, Connection.state == "pending").order_by(Connection.id)))
        for request_id in pending[: len(pending) // 2]:
            service.approve_request(session, owner, request_id)
    if len(ids) > 12:
        for blocker, blocked in ((ids[7], ids[11]), (ids[12], ids[3])):
            with contextlib.suppress(AppError):
                service.block(session, blocker, blocked)
        for muter, muted in ((ids[2], ids[8]), (ids[9], ids[1])):
            with contextlib.suppress(AppError):
                service.mute(session, muter, muted)
    admin_id = session.scalar(select(User.id).where(User.role.in_(("admin", "moderator")))
                              .order_by(User.id))
    kinds = ["fashion_blogger", "style_enthusiast", "brand_ambassador", "fashion_blogger"]
    for i, uid in enumerate(popular[:4]):
        if session.scalar(select(Influencer.id).where(Influencer.user_id == uid)) is not None:
            continue
        persona = PERSONAS[ids.index(uid) % len(PERSONAS)]
        row = influencers.apply(session, uid, InfluencerApply(
            influencer_type=kinds[i], expertise_level="expert" if i < 2 else "intermediate",
            style_specialties=persona[0][:2], content_categories=["outfits", "styling tips"],
            statement="Sharing daily outfits and styling tips."))
        if admin_id is not None and i < 3:
            influencers.verify(session, admin_id, row.id, InfluencerVerify(decision="verified"))
    return added
