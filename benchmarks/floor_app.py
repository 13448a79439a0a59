"""Streamlit's own floor for a filter change, for `benchmarks/run.py`: the dashboard's
sidebar (the same widgets, options and URL sync, from `dashboard.py` itself) over the same
store, and no map; the page shows the chosen types as one line of text.

Timing a type change here gives what Streamlit alone costs on the machine (the click,
the rerun's round trip, the page re-rendering the sidebar); the dashboard's figure minus
this one is what the map adds. Not part of the product.

    GEO_DB=/tmp/store.sqlite .venv/bin/python -m streamlit run benchmarks/floor_app.py
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # dashboard.py's folder

import dashboard  # the dashboard's own functions; its main() does not run on import
from geo import config
from geo.i18n import Texts

db = config.db_path().resolve()
dashboard.keep_widget_state()
lang = dashboard.page_lang()
t = Texts(lang)
st.set_page_config(page_title="Streamlit floor", layout="wide")
facets = dashboard.get_facets(str(db), dashboard.store_stamp(db))
dashboard.init_widgets_from_url(facets)
filters = dashboard.sidebar_filters(facets, t)
dashboard.sync_url(filters, lang)
types = html.escape(",".join(filters.types))
st.html(f'<p data-floor-types="{types}">Incident types chosen: {types or "all"}</p>')
