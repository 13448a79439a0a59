"""Incidents per month and main type, for the dashboard's chart (a rule about the data,
so it lives here and is tested without Streamlit)."""

from __future__ import annotations

import pandas as pd

from geo.model import TYPE_SEVERITY


def monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """Incidents per month and main type (dated incidents only), every month in between
    present (zeros), indexed by "YYYY-MM" so the bars are as wide as the months; the
    columns in severity order (the map's legend order)."""
    dated = frame.loc[frame["event_date"].notna(), ["event_date", "primary_type"]]
    if dated.empty:
        return pd.DataFrame()
    # Group on the "YYYY-MM" text (parsing 100,000 dates into periods is slow).
    month = dated["event_date"].astype("str").str.slice(0, 7).rename("month")
    table = dated.groupby([month, dated["primary_type"]]).size().unstack(
        "primary_type", fill_value=0)
    months = pd.period_range(table.index.min(), table.index.max(), freq="M").strftime("%Y-%m")
    table = table.reindex(months, fill_value=0)
    table.index.name = None
    return table[[t for t in TYPE_SEVERITY if t in table.columns]]
