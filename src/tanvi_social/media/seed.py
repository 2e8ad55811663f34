"""Demo images: outfits drawn with Pillow in real named colours, stored through the pipeline.

Each demo member gets 2-3 outfit pictures (figure on a background: top, optional outer layer,
bottom, shoes, bag or hat), garment tags that match the drawn regions, and alt text drafted from
them for most. `ctx.data["media_ids_by_user"]` maps user id → media ids for the content seed.
"""

from __future__ import annotations

import io
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.media import service, storage
from tanvi_social.media.colors import named_color_hex
from tanvi_social.media.models import Media
from tanvi_social.media.processing import ProcessedImage, process_image
from tanvi_social.media.schemas import MediaUpdate, TagCreate

W, H = 480, 600
BACKGROUNDS = ["ivory", "beige", "gainsboro", "blush", "oatmeal", "lavender", "honeydew",
               "seashell", "lightsteelblue", "stone", "sand", "mint"]
SKIN = ["#f1c27d", "#e0ac69", "#c68642", "#8d5524", "#ffdbac", "#a0522d"]
TOPS = ["white", "cream", "black", "sage", "blush", "mustard", "navy", "lilac", "rust",
        "teal", "burgundy", "coral", "powder blue"]
OUTERS = ["camel", "charcoal", "navy", "olive", "burgundy", "taupe", "cognac", "denim", "ecru"]
BOTTOMS = ["denim", "black", "khaki", "ivory", "navy", "olive", "charcoal", "camel", "rust",
           "emerald", "taupe"]
SHOES = ["white", "black", "cognac", "tan", "burgundy", "silver", "nude"]
ACCESSORIES = ["black", "camel", "mustard", "burgundy", "cream", "sage", "cobalt"]
BRANDS = ["Zara", "Mango", "COS", "Uniqlo", "H&M", "Arket", "& Other Stories", "Levi's",
          "Massimo Dutti", "Reformation", "Veja", "Nike"]
PRICE = ["budget", "mid_range", "mid_range", "premium", "luxury"]
FITS = ["small", "true", "true", "true", "large", None]


def _hex(name: str) -> str:
    value = named_color_hex(name)
    if value is None:
        raise ValueError(f"unknown colour name {name!r}")
    return value


def draw_outfit(rng: random.Random) -> tuple[bytes, list[TagCreate]]:
    """One outfit picture (JPEG bytes) and the tags describing what is drawn where."""
    bg = rng.choice(BACKGROUNDS)
    img = Image.new("RGB", (W, H), _hex(bg))
    d = ImageDraw.Draw(img)
    floor = rng.choice(["stone", "taupe", "tan", "silver", "sand"])
    d.rectangle([0, 520, W, H], fill=_hex(floor))
    skin = rng.choice(SKIN)
    dx = rng.randint(-70, 70)

    def box(x0: int, y0: int, x1: int, y1: int) -> dict[str, float]:
        return {"x": max(0, x0 + dx) / W, "y": y0 / H, "w": (x1 - x0) / W, "h": (y1 - y0) / H}

    tags: list[TagCreate] = []
    top, bottom, shoes = rng.choice(TOPS), rng.choice(BOTTOMS), rng.choice(SHOES)
    # head, neck and arms
    d.ellipse([202 + dx, 48, 278 + dx, 130], fill=skin)
    d.rectangle([228 + dx, 124, 252 + dx, 146], fill=skin)
    d.rectangle([150 + dx, 150, 178 + dx, 330], fill=skin)
    d.rectangle([302 + dx, 150, 330 + dx, 330], fill=skin)
    # top with sleeves
    d.polygon([(170 + dx, 142), (310 + dx, 142), (296 + dx, 300), (184 + dx, 300)],
              fill=_hex(top))
    d.rectangle([150 + dx, 146, 180 + dx, 230], fill=_hex(top))
    d.rectangle([300 + dx, 146, 330 + dx, 230], fill=_hex(top))
    top_kind = rng.choice(["tee", "blouse", "knit", "shirt"])
    tags.append(TagCreate(**box(186, 150, 294, 296), category=top_kind, colour=top,
                          brand=rng.choice(BRANDS), price_band=rng.choice(PRICE),
                          fit=rng.choice(FITS)))
    if rng.random() < 0.45:  # an open outer layer
        outer = rng.choice([c for c in OUTERS if c != top])
        length = rng.choice([320, 360, 430])
        d.polygon([(160 + dx, 140), (215 + dx, 140), (210 + dx, length), (150 + dx, length)],
                  fill=_hex(outer))
        d.polygon([(265 + dx, 140), (320 + dx, 140), (330 + dx, length), (270 + dx, length)],
                  fill=_hex(outer))
        d.rectangle([144 + dx, 144, 176 + dx, 300], fill=_hex(outer))
        d.rectangle([304 + dx, 144, 336 + dx, 300], fill=_hex(outer))
        kind = "coat" if length > 400 else rng.choice(["blazer", "jacket", "cardigan"])
        tags.append(TagCreate(**box(150, 142, 330, length - 4), category=kind, colour=outer,
                              brand=rng.choice(BRANDS), price_band=rng.choice(PRICE),
                              fit=rng.choice(FITS)))
    if rng.random() < 0.35:  # skirt and legs
        d.polygon([(184 + dx, 298), (296 + dx, 298), (318 + dx, 430), (162 + dx, 430)],
                  fill=_hex(bottom))
        d.rectangle([200 + dx, 430, 230 + dx, 500], fill=skin)
        d.rectangle([250 + dx, 430, 280 + dx, 500], fill=skin)
        tags.append(TagCreate(**box(166, 300, 314, 428), category="skirt", colour=bottom,
                              brand=rng.choice(BRANDS), price_band=rng.choice(PRICE),
                              fit=rng.choice(FITS)))
    else:  # trousers
        d.rectangle([186 + dx, 298, 238 + dx, 500], fill=_hex(bottom))
        d.rectangle([242 + dx, 298, 294 + dx, 500], fill=_hex(bottom))
        kind = "jeans" if bottom == "denim" else rng.choice(["trousers", "wide-leg trousers"])
        tags.append(TagCreate(**box(188, 300, 292, 498), category=kind, colour=bottom,
                              brand=rng.choice(BRANDS), price_band=rng.choice(PRICE),
                              fit=rng.choice(FITS)))
    d.ellipse([178 + dx, 494, 240 + dx, 522], fill=_hex(shoes))
    d.ellipse([240 + dx, 494, 302 + dx, 522], fill=_hex(shoes))
    tags.append(TagCreate(**box(180, 496, 300, 520), category=rng.choice(
        ["sneakers", "boots", "loafers", "heels"]), colour=shoes, brand=rng.choice(BRANDS),
        price_band=rng.choice(PRICE), fit=rng.choice(FITS)))
    accessory = rng.choice(ACCESSORIES)
    if rng.random() < 0.6:
        d.line([(330 + dx, 160), (350 + dx, 280)], fill=_hex(accessory), width=4)
        d.rounded_rectangle([332 + dx, 270, 392 + dx, 330], radius=8, fill=_hex(accessory))
        tags.append(TagCreate(**box(332, 270, 392, 330), category="bag", colour=accessory,
                              brand=rng.choice(BRANDS), price_band=rng.choice(PRICE)))
    else:
        d.ellipse([180 + dx, 40, 300 + dx, 70], fill=_hex(accessory))
        d.rectangle([208 + dx, 20, 272 + dx, 56], fill=_hex(accessory))
        tags.append(TagCreate(**box(180, 20, 300, 70), category="hat", colour=accessory,
                              brand=rng.choice(BRANDS), price_band=rng.choice(PRICE)))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=88)
    return buf.getvalue(), tags


def _clamp(tag: TagCreate) -> TagCreate:
    data = tag.model_dump()
    if data["w"] is not None:
        data["w"] = min(data["w"], 1 - data["x"])
    if data["h"] is not None:
        data["h"] = min(data["h"], 1 - data["y"])
    return TagCreate(**data)


def _process_and_store(media_dir: Path, data: bytes) -> ProcessedImage:
    processed = process_image(data)
    storage.save(media_dir, processed)
    return processed


def seed(session: Session, ctx: Any) -> int:
    user_ids: list[int] = list(ctx.data.get("user_ids", []))
    existing = session.execute(select(Media.owner_id, Media.id).order_by(Media.id)).all()
    if existing:
        by_user: dict[int, list[int]] = {}
        for owner, media_id in existing:
            by_user.setdefault(owner, []).append(media_id)
        ctx.data["media_ids_by_user"] = by_user
        return 0
    media_dir = Path(getattr(ctx, "media_dir", "var/media"))
    rng: random.Random = ctx.rng
    by_user = {}
    created = 0
    members = user_ids[:60]
    planned = [(user_id, *draw_outfit(rng)) for user_id in members
               for _ in range(rng.choice([2, 2, 3, 3, 3]))]
    # Pillow releases the GIL while encoding and resizing: two threads use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda item: _process_and_store(media_dir, item[1]), planned))
    for (user_id, _data, tags), processed in zip(planned, results, strict=True):
        media, fresh = service.create_media(session, user_id, processed)
        if not fresh:
            continue
        for tag in tags:
            service.add_tag(session, user_id, media.id, _clamp(tag))
        if rng.random() < 0.7:
            draft = service.alt_text_draft(session, user_id, media.id)
            service.update_media(session, user_id, media.id, MediaUpdate(alt_text=draft.draft))
        by_user.setdefault(user_id, []).append(media.id)
        created += 1
    if len(members) >= 2 and by_user.get(members[0]):
        # One demo of the stolen-photo check: a member re-posts a resized copy of another's look.
        first = session.get(Media, by_user[members[0]][0])
        if first is not None:
            path = storage.file_path(media_dir, first.sha256, "original",
                                     first.variants["original"]["ext"])
            with Image.open(path) as original:
                copy = original.resize((original.width * 3 // 4, original.height * 3 // 4))
                buf = io.BytesIO()
                copy.save(buf, format="JPEG", quality=75)
            processed = process_image(buf.getvalue())
            storage.save(media_dir, processed)
            media, fresh = service.create_media(session, members[1], processed)
            if fresh:
                by_user.setdefault(members[1], []).append(media.id)
                created += 1
    ctx.data["media_ids_by_user"] = by_user
    return created
