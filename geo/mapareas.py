"""What the map says per area: incidents per department, and the overseas territories.

Counted from the dashboard's filtered frame (one row per incident), so the department
view and the overseas control always agree with the metrics above the map. Kept out
of the store: the counts are of what is shown, whatever query produced it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Metropolitan France and Corsica: what the map shows on open (south-west, north-east).
MAINLAND_BOUNDS: tuple[tuple[float, float], tuple[float, float]] = ((41.3, -5.2), (51.1, 9.6))


@dataclass(frozen=True)
class Territory:
    """An area the overseas control jumps to: its name and box (south, west, north, east)."""

    key: str
    name: str
    bounds: tuple[float, float, float, float]


#: Every overseas territory with a prison (16 of the 186), west to east.
OVERSEAS: tuple[Territory, ...] = (
    Territory("wf", "Wallis-et-Futuna", (-14.4, -178.3, -13.1, -176.0)),
    Territory("pf", "Polynésie française", (-18.0, -152.0, -8.5, -138.5)),
    Territory("gf", "Guyane", (2.1, -54.7, 5.8, -51.6)),
    Territory("gp", "Guadeloupe", (15.8, -61.9, 16.55, -60.95)),
    Territory("mq", "Martinique", (14.35, -61.25, 14.9, -60.8)),
    Territory("pm", "Saint-Pierre-et-Miquelon", (46.74, -56.45, 47.15, -56.1)),
    Territory("yt", "Mayotte", (-13.05, 44.95, -12.6, 45.35)),
    Territory("re", "La Réunion", (-21.42, 55.2, -20.85, 55.85)),
    Territory("nc", "Nouvelle-Calédonie", (-22.8, 163.5, -19.5, 168.2)),
)


def _coords(frame: pd.DataFrame, pinned: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The pinned rows' coordinates as float arrays (NaN where unknown): plain arrays,
    as counting boxes on them needs no index alignment."""
    keep = np.asarray(pinned, dtype=bool)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return lat[keep], lon[keep]


def territory_counts(frame: pd.DataFrame, pinned: pd.Series) -> dict[str, int]:
    """Pinned incidents in each overseas territory's box, and on the mainland ("fr")."""
    if frame.empty:
        return {"fr": 0, **{t.key: 0 for t in OVERSEAS}}
    lat, lon = _coords(frame, pinned)

    def inside(s: float, w: float, n: float, e: float) -> int:
        return int(((lat >= s) & (lat <= n) & (lon >= w) & (lon <= e)).sum())

    (s, w), (n, e) = MAINLAND_BOUNDS
    return {"fr": inside(s, w, n, e), **{t.key: inside(*t.bounds) for t in OVERSEAS}}


def department_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Incidents per department name (pinned or known only to their department)."""
    if frame.empty or "department" not in frame:
        return {}
    names = frame["department"].dropna().astype(str).str.strip()
    return {k: int(v) for k, v in names[names != ""].value_counts().items()}
