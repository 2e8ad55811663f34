"""Demo content: outfit posts with photos drawn in their real colours, comments, reactions,
saves, one open and one closed challenge with entries and votes.

Photos come from `ctx.data["media_ids_by_user"]` when the media seed ran first; otherwise this
seed draws simple outfit pictures with Pillow (the garments in their listed colours) and stores
them through the media pipeline, so palettes and `ai_analysis` reflect what the picture shows.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import Role, User
from tanvi_social.content import challenges, comments, engagement, service
from tanvi_social.content.access import can_view_post
from tanvi_social.content.analysis import colour_hex
from tanvi_social.content.models import (
    Challenge,
    ChallengeEntry,
    ChallengeParticipant,
    ChallengeVote,
    Post,
)
from tanvi_social.content.schemas import ChallengeCreate, PostCreate
from tanvi_social.core.errors import AppError
from tanvi_social.core.time import utcnow

OUTFITS: list[dict[str, Any]] = [
    {"caption": "Sage and cream for a slow Sunday #quietluxury #sage",
     "occasion": "brunch", "style_tags": ["minimalist", "chic"], "background": "#f2efe9",
     "items": [("Knit top", "sweater", "sage", "COS", "mid_range"),
               ("Wide trousers", "trousers", "cream", "Arket", "mid_range"),
               ("Loafers", "loafers", "camel", "Vagabond", "premium")]},
    {"caption": "Navy tailoring for the big pitch #workwear #tailoring",
     "occasion": "work", "style_tags": ["classic", "professional"], "background": "#e9eef2",
     "items": [("Blazer", "blazer", "navy", "Massimo Dutti", "premium"),
               ("Silk shirt", "blouse", "white", "Equipment", "luxury"),
               ("Trousers", "trousers", "navy", "Massimo Dutti", "premium"),
               ("Heels", "heels", "black", "Aeyde", "premium")]},
    {"caption": "Colour block for the weekend #colourblock #streetstyle",
     "occasion": "casual", "style_tags": ["bold", "streetwear"], "background": "#fafafa",
     "items": [("Hoodie", "hoodie", "orange", "Nike", "budget"),
               ("Jeans", "jeans", "cobalt", "Levi's", "mid_range"),
               ("Sneakers", "sneakers", "white", "Veja", "mid_range")]},
    {"caption": "Burgundy velvet for the party #partylook #velvet",
     "occasion": "party", "style_tags": ["glam", "romantic"], "background": "#201a1d",
     "items": [("Velvet dress", "dress", "burgundy", "Reformation", "premium"),
               ("Heels", "heels", "gold", "Zara", "budget"),
               ("Clutch", "bag", "black", "By Far", "premium")]},
    {"caption": "Gym then coffee #athleisure #gymfit",
     "occasion": "gym", "style_tags": ["sporty", "athleisure"], "background": "#eceff1",
     "items": [("Sports top", "activewear", "lilac", "Girlfriend Collective", "mid_range"),
               ("Leggings", "leggings", "charcoal", "Lululemon", "premium"),
               ("Trainers", "sneakers", "white", "New Balance", "mid_range")]},
    {"caption": "Terracotta and denim, simple as that #denim #summerstyle",
     "occasion": "travel", "style_tags": ["boho", "casual"], "background": "#f7efe6",
     "items": [("Linen shirt", "shirt", "terracotta", "Mango", "budget"),
               ("Shorts", "shorts", "denim", "Levi's", "mid_range"),
               ("Sandals", "sandals", "tan", "Ancient Greek Sandals", "premium")]},
    {"caption": "Wedding guest in emerald #weddingguest #emerald",
     "occasion": "wedding", "style_tags": ["elegant", "feminine"], "background": "#f4f1ec",
     "items": [("Satin gown", "gown", "emerald", "Ghost", "premium"),
               ("Heels", "heels", "nude", "Stuart Weitzman", "luxury"),
               ("Earrings", "jewellery", "gold", "Mejuri", "mid_range")]},
    {"caption": "Neon clash experiment, verdict? #experimental #colourblock",
     "occasion": "work", "style_tags": ["eclectic"], "background": "#ffffff",
     "items": [("Tee", "t-shirt", "neon green", "Weekday", "budget"),
               ("Skirt", "skirt", "hot pink", "Monki", "budget"),
               ("Boots", "boots", "red", "Dr. Martens", "mid_range")]},
]
COMMENTS = ["Obsessed with this colour combo", "Where are the trousers from?",
            "This is so you!", "Saving for my next trip", "The shoes make it",
            "Perfect for the office", "Need this in my wardrobe", "Such a clean look"]
REACTIONS = ["like", "love", "fire", "style_goals"]


def draw_outfit(outfit: dict[str, Any], variant: int) -> bytes:
    """A simple figure: top, bottom (or a dress), shoes and an accessory in their colours."""
    img = Image.new("RGB", (600, 800), outfit["background"])
    draw = ImageDraw.Draw(img)
    shift = (variant % 3) * 12
    draw.ellipse([255, 40, 345, 130], fill="#d9b39b")  # head
    rows = {"top": [170, 150, 430, 400], "bottom": [190, 400, 410, 680],
            "shoes": [180, 680, 420, 740], "one": [160, 150, 440, 680]}
    for name, category, colour, _brand, _band in outfit["items"]:
        fill = colour_hex(colour) or "#888888"
        cat = category.lower()
        if cat in ("gown", "dress", "jumpsuit"):
            box = rows["one"]
        elif cat in ("trousers", "jeans", "shorts", "skirt", "leggings"):
            box = rows["bottom"]
        elif cat in ("heels", "sneakers", "loafers", "sandals", "boots"):
            box = rows["shoes"]
        elif cat in ("bag", "jewellery"):
            box = [450, 380 + shift, 540, 470 + shift]
        elif cat == "blazer":
            box = [150, 140, 450, 430]
        else:
            box = rows["top"]
        if name == "Silk shirt":
            box = [230, 150, 370, 400]
        draw.rectangle([box[0] + shift, box[1], box[2] - shift, box[3]], fill=fill)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _media_for(session: Session, ctx: Any, user_id: int, outfit: dict[str, Any],
               variant: int) -> list[int]:
    provided = (ctx.data.get("media_ids_by_user") or {}).get(user_id) or []
    used = ctx.data.setdefault("content_media_used", set())
    for mid in provided:
        if mid not in used:
            used.add(mid)
            return [mid]
    from tanvi_social.media import processing, storage
    from tanvi_social.media import service as media_service

    processed = processing.process_image(draw_outfit(outfit, variant))
    storage.save(Path(ctx.media_dir), processed)
    alt = "Outfit: " + ", ".join(f"{c} {n.lower()}" for n, _k, c, _b, _p in outfit["items"])
    media, _ = media_service.create_media(session, user_id, processed, alt)
    return [media.id]


def seed(session: Session, ctx: Any) -> int:
    if session.scalar(select(Post.id).limit(1)) is not None:
        return 0
    user_ids: list[int] = list(ctx.data.get("user_ids") or session.scalars(
        select(User.id).order_by(User.id)))
    if len(user_ids) < 6:
        return 0
    rng = ctx.rng
    added = 0
    authors = user_ids[:16]
    posts: list[int] = []
    for i, author in enumerate(authors):
        for j in range(2):
            outfit = OUTFITS[(i * 2 + j) % len(OUTFITS)]
            with_photo = (i * 2 + j) % 4 != 3
            media_ids = _media_for(session, ctx, author, outfit, i) if with_photo else []
            data = PostCreate(
                caption=outfit["caption"], media_ids=media_ids, occasion=outfit["occasion"],
                style_tags=outfit["style_tags"],
                outfit_items=[{"name": n, "category": k, "colour": c, "brand": b,
                               "price_band": p} for n, k, c, b, p in outfit["items"]],
                visibility="followers" if (i + j) % 7 == 6 else "public")
            posts.append(service.create_post(session, author, data).id)
            added += 1
    # drafts are real too
    service.create_post(session, authors[0], PostCreate(caption="Autumn layers, work in progress",
                                                        is_draft=True))
    added += 1
    for post_id in posts:
        fans = rng.sample(user_ids, k=min(len(user_ids), rng.randrange(3, 18)))
        for fan in fans:
            try:
                engagement.react(session, fan, post_id, rng.choice(REACTIONS))
                added += 1
            except AppError:  # not visible to this fan (followers-only, private profile)
                continue
        for commenter in rng.sample(user_ids, k=3):
            try:
                comments.add_comment(session, commenter, post_id, rng.choice(COMMENTS), None)
                added += 1
            except AppError:
                continue
    for saver in user_ids[20:30]:
        try:
            engagement.save_post(session, saver, rng.choice(posts),
                                 engagement.SaveRequest(save_reason="outfit_inspiration"))
            added += 1
        except AppError:
            continue
    added += _challenges(session, ctx, user_ids, posts)
    session.flush()
    ctx.data["post_ids"] = posts
    return added


def _challenges(session: Session, ctx: Any, user_ids: list[int], posts: list[int]) -> int:
    rng = ctx.rng
    creator = session.scalar(select(User.id).where(
        User.role.in_((Role.MODERATOR.value, Role.ADMIN.value))).order_by(User.id)) or \
        user_ids[0]
    creator_user = session.get(User, creator)
    if creator_user is not None and creator_user.role == "user":
        creator_user.is_verified = True
    now = utcnow()
    open_challenge = challenges.create_challenge(session, creator, ChallengeCreate(
        title="Monochrome Week", hashtag="monoweek", challenge_type="color",
        description="One colour, head to toe. Texture does the talking.",
        rules=["One main colour", "Your own photo"], ends_at=now + timedelta(days=5)))
    public_posts = session.scalars(select(Post).where(Post.id.in_(posts),
                                                      Post.visibility == "public")).all()
    by_author: dict[int, Post] = {}
    for p in public_posts:
        if can_view_post(session, None, p):
            by_author.setdefault(p.author_id, p)
    entrants = list(by_author.values())
    added = 1
    entry_ids = []
    for p in entrants[:6]:
        entry = challenges.submit_entry(session, p.author_id, open_challenge.id, p.id)
        entry_ids.append((entry.id, p.author_id))
        added += 1
    for voter in user_ids[10:40]:
        for entry_id, author in rng.sample(entry_ids, k=2):
            if author != voter:
                try:
                    challenges.vote(session, voter, open_challenge.id, entry_id)
                    added += 1
                except AppError:  # blocked either way: the entry is not visible to the voter
                    continue
    # a challenge that already ended: written directly (past dates), then closed normally
    closed = Challenge(creator_id=creator, title="Denim Days", hashtag="denimdays",
                       challenge_type="theme", description="Your best denim-on-denim.",
                       rules=["Two denim pieces"], starts_at=now - timedelta(days=14),
                       ends_at=now - timedelta(days=2))
    session.add(closed)
    session.flush()
    for p in entrants[6:11]:
        session.add(ChallengeParticipant(challenge_id=closed.id, user_id=p.author_id))
        closed_entry = ChallengeEntry(challenge_id=closed.id, post_id=p.id, user_id=p.author_id,
                                      created_at=now - timedelta(days=10))
        session.add(closed_entry)
        session.flush()
        p.challenge_id = closed.id
        voters = [u for u in rng.sample(user_ids, k=rng.randrange(2, 15)) if u != p.author_id]
        for k, voter in enumerate(voters):
            session.add(ChallengeVote(entry_id=closed_entry.id, user_id=voter,
                                      created_at=now - timedelta(days=9, hours=k)))
        closed_entry.vote_count = len(voters)
        closed.participants_count += 1
        closed.entries_count += 1
        added += 2 + len(voters)
    session.flush()
    challenges.close_due_challenges(session, now)
    return added
