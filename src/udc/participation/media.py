"""Report photos: the type is read from the bytes (not the name or the header a client sends), size and pixel count
are bounded *before* anything is decoded, and the image is re-encoded from its pixels — EXIF (GPS position, camera,
time) and every other metadata block stay behind. Orientation is applied first, so a phone photo stays upright.

Why the pixel budget and the reduced decoding: a 150 KB PNG can hold 40 million pixels, and decoding it costs memory
by pixels, not by bytes (a 40 MP image took ~0.5 GB and ~10 s to re-encode; four at once took the server from 0.8 to
2.7 GB). So a photo may have at most :data:`MAX_PIXELS` (a 24 MP phone camera's full size), a JPEG is decoded at a
reduced scale straight away (Pillow's ``draft``: the decoder skips the detail it would throw away), and every photo
is kept at most :data:`MAX_SIDE` pixels on its long side — plenty to judge a loose paving stone or a full bin.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from udc.errors import InputError, TooLarge
from udc.participation.messages import keyed

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 24_000_000  # per photo and per request (a request carries one photo): a phone camera's full size
MAX_SIDE = 2560  # the long side a photo is kept at
KINDS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MIN_MEMORY = 16 * 1024 * 1024
# Compressed bytes handed to the decoder at a time. Pillow holds the GIL while it decodes a block, and 64 KB of a flat
# PNG unpack to millions of pixels (~0.5 s without a break for the pages); 8 KB keeps each hold to milliseconds.
DECODE_BLOCK = 8 * 1024


def _unreadable(field: str) -> InputError:
    """The refusal of a file that is not a photo, keyed so a page says it in its own language."""
    return keyed(InputError(f"{field}: not a readable photo (JPEG, PNG or WebP expected)"), "photo_unreadable")


def _probe(data: bytes, field: str) -> tuple[str, int, int]:
    """Type and size from the header only (nothing decoded): a clear refusal for a file that is too large, not a
    photo, or has too many pixels."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        large = TooLarge(f"{field}: the photo is {len(data) // 1024} KB; at most {MAX_BYTES // 1024 // 1024} MB")
        raise keyed(large, "photo_too_large", mb=MAX_BYTES // 1024 // 1024)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _unreadable(field) from None
    if kind not in KINDS:
        raise keyed(InputError(f"{field}: a {kind} file; expected a JPEG, PNG or WebP photo"), "photo_unreadable")
    if width * height > MAX_PIXELS:
        many = TooLarge(
            f"{field}: {width}×{height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels (a phone "
            "photo's full size)"
        )
        raise keyed(many, "photo_pixels", mp=MAX_PIXELS // 1_000_000)
    return kind, width, height


def _target(width: int, height: int) -> tuple[int, int]:
    """The size a photo is kept at: its own, or shrunk to :data:`MAX_SIDE` on the long side."""
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def memory(data: bytes) -> int:
    """Bytes cleaning this photo will hold at most, read from its header before anything is decoded (the web app
    charges it to its memory budget for heavy work): a JPEG decodes at the reduced scale ``draft`` picks (3 bytes a
    pixel), other kinds at full size (up to 4 bytes a pixel), plus the photo as kept. A file that is not a photo
    costs little: it is refused at once."""
    try:
        kind, width, height = _probe(data, "media")
    except (InputError, TooLarge):
        return MIN_MEMORY
    kept = _target(width, height)
    if kind == "JPEG":
        scale = 1
        while scale < 8 and width // (scale * 2) >= kept[0] and height // (scale * 2) >= kept[1]:
            scale *= 2
        decoded = (width // scale + 1) * (height // scale + 1) * 3
    else:
        decoded = width * height * 5  # 4 bytes a pixel and the decoder's buffers (measured: 148 MB at 24 MP)
    return decoded + kept[0] * kept[1] * 4 * 2 + MIN_MEMORY


def clean(data: bytes, field: str = "media") -> tuple[bytes, str]:
    """The photo re-encoded without metadata (at most :data:`MAX_SIDE` on its long side), and its extension; a
    clear refusal for anything else."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    kind, width, height = _probe(data, field)
    size = _target(width, height)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if kind == "JPEG":
                image.draft("RGB", size)  # decoded at 1/2, 1/4 or 1/8 scale when that still covers the kept size
            image.decodermaxblock = DECODE_BLOCK
            image.load()
            if image.size != size:
                image.thumbnail(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
            image = ImageOps.exif_transpose(image)
            pixels = image.convert("RGB" if kind == "JPEG" else "RGBA")
            out = io.BytesIO()
            pixels.save(out, format=kind, **({"quality": 88} if kind == "JPEG" else {}))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _unreadable(field) from None
    return out.getvalue(), KINDS[kind]


def save(folder: Path, data: bytes) -> str:
    """Store a cleaned photo under a random name (never the client's) and return that name."""
    cleaned, ext = clean(data)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    (folder / name).write_bytes(cleaned)
    return name
