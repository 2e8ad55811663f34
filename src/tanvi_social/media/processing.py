"""The image pipeline: sniff, verify, bound, orient, strip, encode variants, analyse.

Everything here is CPU work on bytes (no database, no event loop): the router runs
`process_image` in a worker thread. At most `MAX_CONCURRENT_DECODES` images are decoded at once,
and the pixel count is checked from the header before any pixel is decoded, so memory stays
bounded (a 40-megapixel RGBA frame is the largest buffer ever allocated, ~160 MB, twice at most).
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

import blurhash
import imagehash
import numpy as np
from PIL import Image, ImageCms, ImageOps

from tanvi_social.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from tanvi_social.media.colors import ciede2000, hex_to_lab, nearest_named, rgb_to_hex

try:  # HEIC/HEIF from iPhones: pillow-heif ships libheif wheels, so it installs cleanly.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - the dependency is declared in pyproject
    HEIF_SUPPORTED = False

MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
MAX_CONCURRENT_DECODES = 2
# Pillow's own guard, as a second line of defence (it raises past twice this value).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

FEED_BOX = (1080, 1350)
THUMB_BOX = (320, 320)
PALETTE_SAMPLE = 96
PALETTE_QUANT_COLOURS = 8
PALETTE_MERGE_DE = 8.0
PALETTE_MIN_SHARE = 0.03
PALETTE_MAX = 6
GRID = 8

_decode_slots = threading.BoundedSemaphore(MAX_CONCURRENT_DECODES)

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
                 "heif": "image/heic"}
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heif": "HEIF"}


@dataclass
class Variant:
    data: bytes
    width: int
    height: int
    content_type: str
    ext: str


@dataclass
class ProcessedImage:
    """The result of the pipeline: encoded files plus the analysis stored on the row."""

    source_format: str
    sha256: str
    width: int
    height: int
    blurhash: str
    palette: list[dict[str, Any]]
    phash: str
    dhash: str
    mean_lab: list[float]
    colour_grid: list[float]
    variants: dict[str, Variant] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.variants["original"].content_type

    @property
    def byte_size(self) -> int:
        return len(self.variants["original"].data)

    def variant_info(self) -> dict[str, dict[str, Any]]:
        return {name: {"width": v.width, "height": v.height, "content_type": v.content_type,
                       "bytes": len(v.data), "ext": v.ext}
                for name, v in self.variants.items()}


def sniff(data: bytes) -> str:
    """The real type from the first bytes (never the file name or the declared type)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS and HEIF_SUPPORTED:
        return "heif"
    raise UnsupportedMediaType("Only JPEG, PNG, WebP and HEIC images are accepted",
                               code="unsupported_image_type")


def _open(data: bytes, kind: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedMediaType("The file is not a readable image of its type",
                                   code="unsupported_image_type") from exc


def _too_many_pixels() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The image has too many pixels (limit {MAX_PIXELS:,}, {MAX_SIDE:,} per side)",
        code="image_too_many_pixels")


def check_header(data: bytes) -> tuple[str, int, int]:
    """Type and dimensions from the header alone; refuses bombs before any pixel is decoded."""
    kind = sniff(data)
    with _open(data, kind) as img:
        width, height = img.size
    if width <= 0 or height <= 0:
        raise ValidationFailed("The image has no pixels", code="corrupt_image")
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise _too_many_pixels()
    return kind, width, height


def _decode(data: bytes, kind: str) -> Image.Image:
    try:
        with _open(data, kind) as probe:
            probe.verify()
        img = _open(data, kind)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.load()
    except (UnsupportedMediaType, PayloadTooLarge):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationFailed("The image is truncated or corrupt", code="corrupt_image") from exc
    return img


def _to_srgb(img: Image.Image) -> Image.Image:
    """Apply EXIF orientation, convert to sRGB (RGB or RGBA) and drop every piece of metadata."""
    icc = img.info.get("icc_profile")
    img = ImageOps.exif_transpose(img) or img
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (
        img.mode == "P" and "transparency" in img.info)
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        img = img.point(lambda v: v / 256).convert("L") if img.mode != "F" else img.convert("L")
    target = "RGBA" if has_alpha else "RGB"
    if icc and img.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(img, src, dst, outputMode=target)
            if converted is not None:
                img = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    clean = img.convert(target)
    clean.info = {}
    return clean


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    scale = min(1.0, box[0] / w, box[1] / h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _resize(img: Image.Image, box: tuple[int, int]) -> Image.Image:
    size = _fit(img.size, box)
    if size == img.size:
        return img
    # reducing_gap 1.1: a box pre-reduction down to ≥1.1× the target, then Lanczos (2× faster
    # than plain Lanczos on a 6 MP photo, visually the same at feed sizes).
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.1)


def _flatten(img: Image.Image) -> Image.Image:
    if img.mode != "RGBA":
        return img
    background = Image.new("RGB", img.size, (255, 255, 255))
    background.paste(img, mask=img.getchannel("A"))
    return background


def _encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **params)
    return buf.getvalue()


def _encode_original(img: Image.Image, kind: str) -> Variant:
    w, h = img.size
    if kind == "png":
        return Variant(_encode(img, "PNG", compress_level=4), w, h, "image/png", "png")
    if kind == "webp":
        return Variant(_encode(img, "WEBP", quality=90, method=2), w, h, "image/webp", "webp")
    # JPEG, and HEIC re-encoded as JPEG (browsers do not display HEIC).
    return Variant(_encode(_flatten(img), "JPEG", quality=90), w, h, "image/jpeg", "jpg")


def palette_of(img: Image.Image) -> tuple[list[dict[str, Any]], list[float]]:
    """Dominant colours by median-cut quantisation, merged by CIEDE2000, named; and mean Lab."""
    small = _resize(img, (PALETTE_SAMPLE, PALETTE_SAMPLE))
    arr = np.asarray(small.convert("RGBA"), dtype=np.uint8).reshape(-1, 4)
    opaque = arr[arr[:, 3] >= 128][:, :3]
    if len(opaque) == 0:
        opaque = arr[:, :3]
    total = len(opaque)
    mean_hex = rgb_to_hex(opaque.mean(axis=0).tolist())
    strip = Image.fromarray(np.ascontiguousarray(opaque.reshape(1, total, 3)), "RGB")
    quant = strip.quantize(colors=PALETTE_QUANT_COLOURS, method=Image.Quantize.MEDIANCUT)
    indices = np.asarray(quant, dtype=np.int64).reshape(-1)
    counts = np.bincount(indices, minlength=PALETTE_QUANT_COLOURS)
    clusters: list[tuple[np.ndarray, int]] = []
    for index in np.nonzero(counts)[0]:
        members = opaque[indices == index]
        clusters.append((members.mean(axis=0), int(counts[index])))
    clusters.sort(key=lambda c: -c[1])
    merged: list[list[Any]] = []  # [rgb_sum(np), count, lab]
    for mean, count in clusters:
        lab = np.array(hex_to_lab(rgb_to_hex(mean.tolist())))
        for group in merged:
            if float(ciede2000(lab, group[2])[0, 0]) < PALETTE_MERGE_DE:
                group[0] = group[0] + mean * count
                group[1] += count
                break
        else:
            merged.append([mean * count, count, lab])
    palette = []
    for rgb_sum, count, _ in sorted(merged, key=lambda g: -g[1]):
        share = count / total
        if share < PALETTE_MIN_SHARE:
            continue
        hex_value = rgb_to_hex((rgb_sum / count).tolist())
        named, _distance = nearest_named(hex_value)
        palette.append({"hex": hex_value, "name": named.name, "share": round(share, 4)})
        if len(palette) == PALETTE_MAX:
            break
    return palette, [round(v, 3) for v in hex_to_lab(mean_hex)]


def colour_grid_of(img: Image.Image) -> list[float]:
    """The picture's colour layout: CIELAB of each cell of an 8×8 grid (192 numbers)."""
    cells = _flatten(img).resize((GRID, GRID), Image.Resampling.BOX)
    out: list[float] = []
    for r, g, b in np.asarray(cells, dtype=np.uint8).reshape(-1, 3).tolist():
        out.extend(round(v, 2) for v in hex_to_lab(rgb_to_hex((r, g, b))))
    return out


def grid_distance(a: list[float], b: list[float]) -> float:
    """Mean CIEDE2000 between corresponding cells of two colour grids."""
    la = np.array(a, dtype=np.float64).reshape(-1, 3)
    lb = np.array(b, dtype=np.float64).reshape(-1, 3)
    if la.shape != lb.shape:
        return float("inf")
    return float(np.mean(np.diag(ciede2000(la, lb))))


def blurhash_of(img: Image.Image) -> str:
    """A BlurHash placeholder (4×3 components, more along the longer side) from a 20 px copy.

    The `blurhash` package is pure Python; 20 px is plenty for 12 components and costs ~3 ms.
    """
    small = _flatten(_resize(img, (20, 20)))
    w, h = small.size
    cx, cy = (4, 3) if w >= h else (3, 4)
    pixels = np.asarray(small, dtype=np.uint8).tolist()
    return str(blurhash.encode(pixels, components_x=cx, components_y=cy))


def process_image(data: bytes) -> ProcessedImage:
    """Run the whole pipeline on uploaded bytes (sync, CPU-bound: call it in a worker thread)."""
    kind, _w, _h = check_header(data)
    with _decode_slots:
        decoded = _decode(data, kind)
        try:
            img = _to_srgb(decoded)
        finally:
            decoded.close()
        original = _encode_original(img, kind)
        feed_img = _resize(img, FEED_BOX)
        thumb_img = _resize(feed_img, THUMB_BOX)
        feed_rgb = _flatten(feed_img)
        variants = {
            "original": original,
            "feed": Variant(_encode(feed_rgb, "JPEG", quality=82), *feed_img.size,
                            "image/jpeg", "jpg"),
            "thumbnail": Variant(_encode(_flatten(thumb_img), "JPEG", quality=80),
                                 *thumb_img.size, "image/jpeg", "jpg"),
            "webp": Variant(_encode(feed_img, "WEBP", quality=80, method=2), *feed_img.size,
                            "image/webp", "webp"),
        }
        palette, mean_lab = palette_of(feed_img)
        thumb_rgb = _flatten(thumb_img)
        phash = str(imagehash.phash(thumb_rgb))
        dhash = str(imagehash.dhash(thumb_rgb))
        grid = colour_grid_of(thumb_rgb)
        placeholder = blurhash_of(thumb_img)
        width, height = img.size
        img.close()
    return ProcessedImage(
        source_format=kind, sha256=hashlib.sha256(original.data).hexdigest(), width=width,
        height=height, blurhash=placeholder, palette=palette, phash=phash, dhash=dhash,
        mean_lab=mean_lab, colour_grid=grid, variants=variants,
    )


def hamming(hex_a: str, hex_b: str) -> int:
    """Bits that differ between two 64-bit hashes written in hex."""
    return (int(hex_a, 16) ^ int(hex_b, 16)).bit_count()


def hash_bands(hex_hash: str) -> list[int]:
    """The 8 bytes of a 64-bit hash (band 0 = most significant), for multi-index lookup."""
    value = int(hex_hash, 16)
    return [(value >> (8 * (7 - i))) & 0xFF for i in range(8)]
