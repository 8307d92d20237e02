"""Report photos: the type is read from the bytes (not the name or the header a client sends), size and pixel count
are bounded, and the image is re-encoded from its pixels — EXIF (GPS position, camera, time) and every other
metadata block stay behind. Orientation is applied first, so a phone photo stays upright."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from udc.errors import InputError, TooLarge

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
KINDS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def clean(data: bytes, field: str = "media") -> tuple[bytes, str]:
    """The photo re-encoded without metadata, and its extension; a clear refusal for anything else."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        raise TooLarge(f"{field}: the photo is {len(data) // 1024} KB; at most {MAX_BYTES // 1024 // 1024} MB")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
        if kind not in KINDS:
            raise InputError(f"{field}: a {kind} file; expected a JPEG, PNG or WebP photo")
        if width * height > MAX_PIXELS:
            raise TooLarge(f"{field}: {width}×{height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels")
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            pixels = image.convert("RGB" if kind == "JPEG" else "RGBA")
            out = io.BytesIO()
            pixels.save(out, format=kind, **({"quality": 88} if kind == "JPEG" else {}))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InputError(f"{field}: not a readable photo (JPEG, PNG or WebP expected)") from None
    return out.getvalue(), KINDS[kind]


def save(folder: Path, data: bytes) -> str:
    """Store a cleaned photo under a random name (never the client's) and return that name."""
    cleaned, ext = clean(data)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    (folder / name).write_bytes(cleaned)
    return name
