"""Replay tables: real recorded CBS responses plus metadata built in CBS's documented shape (tests, benchmarks)."""

from __future__ import annotations

import json
from pathlib import Path

from shared_data import DATA
from udc.sources.replay import ReplayTable


def table_83625ned(data: Path = DATA) -> ReplayTable:
    """83625NED (average sale price of dwellings): the real first 5 000 TypedDataSet rows and the real RegioS
    dimension; TableInfos, DataProperties and Perioden written in the shape opendata.cbs.nl returns them."""
    rows = json.loads((data / "vjenne" / "verkoopprijzen_alle_regioos_raw.json").read_text())["value"]
    regions = json.loads((data / "vjenne" / "regiocodes_omgeving.json").read_text())["value"]
    periods = sorted({r["Perioden"] for r in rows})
    return ReplayTable(
        v3={
            "TableInfos": [
                {
                    "ID": 0,
                    "Title": "Bestaande koopwoningen; gemiddelde verkoopprijzen, regio",
                    "ShortTitle": "Verkoopprijzen",
                    "Identifier": "83625NED",
                    "Summary": "Gemiddelde verkoopprijzen van bestaande koopwoningen",
                    "Modified": "2025-06-23T02:00:00",
                    "Frequency": "Perjaar",
                    "Period": "1995-2024",
                    "Language": "nl",
                    "Catalog": "CBS",
                    "RecordCount": 5000,
                    "ColumnCount": 4,
                }
            ],
            "DataProperties": [
                {
                    "odata.type": "Cbs.OData.GeoDimension",
                    "ID": 0,
                    "Position": 0,
                    "ParentID": None,
                    "Type": "GeoDimension",
                    "Key": "RegioS",
                    "Title": "Regio's",
                    "Description": "",
                    "MapYear": "2024",
                    "ReleasePolicy": True,
                },
                {
                    "odata.type": "Cbs.OData.TimeDimension",
                    "ID": 1,
                    "Position": 1,
                    "ParentID": None,
                    "Type": "TimeDimension",
                    "Key": "Perioden",
                    "Title": "Perioden",
                    "Description": "",
                },
                {
                    "odata.type": "Cbs.OData.Topic",
                    "ID": 2,
                    "Position": 2,
                    "ParentID": None,
                    "Type": "Topic",
                    "Key": "GemiddeldeVerkoopprijs_1",
                    "Title": "Gemiddelde verkoopprijs",
                    "Description": "",
                    "Datatype": "Long",
                    "Unit": "euro",
                    "Decimals": 0,
                    "Default": "Impossible",
                },
            ],
            "RegioS": regions,
            "Perioden": [{"Key": p, "Title": p[:4], "Description": "", "Status": "Definitief"} for p in periods],
            "TypedDataSet": rows,
        }
    )


def table_woonplaatsen_v4(data: Path = DATA) -> ReplayTable:
    """A v4 (datasets API) table from the real odata4 CSV package in p2000_woonplaatsen: Observations and RegioSCodes
    as recorded; Properties, Dimensions and MeasureCodes written in the documented shape."""
    import csv

    def rows(name: str) -> list[dict]:
        with (data / "p2000_woonplaatsen" / name).open(encoding="utf-8") as f:
            return list(csv.DictReader(f, delimiter=";"))

    observations = []
    for r in rows("Observations.csv"):
        observations.append(
            {
                "Id": int(r["Id"]),
                "Measure": r["Measure"],
                "RegioS": r["RegioS"],
                "Value": float(r["Value"]) if r["Value"] else None,
                "StringValue": r["StringValue"],
                "ValueAttribute": r["ValueAttribute"],
            }
        )
    measures = sorted({o["Measure"] for o in observations})
    return ReplayTable(
        v4={
            "Properties": {
                "Identifier": "85210NED",
                "Title": "Woonplaatsen in Nederland",
                "Modified": "2024-03-01T00:00:00",
            },
            "Dimensions": [{"Identifier": "RegioS", "Title": "Regio's", "Kind": "GeoDimension"}],
            "MeasureCodes": [{"Identifier": m, "Title": m, "Unit": None} for m in measures],
            "Observations": observations,
            "RegioSCodes": rows("RegioSCodes.csv"),
        }
    )


def table_83625eng(data: Path = DATA) -> ReplayTable:
    """The English twin of 83625NED: the same codes, titles marked as English (a fixture in CBS's shape)."""
    dutch = table_83625ned(data)
    regions = [{**r, "Title": f"{r['Title']} [en]"} for r in dutch.v3["RegioS"]]
    return ReplayTable(v3={"RegioS": regions, "Perioden": dutch.v3["Perioden"]})
