"""The chart's aggregation (geo.timeline): months in between present, severity order."""

from __future__ import annotations

import pandas as pd

from geo.timeline import monthly


def test_months_between_are_zeros_and_columns_follow_severity() -> None:
    frame = pd.DataFrame({"event_date": ["2025-01-05", "2025-03-02", "2025-03-20", None],
                          "primary_type": ["arson", "gunfire", "arson", "riot"]})
    table = monthly(frame)
    assert list(table.index) == ["2025-01", "2025-02", "2025-03"]
    assert list(table.columns) == ["gunfire", "arson"]
    assert table.loc["2025-02"].sum() == 0 and table.loc["2025-03", "arson"] == 1
    assert monthly(frame.iloc[3:]).empty
