"""Open311 GeoReport v2 representations: services, a service definition, service requests (as the public may see
them: no personal data, no free text unless staff approved it, the place rounded for non-public categories) and
errors — as JSON or as XML in the shapes of the specification (http://wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from udc.participation import workflow

FORMATS = ("json", "xml")
ROUND_PRIVATE = 3  # decimals of lat/long for non-public categories: about 100 m
ROUND_PUBLIC = 5  # decimals of lat/long for public categories: about 1 m
# Everything outside XML 1.0's Char production (https://www.w3.org/TR/xml/#charsets): ElementTree writes such
# characters as they are, and a document with one (a control character in a text) is not well-formed.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry (not even as a character reference)."""
    return NOT_XML.sub("", value)


def published_place(lat: float, lon: float, public: bool) -> tuple[float, float]:
    """Where the public is told a report is: rounded to about 1 m, or to about 100 m in a non-public category.
    Every public output of a report's place (Open311, the "perhaps already reported" list) starts from this."""
    decimals = ROUND_PUBLIC if public else ROUND_PRIVATE
    return round(lat, decimals), round(lon, decimals)


def service(category: dict) -> dict[str, Any]:
    return {
        "service_code": category["code"],
        "service_name": category["name"],
        "description": category["description"] or category["name"],
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": category["parent"] or "",
    }


def definition(category: dict) -> dict[str, Any]:
    return {"service_code": category["code"], "attributes": []}


def notice(category: dict) -> str:
    return f"We pakken uw melding binnen {category['term_days']} werkdagen op."


def request(row: dict, category: dict) -> dict[str, Any]:
    """A report as the public sees it."""
    public = bool(category["public"])
    lat, lon = published_place(row["lat"], row["lon"], public)
    shown = bool(row["description_public"])
    return {
        "service_request_id": str(row["id"]),
        "status": workflow.open311_status(row["status"]),
        "status_notes": workflow.STATUSES[row["status"]][0],
        "service_name": category["name"],
        "service_code": category["code"],
        "description": row["description"] if shown else "",
        "agency_responsible": row["gemeente"],
        "service_notice": notice(category),
        "requested_datetime": row["created_at"],
        "updated_datetime": row["updated_at"],
        "expected_datetime": None,
        "address": row["address"] if shown and public else "",
        "address_id": "",
        "zipcode": "",
        "lat": lat,
        "long": lon,
        "media_url": "",
    }


def render(items: list[dict[str, Any]] | dict[str, Any], fmt: str, root: str, item: str) -> tuple[bytes, str]:
    """JSON as the spec shows it (a list, or one object), or XML: ``<root><item>…</item></root>``."""
    if fmt == "json":
        return json.dumps(items, ensure_ascii=False).encode(), "application/json; charset=utf-8"
    top = ET.Element(root)
    for entry in items if isinstance(items, list) else [items]:
        node = ET.SubElement(top, item) if isinstance(items, list) else top
        for key, value in entry.items():
            child = ET.SubElement(node, key)
            if isinstance(value, list):  # a definition's attributes
                for part in value:
                    sub = ET.SubElement(child, "attribute")
                    for k, v in part.items():
                        ET.SubElement(sub, k).text = _text(v)
            else:
                child.text = _text(value)
    body = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return body, "text/xml; charset=utf-8"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_text(str(value))


def errors(status: int, description: str, fmt: str) -> tuple[bytes, str]:
    """``[{"code": …, "description": …}]`` / ``<errors><error><code/><description/></error></errors>``."""
    return render([{"code": status, "description": description}], fmt, "errors", "error")
