"""Labels: downloads' headers as labels when asked, and the store's labels file a user edits (columns and category
values in Dutch and English) — used by pages and downloads; a mistake in it is one line naming the file and field."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from conftest import Site


def _header(response) -> list[str]:
    text = response.content.decode("utf-8-sig")
    return next(csv.reader(io.StringIO(text), delimiter=";"))


def test_download_headers_are_names_unless_labels_are_asked_for(client: TestClient) -> None:
    url = "/api/v1/datasets/verhuisstromen_balance/download?format=csv-nl"
    names = _header(client.get(url))
    assert {"area", "group", "count"} <= set(names)
    dutch = _header(client.get(url + "&koppen=labels"))
    english = _header(client.get(url + "&koppen=labels&lang=en"))
    assert len(dutch) == len(names) == len(english)
    assert {"Gebied", "Doelgroep", "Aantal"} <= set(dutch) and {"Area", "Target group", "Count"} <= set(english)
    assert not {n for n in dutch if "_" in n}
    assert client.get(url + "&koppen=codes").status_code == 422


@pytest.fixture
def labels_file(site: Site):
    path = site.store / "labels.yaml"
    yield path
    path.unlink(missing_ok=True)


def test_the_labels_file_names_columns_and_values_on_pages_and_in_downloads(client: TestClient, labels_file) -> None:
    labels_file.write_text(
        "columns:\n  group: {nl: Bevolkingsgroep, en: Population group}\n"
        "values:\n  group:\n    adults: {nl: Alle volwassenen}\n",
        encoding="utf-8",
    )
    url = "/api/v1/datasets/verhuisstromen_balance/download?format=csv-nl&koppen=labels"
    assert "Bevolkingsgroep" in _header(client.get(url))
    assert "Population group" in _header(client.get(url + "&lang=en"))
    page = client.get("/verkennen?tabel=verhuisstromen_balance&niveau=gemeente").text
    assert "Bevolkingsgroep" in page and "Alle volwassenen" in page
    english = client.get("/verkennen?tabel=verhuisstromen_balance&niveau=gemeente&lang=en").text
    assert "Population group" in english and "Alle volwassenen" in english  # no English given: the Dutch one


def test_a_mistake_in_the_labels_file_is_one_line_naming_file_and_field(client: TestClient, labels_file) -> None:
    labels_file.write_text("columns:\n  group: {nl: Groep, fr: Groupe}\n", encoding="utf-8")
    response = client.get("/verkennen?tabel=verhuisstromen_balance")
    assert response.status_code == 422 and "Traceback" not in response.text
    assert "labels.yaml" in response.text and "fr" in response.text
