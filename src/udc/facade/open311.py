"""``s.participation.open311``: the reports as Open311 GeoReport v2 documents — services, a service definition,
service requests as the public may see them (no personal data, no unapproved free text, places rounded outside public
categories) — and the spec's JSON or XML for them, so the Open311 door only routes."""

from __future__ import annotations

from typing import Any

from udc.facade.base import Noun
from udc.participation import open311

Document = list[dict[str, Any]] | dict[str, Any]
FORMATS: tuple[str, ...] = open311.FORMATS  # the formats a path may end in: json, xml


class Open311(Noun):
    """Open311 documents of the participation tables, as this facade's user (a machine client posts as itself)."""

    def services(self) -> list[dict[str, Any]]:
        """Every category a report can be filed in, as an Open311 service."""
        return [open311.service(c) for c in self._udc.participation.categories(reportable=True)]

    def definition(self, code: str) -> dict[str, Any]:
        """One service's definition (its attributes), 404 for an unknown code."""
        return open311.definition(self._udc.participation.category(code))

    def post(self, values: dict[str, str], *, photo: bytes | None = None) -> list[dict[str, Any]]:
        """A service request filed as this facade's client (through the rulebook, audited): its id, follow token
        and the category's notice, as the spec answers a POST."""
        filed, category = self._udc.participation.request(values, photo=photo)
        notice = open311.notice(category)
        return [
            {
                "service_request_id": str(filed.id),
                "token": filed.follow_token,
                "service_notice": notice,
                "account_id": "",
            }
        ]

    def requests(self, **search: Any) -> list[dict[str, Any]]:
        """Service requests found by :meth:`udc.facade.Participation.search`'s criteria, as the public sees them."""
        return [open311.request(r, c) for r, c in self._udc.participation.search(**search)]

    def request(self, report_id: int) -> list[dict[str, Any]]:
        """One service request (a list of one, as the spec has it)."""
        return [open311.request(*self._udc.participation.public(report_id))]

    def token(self, token: str) -> list[dict[str, Any]]:
        """The service request id a follow token belongs to."""
        report, _, _ = self._udc.participation.followed(token)
        return [{"service_request_id": str(report["id"]), "token": token}]

    @staticmethod
    def render(items: Document, fmt: str, root: str, item: str) -> tuple[bytes, str]:
        """A document as the spec's JSON or XML (``<root><item>…</item></root>``): the body and its media type."""
        return open311.render(items, fmt, root, item)

    @staticmethod
    def errors(status: int, message: str, fmt: str) -> tuple[bytes, str]:
        """An error in the spec's shape (``[{"code", "description"}]`` or ``<errors>``): body and media type."""
        return open311.errors(status, message, fmt)

    @staticmethod
    def xml_text(value: str) -> str:
        """Text stripped of what XML 1.0 cannot carry (staff's and residents' text in XML documents and feeds)."""
        return open311.xml_text(value)
