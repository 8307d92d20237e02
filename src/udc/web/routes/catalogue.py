"""The open-data catalogue: datasets the visitor may see, one dataset's metadata, versions and a preview."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from udc.errors import UdcError
from udc.privacy.export import read_for
from udc.store import catalogue
from udc.web import data
from udc.web.common import Reader, render, user

router = APIRouter(include_in_schema=False)


@router.get("/catalogus")
async def catalogue_page(request: Request, store: Reader) -> Response:
    return render(request, "catalogue.html", {"datasets": data.visible(store, user(request))})


@router.get("/catalogus/{name}")
async def dataset_page(
    request: Request, store: Reader, name: str, versie: int | None = Query(None, ge=1, le=1_000_000)
) -> Response:
    """A dataset; a release shows its newest version unless ``versie`` asks for an older one."""
    if name not in {d["name"] for d in data.visible(store, user(request))}:
        raise UdcError(f"'{name}' is not in the open catalogue (or not for your role)")
    info = catalogue.describe(store, name)
    preview = read_for(store, name, user(request), request.app.state.audit, versie, limit=20)
    newest = info["versions"][-1]["version"] if info["versions"] else None
    context = {
        "info": info,
        "preview": preview.to_dict("records"),
        "preview_columns": list(preview.columns),
        "area": any(c["name"] in catalogue.AREA_COLUMNS for c in info["columns"]),
        "version": versie or newest,
        "newest": newest,
    }
    return render(request, "dataset.html", context)
