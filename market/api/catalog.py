from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from ..auth import me, require
from ..schemas.catalog import KitIn, KitList, KitOut, KitPatch, ProvinceList
from ..services import catalog

blp = Blueprint("catalog", __name__, url_prefix="/api/v1", description="Provinces and kit types")


@blp.get("/provinces")
@blp.response(200, ProvinceList)
def provinces() -> Any:
    """All 31 provinces of Iran, with their capitals' coordinates."""
    items = catalog.provinces()
    return {"items": items, "total": len(items)}


@blp.get("/kits")
@blp.response(200, KitList)
def kits() -> Any:
    """Every kit type, active or not."""
    items = catalog.kits()
    return {"items": items, "total": len(items)}


@blp.post("/kits")
@require("admin")
@blp.arguments(KitIn)
@blp.response(201, KitOut)
def create_kit(data: dict[str, Any]) -> Any:
    return catalog.create_kit(data, me())


@blp.patch("/kits/<string:code>")
@require("admin")
@blp.arguments(KitPatch)
@blp.response(200, KitOut)
def update_kit(data: dict[str, Any], code: str) -> Any:
    return catalog.update_kit(code, data, me())
