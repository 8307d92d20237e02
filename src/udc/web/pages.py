"""Server-rendered pages. Every number comes from open/released tables (``data``) or, in the table builder, from
the disclosure gate; charts are Plotly figures shipped as JSON and drawn by /static/app.js."""

from __future__ import annotations

import secrets
from typing import Any

import pandas as pd
from fastapi import FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from udc.errors import Forbidden, NotFound, NotSignedIn, UdcError
from udc.privacy.access import end_session, login, start_session
from udc.privacy.gate import crosstab, offered
from udc.privacy.request import Filter, TableRequest
from udc.store import catalogue
from udc.store.db import Store
from udc.web import charts, data
from udc.web.common import area_tables, download, lang, render, run_gate, user
from udc.web.i18n import LANGUAGES, translator
from udc.web.security import check_csrf, client_of

GROUPS = {
    "adults": ("Volwassenen (18+)", "Adults (18+)"),
    "young-families": ("Jonge gezinnen", "Young families"),
    "middle-income": ("Middeninkomens", "Middle incomes"),
    "students": ("Studenten", "Students"),
    "seniors": ("Senioren (65+)", "Seniors (65+)"),
}
CLASSES = {
    "neighbour": ("buurgemeente", "neighbouring municipality"),
    "rest_of_region": ("rest van de regio", "rest of the region"),
    "rest_of_province": ("rest van de provincie", "rest of the province"),
    "rest_of_country": ("rest van Nederland", "rest of the country"),
    "abroad": ("buitenland", "abroad"),
}
TRIGGERS = {
    "none": ("geen verandering", "no change"),
    "left_parental_home": ("uit huis gegaan", "left the parental home"),
    "moved_in_together": ("gaan samenwonen", "moved in together"),
    "separated": ("uit elkaar", "separated"),
    "child_born": ("kind geboren", "child born"),
    "widowed": ("partner overleden", "widowed"),
}
RATE_MEASURES = {
    "in": ("vestiging", "in"),
    "out": ("vertrek", "out"),
    "within": ("binnen de gemeente", "within"),
    "net": ("saldo", "net"),
    "residents": ("inwoners (persoonsjaren)", "residents (person-years)"),
}


def _label(table: dict[str, tuple[str, str]], key: str, language: str) -> str:
    pair = table.get(key)
    return (pair[0] if language == "nl" else pair[1]) if pair else key


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _latest_year(store: Store, table: data.AreaTable) -> str | None:
    years = [y for y in data.options(store, table).get(table.year or "", []) if y != data.TOTAL]
    return years[-1] if years else None


def _glance(store: Store, regions: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Key figures of the first region, each from a released table (the total row of its latest year/period)."""
    if not regions:
        return []
    region = regions[0]["name"]
    nl = language == "nl"
    tiles: list[dict[str, Any]] = []
    members = [
        m["member_code"] for m in store.rows("SELECT member_code FROM region_members WHERE region = ?", [region])
    ]
    if data.has(store, "kerncijfers_inwoners") and members:
        frame = data.released(store, "kerncijfers_inwoners")
        frame = frame[frame.buurt_code.isin(members) & (frame.leeftijd == data.TOTAL) & (frame.year != data.TOTAL)]
        if len(frame):
            year = max(frame.year)
            tiles.append(
                {
                    "label": f"{'Inwoners' if nl else 'Residents'} {year}",
                    "value": frame[frame.year == year]["count"].sum(min_count=1),
                }
            )
    if data.has(store, "verhuisstromen_balance"):
        frame = data.released(store, "verhuisstromen_balance")
        frame = frame[frame.area == region]
        if "period" in frame.columns and len(frame):
            spans = [p for p in frame.period.unique() if p.split("-")[0] != p.split("-")[1]] or list(frame.period)
            period = max(spans, key=lambda p: (p.split("-")[1], p.split("-")[0]))
            frame = frame[frame.period == period]
        else:
            period = ""
        for group in ("adults", "young-families"):
            cells = frame[frame.group == group].set_index("direction")["count"]
            if {"in", "out"} <= set(cells.index) and cells[["in", "out"]].notna().all():
                label = _label(GROUPS, group, language)
                tiles.append(
                    {
                        "label": f"{'Verhuissaldo' if nl else 'Net migration'} {label.lower()} {period}",
                        "value": cells["in"] - cells["out"],
                    }
                )
    return tiles


def register_pages(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        store: Store = request.app.state.store
        tables = area_tables(request)
        regions = store.rows("SELECT name, title FROM regions ORDER BY name")
        figure, rows = None, []
        key = tables.get("kerncijfers_inwoners")
        if key:
            year = _latest_year(store, key)
            frame = data.explore(store, key, year=year, level="gemeente", filters={})
            rows = frame.to_dict("records")
            members = {m["member_code"] for m in store.rows("SELECT member_code FROM region_members")}
            shown = frame[frame.code.isin(members)] if members else frame[frame.code != data.TOTAL]
            shapes = data.geometry(store, list(shown.code))
            t = translator(lang(request))
            figure = charts.choropleth(shapes, shown.set_index("code")["value"], f"{t('residents')} {year}")
        tiles = _glance(store, regions, lang(request))
        counts = pd.DataFrame(data.visible(store, user(request)))
        by_kind = counts.groupby("sensitivity").size().to_dict() if len(counts) else {}
        return render(
            request,
            "home.html",
            {
                "regions": regions,
                "figure": figure,
                "rows": rows,
                "catalogue": by_kind,
                "n_datasets": len(counts),
                "tiles": tiles,
            },
        )

    @app.get("/verkennen", include_in_schema=False)
    async def explorer(
        request: Request,
        tabel: str | None = None,
        jaar: str | None = None,
        niveau: str = "gemeente",
        gebied: str | None = None,
        onderwerp: str | None = None,
    ) -> Response:
        store: Store = request.app.state.store
        tables = area_tables(request)
        if not tables:
            raise UdcError("no area-level open data in the catalogue yet (run 'udc demo' or import a table)")
        name = (
            tabel
            if tabel in tables
            else ("kerncijfers_inwoners" if "kerncijfers_inwoners" in tables else next(iter(tables)))
        )
        table = tables[name]
        choices = data.options(store, table)
        year = jaar if jaar in choices.get(table.year or "", []) else _latest_year(store, table)
        filters = data.filters_for(store, table, dict(request.query_params))
        measure = onderwerp if onderwerp in table.values else table.value
        frame = data.explore(store, table, year=year, level=niveau, filters=filters, value=measure)
        areas = frame[frame.code != data.TOTAL]
        total = frame[frame.code == data.TOTAL]["value"]
        t = translator(lang(request))
        shapes = data.geometry(store, list(areas.code), int(year) if year and year.isdigit() else None)
        figure = charts.choropleth(shapes, areas.set_index("code")["value"], f"{table.title} — {year}")
        focus = gebied if gebied in set(areas.code) else (areas.code.iloc[0] if len(areas) else None)
        trend = None
        trend_rows: list[dict] = []
        note = None
        if focus and table.year:
            info = data.area(store, focus)
            if focus.startswith("GM") and year and year.isdigit():
                own, note = data.harmonised_series(store, table, focus, filters, int(year), measure)
            else:
                own = data.series(store, table, focus, filters, measure)
            series = {focus: own}
            if info.get("parent_code"):
                series[info["parent_code"]] = data.series(store, table, info["parent_code"], filters, measure)
            series[data.TOTAL] = data.series(store, table, data.TOTAL, filters, measure)
            series = {k: v for k, v in series.items() if len(v)}
            years = sorted({y for v in series.values() for y in v.year})
            lookup = data.names(store)
            trend = charts.lines(
                years,
                {
                    lookup.get(k, t("national") if k == data.TOTAL else k): [
                        _num(v.set_index("year")["value"].get(y)) for y in years
                    ]
                    for k, v in series.items()
                },
                f"{t('trend')}: {lookup.get(focus, focus)}",
            )
            trend_rows = [
                {"year": y, **{lookup.get(k, k): _num(v.set_index("year")["value"].get(y)) for k, v in series.items()}}
                for y in years
            ]
        return render(
            request,
            "explorer.html",
            {
                "tables": tables,
                "table": table,
                "choices": choices,
                "year": year,
                "level": niveau,
                "measure": measure,
                "note": note,
                "filters": filters,
                "rows": areas.to_dict("records"),
                "total": _num(total.iloc[0]) if len(total) else None,
                "figure": figure,
                "trend": trend,
                "trend_rows": trend_rows,
                "focus": focus,
                "levels": list(data.LEVELS),
            },
        )

    def _profile(request: Request, code: str) -> dict[str, Any]:
        store: Store = request.app.state.store
        info = data.area(store, code)
        language = lang(request)
        t = translator(language)
        figures: list[dict[str, Any]] = []
        peers_rows: list[dict[str, Any]] = []
        trend = None
        trend_rows: list[dict[str, Any]] = []
        tables = area_tables(request)
        for table in tables.values():
            if not table.year or table.name.startswith("verhuisstromen_"):  # flows have their own section
                continue
            filters = data.filters_for(store, table, {})
            series = data.series(store, table, code, filters)
            if series.empty or series["value"].isna().all():
                continue
            last = series.dropna().iloc[-1]
            figures.append({"table": table.title, "name": table.name, "year": last.year, "value": last.value})
            if trend is None:
                trend_rows = [{"year": y, "value": _num(v)} for y, v in zip(series.year, series.value, strict=True)]
                trend = charts.lines(
                    list(series.year), {table.title: [_num(v) for v in series.value]}, f"{t('trend')}: {table.title}"
                )
                if info.get("parent_code"):
                    level = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}.get(info["kind"])
                    if level:
                        peers = data.explore(store, table, year=str(last.year), level=level, filters=filters)
                        siblings = {c["code"] for c in data.children(store, info["parent_code"])}
                        peers = peers[peers.code.isin(siblings)].sort_values("value", ascending=False)
                        peers["rank"] = range(1, len(peers) + 1)
                        peers_rows = peers.to_dict("records")
        flows_rows = []
        flows_period = None
        if data.has(store, "verhuisstromen_rates"):
            rates = data.released(store, "verhuisstromen_rates")
            part = rates[(rates.area == code) & (rates.group == "adults")]
            if "period" in part.columns and len(part):
                part = part[part.period == max(part.period, key=lambda p: (p.split("-")[1], p.split("-")[0]))]
            flows_rows = [
                {**r, "measure": _label(RATE_MEASURES, r["measure"], language)} for r in part.to_dict("records")
            ]
            flows_period = part.period.iloc[0] if "period" in part.columns and len(part) else None
        return {
            "info": info,
            "children": data.children(store, code),
            "figures": figures,
            "trend": trend,
            "trend_rows": trend_rows,
            "peers": peers_rows,
            "flows_rows": flows_rows,
            "flows_period": flows_period,
            "names": data.names(store),
        }

    @app.get("/gebied/{code}", include_in_schema=False)
    async def profile(request: Request, code: str) -> Response:
        return render(request, "profile.html", _profile(request, code))

    @app.get("/gebied/{code}/rapport.html", include_in_schema=False)
    async def profile_report(request: Request, code: str) -> Response:
        """A stand-alone report (plotly.js inside) as a download: it opens offline, outside this site."""
        from pathlib import Path

        import plotly

        context = _profile(request, code)
        script = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
        app_js = (Path(__file__).parent / "static" / "app.js").read_text(encoding="utf-8")
        page = render(request, "report.html", {**context, "plotly_js": script, "app_js": app_js})
        return Response(
            page.body,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="gebiedsprofiel_{code}.html"'},
        )

    @app.get("/verhuisstromen", include_in_schema=False)
    async def flows_page(
        request: Request, gebied: str | None = None, groep: str = "adults", jaren: str | None = None
    ) -> Response:
        store: Store = request.app.state.store
        if not data.has(store, "verhuisstromen_balance"):
            raise UdcError(
                "no released verhuisstromen yet: run 'udc demo' or 'udc flows study --release verhuisstromen'"
            )
        language = lang(request)
        t = translator(language)
        balance = data.released(store, "verhuisstromen_balance")
        periods = (
            sorted(balance.period.unique(), key=lambda p: (p.split("-")[1], p.split("-")[0]))
            if ("period" in balance.columns)
            else []
        )
        default = (
            next((p for p in reversed(periods) if p.split("-")[0] != p.split("-")[1]), periods[-1])
            if (periods)
            else None
        )
        period = jaren if jaren in periods else default
        if period:
            balance = balance[balance.period == period]
        areas = sorted(balance.area.unique(), key=lambda a: (a.startswith("GM"), a))
        area = gebied if gebied in areas else areas[0]
        group = groep if groep in GROUPS else "adults"
        lookup = data.names(store)
        part = balance[balance.area == area].pivot_table(
            index="group", columns="direction", values="count", aggfunc="first"
        )
        groups = [g for g in GROUPS if g in part.index]
        balance_rows = []
        for g in groups:
            row = part.loc[g]
            net = None if pd.isna(row.get("in")) or pd.isna(row.get("out")) else row["in"] - row["out"]
            balance_rows.append(
                {
                    "group": _label(GROUPS, g, language),
                    "in": _num(row.get("in")),
                    "out": _num(row.get("out")),
                    "within": _num(row.get("within")),
                    "net": _num(net),
                }
            )
        bars = charts.bars(
            [r["group"] for r in balance_rows],
            {
                ("Vestiging" if language == "nl" else "In"): [r["in"] for r in balance_rows],
                ("Vertrek" if language == "nl" else "Out"): [r["out"] for r in balance_rows],
                ("Saldo" if language == "nl" else "Net"): [r["net"] for r in balance_rows],
            },
            t("balance"),
        )

        def classes(view: str) -> pd.DataFrame:
            frame = data.released(store, f"verhuisstromen_{view}")
            frame = frame[(frame.area == area) & (frame.group == group)]
            return frame[frame.period == period] if period and "period" in frame.columns else frame

        origins, destinations = classes("origins"), classes("destinations")
        o = origins[(origins.other_gm == "Totaal") & (origins.other_class != "Totaal")].dropna(subset=["count"])
        d = destinations[(destinations.other_gm == "Totaal") & (destinations.other_class != "Totaal")].dropna(
            subset=["count"]
        )
        labels = (
            [f"{_label(CLASSES, c, language)} →" for c in o.other_class]
            + [lookup.get(area, area)]
            + [f"→ {_label(CLASSES, c, language)}" for c in d.other_class]
        )
        centre = len(o)
        sankey = charts.sankey(
            labels,
            list(range(centre)) + [centre] * len(d),
            [centre] * centre + list(range(centre + 1, centre + 1 + len(d))),
            list(o["count"]) + list(d["count"]),
            t("sankey"),
        )
        class_rows = [
            {
                "class": _label(CLASSES, r.other_class, language),
                "origins": _num(r.count_o),
                "destinations": _num(r.count_d),
            }
            for r in o.merge(d, on="other_class", how="outer", suffixes=("_o", "_d")).itertuples()
        ]
        named = destinations[(destinations.other_gm != "Totaal") & (destinations.other_class == "Totaal")]
        top = named.dropna(subset=["count"]).sort_values("count", ascending=False).head(10)
        top_rows = [
            {"area": lookup.get(r.other_gm, r.other_gm), "code": r.other_gm, "count": r.count} for r in top.itertuples()
        ]
        triggers = classes("triggers")
        triggers = triggers[triggers.trigger != "Totaal"].dropna(subset=["count"])
        trigger_rows = [
            {"trigger": _label(TRIGGERS, r.trigger, language), "count": r.count} for r in triggers.itertuples()
        ]
        trigger_chart = charts.bars(
            [r["trigger"] for r in trigger_rows], {t("triggers"): [r["count"] for r in trigger_rows]}, t("triggers")
        )
        trend = classes("trend")
        trend = trend[(trend.year != "Totaal") & trend.direction.isin(["in", "out"])]
        years = sorted(trend.year.unique())
        pivot = trend.pivot_table(index="year", columns="direction", values="count", aggfunc="first")
        trend_chart = charts.lines(
            years,
            {
                ("Vestiging" if language == "nl" else "In"): [
                    _num(pivot["in"].get(y)) if "in" in pivot else None for y in years
                ],
                ("Vertrek" if language == "nl" else "Out"): [
                    _num(pivot["out"].get(y)) if "out" in pivot else None for y in years
                ],
            },
            t("trend"),
        )
        trend_rows = [
            {
                "year": y,
                "in": _num(pivot["in"].get(y)) if "in" in pivot else None,
                "out": _num(pivot["out"].get(y)) if "out" in pivot else None,
            }
            for y in years
        ]
        meta = catalogue.get(store, "verhuisstromen_balance")
        return render(
            request,
            "flows.html",
            {
                "areas": [(a, lookup.get(a, a)) for a in areas],
                "area": area,
                "group": group,
                "groups": [(g, _label(GROUPS, g, language)) for g in GROUPS],
                "balance_rows": balance_rows,
                "bars": bars,
                "sankey": sankey,
                "class_rows": class_rows,
                "top_rows": top_rows,
                "trigger_rows": trigger_rows,
                "trigger_chart": trigger_chart,
                "trend_chart": trend_chart,
                "trend_rows": trend_rows,
                "meta": meta,
                "area_name": lookup.get(area, area),
                "periods": periods,
                "period": period,
            },
        )

    dims_cache: dict[str, list[str]] = {}

    def _builder_dims(store: Store, name: str) -> list[str]:
        if name not in dims_cache:
            dims_cache[name] = offered(store, name)
        return dims_cache[name]

    @app.get("/tabelbouwer", include_in_schema=False)
    async def builder(request: Request, tabel: str | None = None) -> Response:
        store: Store = request.app.state.store
        who = user(request)
        datasets = data.microdata(store) if who.role in ("researcher", "admin") else []
        name = tabel if tabel in {d["name"] for d in datasets} else (datasets[0]["name"] if datasets else None)
        return render(
            request,
            "builder.html",
            {
                "datasets": datasets,
                "dataset": name,
                "dims": _builder_dims(store, name) if name else [],
                "chosen": [],
                "result": None,
            },
        )

    @app.post("/tabelbouwer", include_in_schema=False)
    async def builder_post(request: Request) -> Response:
        store: Store = request.app.state.store
        form = await request.form()
        check_csrf(request, str(form.get("csrf", "")))
        who = user(request)
        name = str(form.get("tabel", ""))
        chosen = [str(v) for v in form.getlist("dim")]
        if who.role == "public":
            raise NotSignedIn(translator(lang(request))("not_allowed"))
        if who.role not in ("researcher", "admin"):
            raise Forbidden(translator(lang(request))("not_allowed"))
        allowed = _builder_dims(store, name)
        bad = [d for d in chosen if d not in allowed]
        if name not in {d["name"] for d in data.microdata(store)}:
            raise NotFound(f"'{name[:60]}' is not a microdata table")
        if bad or not chosen or len(chosen) > 3:
            raise UdcError(f"choose one to three dimensions of {allowed}")
        area = "buurt_code" if "buurt_code" in chosen else None
        table_request = TableRequest(
            dataset=name,
            dimensions=chosen,
            filters=[Filter(column="buurt_code", prefix="BU")] if area else [],
            area=area,
        )
        result = await run_gate(request, crosstab, table_request, user=who, audit=request.app.state.audit)
        fmt = str(form.get("formaat", ""))
        if fmt:
            return download(result.cells, f"tabel_{name}", fmt)
        return render(
            request,
            "builder.html",
            {
                "datasets": data.microdata(store),
                "dataset": name,
                "dims": allowed,
                "chosen": chosen,
                "result": result.cells.head(1000).to_dict("records"),
                "columns": list(result.cells.columns),
                "n_cells": len(result.cells),
                "suppressed": result.suppressed,
                "policy": result.policy.version,
            },
        )

    @app.get("/catalogus", include_in_schema=False)
    async def catalogue_page(request: Request) -> Response:
        store: Store = request.app.state.store
        return render(request, "catalogue.html", {"datasets": data.visible(store, user(request))})

    @app.get("/catalogus/{name}", include_in_schema=False)
    async def dataset_page(request: Request, name: str) -> Response:
        store: Store = request.app.state.store
        visible = {d["name"] for d in data.visible(store, user(request))}
        if name not in visible:
            raise UdcError(f"'{name}' is not in the open catalogue (or not for your role)")
        info = catalogue.describe(store, name)
        preview = data.released(store, name).head(20) if name in visible else pd.DataFrame()
        return render(
            request,
            "dataset.html",
            {
                "info": info,
                "preview": preview.to_dict("records"),
                "preview_columns": list(preview.columns),
                "area": any(c["name"] in catalogue.AREA_COLUMNS for c in info["columns"]),
            },
        )

    @app.get("/inloggen", include_in_schema=False)
    async def signin_form(request: Request, terug: str = "/") -> Response:
        safe = terug if terug.startswith("/") and not terug.startswith("//") else "/"
        return render(request, "signin.html", {"next": safe, "message": None})

    @app.post("/inloggen", include_in_schema=False)
    async def signin(
        request: Request,
        gebruiker: str = Form(...),
        wachtwoord: str = Form(...),
        csrf: str = Form(""),
        terug: str = Form("/"),
    ) -> Response:
        check_csrf(request, csrf)
        t = translator(lang(request))
        client = client_of(request)
        throttle = request.app.state.throttle
        audit = request.app.state.audit
        if throttle.blocked(client, gebruiker):
            audit.append(gebruiker, "login.throttled", {"client": client})
            return render(request, "signin.html", {"next": terug, "message": t("too_many")}, status=429)
        engine = request.app.state.engine
        try:
            who = await run_in_threadpool(login, engine, gebruiker, wachtwoord, audit)  # argon2: off the event loop
        except UdcError:
            throttle.fail(client, gebruiker)
            return render(request, "signin.html", {"next": terug, "message": t("wrong_login")}, status=401)
        old = request.state.session.get("sid")
        if old:
            end_session(engine, str(old))
        fresh = {"sid": start_session(engine, who), "csrf": secrets.token_urlsafe(24)}
        request.state.session = {**{k: v for k, v in request.state.session.items() if k == "lang"}, **fresh}
        return RedirectResponse(terug if terug.startswith("/") and not terug.startswith("//") else "/", status_code=303)

    @app.post("/uitloggen", include_in_schema=False)
    async def signout(request: Request, csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        session_id = request.state.session.get("sid")
        if session_id:
            name = user(request).name
            end_session(request.app.state.engine, str(session_id))
            request.app.state.audit.append(name, "logout", {})
        keep = {k: v for k, v in request.state.session.items() if k == "lang"}
        request.state.session = {**keep, "csrf": secrets.token_urlsafe(24)}
        return RedirectResponse("/", status_code=303)

    @app.get("/taal/{language}", include_in_schema=False)
    async def set_language(request: Request, language: str, terug: str = "/") -> Response:
        if language not in LANGUAGES:
            raise UdcError(f"language '{language}': expected nl or en")
        request.state.session = {**request.state.session, "lang": language}
        return RedirectResponse(terug if terug.startswith("/") else "/", status_code=303)
