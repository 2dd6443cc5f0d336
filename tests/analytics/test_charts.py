"""Server-side SVG charts: labels are escaped, missing values leave gaps."""

from __future__ import annotations

from pasokh.analytics.charts import bar_chart, line_chart
from pasokh.analytics.export import to_csv
from pasokh.analytics.schemas import MetricRow, MetricTable

HOSTILE = '<script>alert(1)</script>"'


def test_labels_are_escaped() -> None:
    svg = line_chart(labels=[HOSTILE, "۱۴۰۵/۰۱/۰۲"], series={HOSTILE: [1.0, 2.0]}, title=HOSTILE)
    bars = bar_chart(items=[(HOSTILE, 3.0)], title="t")
    for out in (svg, bars):
        assert "<script>" not in out and "&lt;script&gt;" in out


def test_a_missing_value_breaks_the_line() -> None:
    svg = line_chart(labels=["a", "b", "c"], series={"s": [1.0, None, 3.0]}, title="t")
    path = svg.split('<path d="')[1].split('"')[0]
    assert path.count("M") == 2 and "L" not in path


def test_csv_cells_cannot_become_formulas() -> None:
    table = MetricTable(name="volume", unit="conversations", source="measured", rows=[
        MetricRow(period="1405/01", key="=HYPERLINK(\"x\")", count=3, value=None),
        MetricRow(period="1405/01", key="نارنج", count=2, value=-12.5)])
    lines = to_csv([table]).splitlines()
    assert lines[0] == "table,unit,source,period,key,count,value"
    assert lines[1].startswith("volume,conversations,measured,1405/01,\"'=HYPERLINK")
    assert lines[2] == "volume,conversations,measured,1405/01,نارنج,2,-12.5"
