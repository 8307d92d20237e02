"""The open-data catalogue: datasets the visitor may see, one dataset's metadata, versions and a preview."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from udc.errors import UdcError
from udc.web.common import Reader, facade, render
from udc.web.data import AREA_COLUMNS

router = APIRouter(include_in_schema=False)


@router.get("/catalogus")
async def catalogue_page(request: Request, store: Reader) -> Response:
    return render(request, "catalogue.html", {"datasets": facade(request, store).datasets})


@router.get("/catalogus/{name}")
async def dataset_page(
    request: Request, store: Reader, name: str, versie: int | None = Query(None, ge=1, le=1_000_000)
) -> Response:
    """A dataset; a release shows its newest version unless ``versie`` asks for an older one."""
    door = facade(request, store)
    if name not in {d["name"] for d in door.datasets}:
        raise UdcError(f"'{name}' is not in the open catalogue (or not for your role)")
    info = door.describe(name)
    preview = door.read(name, versie, limit=20)
    newest = info["versions"][-1]["version"] if info["versions"] else None
    context = {
        "info": info,
        "preview": preview.to_dict("records"),
        "preview_columns": list(preview.columns),
        "area": any(c["name"] in AREA_COLUMNS for c in info["columns"]),
        "version": versie or newest,
        "newest": newest,
    }
    return render(request, "dataset.html", context)
