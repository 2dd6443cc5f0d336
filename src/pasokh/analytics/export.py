"""CSV export of metric tables: one row per table, period and key."""

from __future__ import annotations

import csv
import io

from pasokh.analytics.schemas import MetricTable

COLUMNS = ("table", "unit", "source", "period", "key", "count", "value")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts with = + - @ as a formula; names are user text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(tables: list[MetricTable]) -> str:
    """The tables as one CSV document with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for t in tables:
        for r in t.rows:
            value = "" if r.value is None else repr(r.value)  # negative NPS stays a number
            writer.writerow([t.name, t.unit, t.source, r.period, _cell(r.key), r.count, value])
    return out.getvalue()
