"""Counts per department and per overseas territory, from the dashboard's frame."""

from __future__ import annotations

import pandas as pd

from geo import mapareas, mapview


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "department": ["Var", "Var", "La Réunion", "Isère", None, " "],
        "lat": [43.17, 43.1, -20.93588, 45.26, None, 48.8],
        "lon": [6.04, 5.9, 55.29011, 5.57, None, 2.3],
        "geo_precision": ["facility", "commune", "facility", "department", "country",
                          "commune"],
    })


def test_departments_count_every_incident_known_to_them() -> None:
    # Isère's incident is known only to its department: counted, though not pinned.
    assert mapareas.department_counts(frame()) == {"Var": 2, "La Réunion": 1, "Isère": 1}
    assert mapareas.department_counts(frame().iloc[0:0]) == {}


def test_territories_count_the_pinned_incidents_in_their_box() -> None:
    f = frame()
    counts = mapareas.territory_counts(f, mapview.pinnable_mask(f))
    assert counts["re"] == 1 and counts["fr"] == 3  # Var x2 and Paris; Isère not pinned
    assert set(counts) == {"fr", *(t.key for t in mapareas.OVERSEAS)}
    assert sum(counts.values()) == 4


def test_the_territories_boxes_hold_their_prisons() -> None:
    from geo.prisons import load_prisons

    boxes = [t.bounds for t in mapareas.OVERSEAS]
    (s, w), (n, e) = mapareas.MAINLAND_BOUNDS
    boxes.append((s, w, n, e))
    outside = [p.id for p in load_prisons() if p.lat is not None and not any(
        b[0] <= p.lat <= b[2] and b[1] <= p.lon <= b[3] for b in boxes)]
    assert outside == [], "every prison is on the mainland or in a listed territory"
