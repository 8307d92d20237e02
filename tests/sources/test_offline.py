from pathlib import Path

import pytest

from udc.errors import InputError
from udc.sources.statline_files import read_offline
from udc.sources.symbols import parse_cell, parse_period


def test_statline_csv_with_symbols(data: Path) -> None:
    table = read_offline(data / "inverseGerrymandering" / "SES_WOA_scores_per_wijk_en_buurt_25042023_160857.csv")
    frame = table.data
    assert len(frame) == 579
    code = next(c.name for c in table.columns if c.role == "area")
    assert frame[code].iloc[0] == "GM0363" and frame[code].str.len().max() == 10  # padding stripped
    last = frame.iloc[-1]
    assert last[code] == "BU03639801"
    assert last["opleidingsniveau_laag_waarde_pct__symbol"] == "unknown"  # '.' kept as a typed missing value
    assert last["opleidingsniveau_laag_waarde_pct"] != last["opleidingsniveau_laag_waarde_pct"]  # NaN, not 0
    assert frame["particuliere_huishoudens_aantal"].iloc[0] == 457400
    unit = next(c.unit for c in table.columns if c.name == "opleidingsniveau_laag_waarde_pct")
    assert unit == "%" and set(frame.year) == {2019}


def test_footer_is_not_data(data: Path) -> None:
    table = read_offline(data / "heerlen_urbandata" / "Kerncijfers_wijken_en_buurten_2019_pp.csv")
    assert len(table.data) == 81
    assert not table.data.iloc[:, 0].str.startswith("Bron").any()


def test_odata4_package(data: Path) -> None:
    table = read_offline(data / "p2000_woonplaatsen")
    assert len(table.data) == 17_507
    first = table.data.iloc[1]
    assert (first.Measure, first.RegioS, first.StringValue, first.RegioS_label) == (
        "GM000C",
        "WP1925",
        "Almelo",
        "Aadorp",
    )


def test_lfs_pointer_and_missing_observations(data: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no Observations.csv"):
        read_offline(data / "algorithm_geovis")
    (tmp_path / "Observations.csv").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\n")
    with pytest.raises(InputError, match="Git LFS pointer"):
        read_offline(tmp_path)


@pytest.mark.parametrize(
    ("code", "kind", "start", "end"),
    [
        ("2019JJ00", "year", "2019-01-01", "2020-01-01"),
        ("2020KW04", "quarter", "2020-10-01", "2021-01-01"),
        ("2020MM12", "month", "2020-12-01", "2021-01-01"),
        ("2019G300", "multi_year", "2019-01-01", "2022-01-01"),
    ],
)
def test_periods(code: str, kind: str, start: str, end: str) -> None:
    period = parse_period(code)
    assert (period.kind, period.start.isoformat(), period.end.isoformat()) == (kind, start, end)


def test_cells() -> None:
    assert parse_cell("   12.5") == (12.5, None)
    assert parse_cell("       .") == (None, "unknown")
    assert parse_cell("x") == (None, "secret")
    assert parse_cell("0") == (0.0, None)
    with pytest.raises(ValueError, match="neither a number nor a CBS symbol"):
        parse_cell("n.v.t.")
