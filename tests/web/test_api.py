"""The API and pages in-process (ASGI): every route, roles and sensitivities, security, one-line errors."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from conftest import PASSWORD, Site
from udc.web.app import create_app


def _csrf(client: TestClient, path: str = "/inloggen") -> str:
    page = client.get(path).text
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_openapi_is_valid_and_lists_the_routes(client: TestClient) -> None:
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").json()
    validate(spec)
    paths = set(spec["paths"])
    for route in (
        "/api/v1/datasets",
        "/api/v1/datasets/{name}/download",
        "/api/v1/map/{kind}",
        "/api/v1/tables",
        "/api/v1/flows/{view}",
        "/api/v1/dcat.jsonld",
        "/api/v1/explore",
        "/api/v1/areas/{code}",
    ):
        assert route in paths
    assert not any("microdata" in p for p in paths)


def test_public_sees_open_and_released_only(client: TestClient) -> None:
    names = {d["name"]: d for d in client.get("/api/v1/datasets").json()}
    assert "kerncijfers_inwoners" in names and "verhuisstromen_balance" in names
    assert not any(d["sensitivity"] == "microdata" for d in names.values())
    assert "synth_dwellings" not in names  # internal: not for the public
    refused = client.get("/api/v1/datasets/synth_persons/rows")
    assert refused.status_code == 403 and "gate" in refused.json()["error"]


@pytest.mark.parametrize("token_kind", ["public", "analyst", "researcher"])
def test_microdata_rows_refused_for_every_role(client: TestClient, site: Site, token_kind: str) -> None:
    headers = (
        {}
        if token_kind == "public"
        else {"Authorization": f"Bearer {site.token if token_kind == 'researcher' else site.analyst_token}"}
    )
    for name in ("synth_persons", "flows_moves"):
        r = client.get(f"/api/v1/datasets/{name}/download?format=csv", headers=headers)
        assert r.status_code == 403 and r.json()["error"].count("\n") == 0


def test_internal_rows_only_for_analysts_whose_scope_covers_them(client: TestClient, site: Site) -> None:
    def names(token: str) -> set[str]:
        return {d["name"] for d in client.get("/api/v1/datasets", headers={"Authorization": f"Bearer {token}"}).json()}

    assert "synth_dwellings" in names(site.region_analyst_token)  # internal, rows in demoregio: their scope
    assert "synth_dwellings" in names(site.analyst_token)  # scope GM9901: its own rows of the table
    assert "synth_dwellings" not in {d["name"] for d in client.get("/api/v1/datasets").json()}
    own = client.get(
        "/api/v1/datasets/synth_dwellings/rows?limit=5",
        headers={"Authorization": f"Bearer {site.region_analyst_token}"},
    ).json()
    assert own["total"] > 5 and len(own["rows"]) == 5
    other = client.get(
        "/api/v1/datasets/synth_dwellings/rows", headers={"Authorization": f"Bearer {site.analyst_token}"}
    ).json()
    assert 0 < other["total"] < own["total"]  # one municipality's rows of the region's


def test_metadata_rows_and_areas(client: TestClient) -> None:
    meta = client.get("/api/v1/datasets/kerncijfers_inwoners").json()
    assert meta["sensitivity"] == "open" and {c["name"] for c in meta["columns"]} >= {"buurt_code", "count", "status"}
    assert {"dataset": "kerncijfers_inwoners", "input": "synth_persons_yearly"} in meta["lineage"]
    page = client.get("/api/v1/datasets/kerncijfers_inwoners/rows?limit=10&offset=5").json()
    assert page["total"] > 1000 and len(page["rows"]) == 10
    assert client.get("/api/v1/datasets/synth_persons").status_code == 404  # microdata: not even metadata publicly
    municipalities = client.get("/api/v1/areas?kind=GM").json()
    assert {"GM9901", "GM9907"} <= {a["code"] for a in municipalities} and all(
        a["kind"] == "GM" for a in municipalities
    )


def test_downloads_in_every_format(client: TestClient) -> None:
    base = "/api/v1/datasets/kerncijfers_inwoners/download"
    csv = pd.read_csv(io.StringIO(client.get(f"{base}?format=csv").text))
    nl = client.get(f"{base}?format=csv-nl")
    assert nl.content.startswith(b"\xef\xbb\xbf") and ";" in nl.text.splitlines()[0]
    assert len(pd.read_csv(io.StringIO(nl.content.decode("utf-8-sig")), sep=";", decimal=",")) == len(csv)
    xlsx = pd.read_excel(io.BytesIO(client.get(f"{base}?format=xlsx").content))
    parquet = pd.read_parquet(io.BytesIO(client.get(f"{base}?format=parquet").content))
    assert len(xlsx) == len(parquet) == len(csv)
    geo = client.get(f"{base}?format=geojson").json()
    assert geo["type"] == "FeatureCollection" and "rows" not in geo["features"][0]["properties"]
    first = geo["features"][0]["properties"]  # one feature per row, the values as properties (GIS tools style them)
    assert {"buurt_code", "year", "count", "name"} <= set(first) and geo["features"][0]["geometry"]["type"]
    assert len(geo["features"]) == len(csv[csv.buurt_code.str.match(r"^(BU|WK|GM)\d")])
    assert not any(
        line.split(",")[csv.columns.get_loc("count")].endswith(".0")
        for line in client.get(f"{base}?format=csv").text.splitlines()[1:]
    )  # counts as integers
    assert client.get(f"{base}?format=exe").status_code == 422


def test_counts_are_integers_in_every_download_of_every_release(client: TestClient) -> None:
    """CSV (both dialects), Excel, Parquet and the JSON rows of every released table with a count column."""
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    released = [d["name"] for d in client.get("/api/v1/datasets").json() if d.get("released")]
    checked = 0
    for name in released:
        base = f"/api/v1/datasets/{name}/download"
        csv = pd.read_csv(io.StringIO(client.get(f"{base}?format=csv").text), dtype=str, keep_default_na=False)
        if "count" not in csv.columns:
            continue
        assert not csv["count"].str.contains(r"\.").any(), name
        nl = client.get(f"{base}?format=csv-nl").content.decode("utf-8-sig")
        nl_counts = pd.read_csv(io.StringIO(nl), sep=";", dtype=str, keep_default_na=False)["count"]
        assert not nl_counts.str.contains(r"[.,]").any(), name
        sheet = load_workbook(io.BytesIO(client.get(f"{base}?format=xlsx").content), read_only=True).active
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        column = header.index("count")
        cells = [row[column] for row in sheet.iter_rows(min_row=2, max_row=200, values_only=True)]
        assert all(v is None or type(v) is int for v in cells), (name, cells[:5])
        schema = pq.read_schema(io.BytesIO(client.get(f"{base}?format=parquet").content))
        assert str(schema.field("count").type) == "int64", name
        rows = client.get(f"/api/v1/datasets/{name}/rows?limit=50").json()
        rows = rows["rows"] if isinstance(rows, dict) else rows
        assert all(r["count"] is None or type(r["count"]) is int for r in rows), name
        checked += 1
    assert checked >= 8


def test_map_route_is_geojson_of_every_buurt(client: TestClient) -> None:
    geo = client.get("/api/v1/map/BU").json()
    assert len(geo["features"]) > 100 and all(f["id"].startswith("BU") for f in geo["features"])
    assert client.get("/api/v1/map/XX").status_code == 404


def test_explore_flows_areas_and_dcat(client: TestClient) -> None:
    rows = client.get("/api/v1/explore?table=kerncijfers_inwoners&level=gemeente&year=2021").json()["rows"]
    by = {r["code"]: r["value"] for r in rows}
    assert {"GM9901", "Totaal"} <= set(by)
    flows = client.get("/api/v1/flows/balance?area=demoregio&group=adults&period=2019-2020").json()["rows"]
    assert {r["direction"] for r in flows} == {"in", "out", "within", "Totaal"}
    periods = {r["period"] for r in client.get("/api/v1/flows/balance?area=demoregio").json()["rows"]}
    assert periods == {"2019-2019", "2020-2020", "2021-2021", "2020-2021", "2019-2020"}
    assert client.get("/api/v1/areas/GM9901").json()["children"]
    dcat = client.get("/api/v1/dcat.jsonld")
    assert dcat.headers["content-type"].startswith("application/ld+json")
    doc = dcat.json()
    assert doc["@type"] == "dcat:Catalog" and len(doc["dcat:dataset"]) >= 9
    assert all(d["dcat:distribution"] for d in doc["dcat:dataset"])


def test_gate_tables_need_a_researcher_and_are_protected(client: TestClient, site: Site) -> None:
    body = {"dataset": "synth_persons_yearly", "dimensions": ["education"]}
    assert client.post("/api/v1/tables", json=body).status_code == 401  # public
    analyst = client.post("/api/v1/tables", json=body, headers={"Authorization": f"Bearer {site.analyst_token}"})
    assert analyst.status_code == 403 and "researchers" in analyst.json()["error"]
    ok = client.post("/api/v1/tables", json=body, headers={"Authorization": f"Bearer {site.token}"}).json()
    assert ok["method"] == "cellkey" and {c["status"] for c in ok["cells"]} <= {"perturbed", "suppressed"}
    person = client.post(
        "/api/v1/tables",
        json={"dataset": "synth_persons_yearly", "dimensions": ["person_id"]},
        headers={"Authorization": f"Bearer {site.token}"},
    )
    assert person.status_code == 403 and "identifies persons" in person.json()["error"]


def test_pages_render_with_security_headers(client: TestClient) -> None:
    for path in (
        "/",
        "/verkennen",
        "/verkennen?niveau=buurt&leeftijd=65%2B",
        "/verhuisstromen?gebied=GM9901",
        "/gebied/GM9901",
        "/gebied/BU99010000",
        "/catalogus",
        "/catalogus/kerncijfers_inwoners",
        "/indicatoren",
        "/thema/jeugd",
        "/vergelijken?gebied=GM9901&gebied=demoregio",
        "/monitor",
        "/monitor/placebo-kansrijk",
        "/tabelbouwer",
        "/inloggen",
        "/?lang=en",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"<script(?![^>]*(src=\"/|type=\"application/json\"))", r.text), path  # no inline JS
        assert "https://" not in re.sub(r'href="https?://[^"]*"', "", r.text.split("<main")[0])
    assert "Area explorer" in client.get("/verkennen?lang=en").text
    report = client.get("/gebied/GM9901/rapport.html")
    assert "attachment" in report.headers["content-disposition"] and len(report.content) > 1_000_000
    flows = client.get("/verhuisstromen/rapport.html?gebied=GM9901&groep=adults&lang=en")
    assert (
        flows.status_code == 200
        and 'filename="verhuisstromen_GM9901_adults.html"' in flows.headers["content-disposition"]
    )
    assert "Made on" in flows.text and "Sources" in flows.text and "Adults (18+)" in flows.text
    assert "through the disclosure gate" in flows.text and "protected by the cell-key method" in flows.text
    assert "udc gate:" not in flows.text and "2021-2021" not in flows.text  # sources and titles in words
    assert client.get("/verhuisstromen/rapport.docx?gebied=GM9901").status_code == 404


def test_errors_are_one_line_without_traceback(client: TestClient) -> None:
    r = client.get("/gebied/GM0000")
    assert r.status_code == 404 and "Traceback" not in r.text and "not in the registry" in r.text
    assert client.get("/bestaat-niet").status_code == 404
    api = client.get("/api/v1/datasets/nope")
    assert api.status_code == 404 and set(api.json()) == {"error"}


def test_signin_csrf_throttle_and_session_cookie(site: Site) -> None:
    app = create_app(site.store)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        no_csrf = client.post("/inloggen", data={"gebruiker": "onderzoeker", "wachtwoord": PASSWORD})
        assert no_csrf.status_code == 403 and "CSRF" in no_csrf.text
        token = _csrf(client)
        good = client.post(
            "/inloggen",
            data={"gebruiker": "onderzoeker", "wachtwoord": PASSWORD, "csrf": token},
            follow_redirects=False,
        )
        assert good.status_code == 303
        cookie = good.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        page = client.get("/tabelbouwer").text
        assert "onderzoeker" in page and 'name="dim"' in page
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        table = client.post("/tabelbouwer", data={"csrf": token, "tabel": "synth_persons_yearly", "dim": ["education"]})
        assert table.status_code == 200 and "met ruis" in table.text and "perturbed" not in table.text
        download = client.post(
            "/tabelbouwer",
            data={"csrf": token, "tabel": "synth_persons_yearly", "dim": ["education"], "formaat": "csv-nl"},
        )
        assert "attachment" in download.headers["content-disposition"]
        assert (
            client.post("/tabelbouwer", data={"tabel": "synth_persons_yearly", "dim": ["education"]}).status_code == 403
        )  # no CSRF token
        token = _csrf(client)
        for _ in range(5):
            bad = client.post(
                "/inloggen", data={"gebruiker": "analist", "wachtwoord": "wrong password!!", "csrf": token}
            )
            assert bad.status_code == 401
        blocked = client.post("/inloggen", data={"gebruiker": "analist", "wachtwoord": PASSWORD, "csrf": token})
        assert blocked.status_code == 429  # throttled even with the right password
