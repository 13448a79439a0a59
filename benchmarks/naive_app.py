"""The naive baseline for `benchmarks/run.py`: the usual folium-in-Streamlit tutorial app.

Reads the same store with pandas on every run, filters in pandas, makes one
`folium.Marker` with a popup and a tooltip per incident, hands the map to
`st_folium` without `returned_objects` (so every pan or zoom reruns it too) and
shows the table; nothing is cached. The only departure from the tutorials is
forced by offline use: Leaflet is loaded from the app's own copy (the same file
the real dashboard uses) instead of a CDN, folium's popups get a two-line
stand-in for the jQuery they would load from a CDN, and there are no tiles, as
in the real dashboard under GEO_OFFLINE=1.

    GEO_DB=/tmp/store.sqlite .venv/bin/python -m streamlit run benchmarks/naive_app.py
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from branca.element import MacroElement
from folium.template import Template
from streamlit_folium import st_folium

from geo import assets, config

st.set_page_config(page_title="Incidents (naive)", layout="wide")
st.title("Attacks on French prisons (naive tutorial app)")

assets.install(Path(__file__).parent / "static")  # Streamlit serves the script's static/
with sqlite3.connect(config.db_path()) as conn:
    df = pd.read_sql_query("SELECT * FROM incidents WHERE status != 'rejected'", conn)

types = st.sidebar.multiselect("Incident type", sorted(df["primary_type"].dropna().unique()))
if types:
    df = df[df["types"].fillna("").str.contains("|".join(types))]
st.write(f"{len(df)} incidents")



class OfflineStandIns(MacroElement):
    """What folium's popups use of jQuery (a CDN script, unreachable offline), and
    where Leaflet's default marker images are (it guesses wrong off its CDN)."""

    _template = Template("""{% macro script(this, kwargs) %}
        window.$ = window.$ || function (html) {
            var t = document.createElement("template");
            t.innerHTML = html.trim();
            return [t.content.firstElementChild];
        };
        L.Icon.Default.imagePath = {{ this.images|tojson }};
        {% endmacro %}""")

    def __init__(self, images: str) -> None:
        super().__init__()
        self.images = images


m = folium.Map(location=[46.6, 2.4], zoom_start=6, tiles=None)
base = assets.static_base_url()
m.default_js = [assets.resource(assets.LEAFLET_JS, base)]
m.default_css = [assets.resource(assets.LEAFLET_CSS, base)]
OfflineStandIns(assets.url("leaflet", "images/", base)).add_to(m)
for _, row in df.dropna(subset=["lat", "lon"]).iterrows():
    folium.Marker(
        [row["lat"], row["lon"]],
        popup=folium.Popup(
            f"<b>{row['place']}</b><br>{row['event_date']}<br>{row['types']}<br>"
            f"killed: {row['killed']}, injured: {row['injured']}<br>{row['sources']}",
            max_width=300,
        ),
        tooltip=str(row["place"]),
    ).add_to(m)
st_folium(m, width=1200, height=620)

st.dataframe(df)
