"""Finding 7 of issue 26, photos: a 150 KB PNG of 6000×6600 pixels passed the old 40-megapixel limit and cost ~0.5 GB
and seconds to re-encode. Now the pixel count is checked from the header before anything is decoded (at most 24 MP,
a phone camera's full size), a large JPEG is decoded at a reduced scale, and every photo is kept at most 2560 pixels
on its long side; filing runs in the pool of heavy work, charged what decoding will hold."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from participation_site import Intake
from PIL import Image


@pytest.fixture(scope="module")
def web(intake: Intake) -> Iterator[TestClient]:
    from udc.web.app import create_app

    with TestClient(create_app(intake.store), base_url="http://127.0.0.1") as client:
        yield client


def _image(width: int, height: int, kind: str = "PNG") -> bytes:
    """A flat image: a few hundred KB at most whatever its pixel count (how a decompression bomb looks)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 120, 60)).save(out, format=kind)
    return out.getvalue()


def _form(web: TestClient, intake: Intake) -> dict[str, str]:
    csrf = re.search(r'name="csrf" value="([^"]+)"', web.get("/melden").text).group(1)
    lat, lon = intake.inside
    return {"csrf": csrf, "service_code": "boom", "lat": str(lat), "long": str(lon), "description": "tak op straat"}


def test_a_6000_by_6600_png_is_refused_before_it_is_decoded(web: TestClient, intake: Intake) -> None:
    bomb = _image(6000, 6600)
    assert len(bomb) < 400 * 1024  # small in bytes, 39.6 megapixels
    lat, lon = intake.inside
    answer = web.post(
        "/open311/v2/requests.json",
        data={"api_key": intake.key, "service_code": "boom", "lat": lat, "long": lon, "description": "tak"},
        files={"media": ("a.png", bomb, "image/png")},
    )
    assert answer.status_code == 413
    assert "6000×6600 pixels; at most 24 megapixels" in answer.json()[0]["description"]
    page = web.post("/melden", data=_form(web, intake), files={"foto": ("a.png", bomb, "image/png")})
    assert page.status_code == 413 and "hoogstens 24 megapixel" in page.text  # the form speaks Dutch


def test_a_photo_at_the_budget_is_kept_at_2560_pixels_on_its_long_side(web: TestClient, intake: Intake) -> None:
    folder = intake.store / "participation_media"
    before = set(folder.glob("*")) if folder.exists() else set()
    answer = web.post("/melden", data=_form(web, intake), files={"foto": ("a.png", _image(6000, 4000), "image/png")})
    assert answer.status_code == 200, answer.text[:300]
    (stored,) = set(folder.glob("*")) - before
    with Image.open(stored) as kept:
        assert kept.size == (2560, 1707) and kept.format == "PNG"


def test_a_large_jpeg_is_decoded_at_a_reduced_scale() -> None:
    from udc.participation import media

    photo = _image(6000, 4000, "JPEG")
    cleaned, ext = media.clean(photo)
    with Image.open(io.BytesIO(cleaned)) as kept:
        assert ext == "jpg" and kept.size == (2560, 1707)
    # charged for a decode at half scale (3000×2000, 3 bytes a pixel), not for 24 MP at 4 bytes: ~18 MB, not ~96 MB
    assert media.memory(photo) < 3000 * 2000 * 3 + 2560 * 1707 * 8 + 17 * 1024 * 1024
    assert media.memory(_image(6000, 4000)) > 6000 * 4000 * 4  # a PNG cannot be decoded at a reduced scale


def test_a_full_photo_pool_answers_503_with_retry_after(web: TestClient, intake: Intake) -> None:
    from dataclasses import replace

    from udc.web import workers

    pool = web.app.state.pool
    pool.limits["photo"] = replace(workers.LIMITS["photo"], slots=0)  # every photo worker taken
    try:
        lat, lon = intake.inside
        answer = web.post(
            "/open311/v2/requests.json",
            data={"api_key": intake.key, "service_code": "boom", "lat": lat, "long": lon, "description": "tak"},
            files={"media": ("a.jpg", _image(800, 600, "JPEG"), "image/jpeg")},
        )
        assert answer.status_code == 503 and int(answer.headers["retry-after"]) > 0
        assert "every photo worker is busy" in answer.json()[0]["description"]
    finally:
        pool.limits["photo"] = workers.LIMITS["photo"]
