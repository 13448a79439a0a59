"""geo.display: the characters shown text never has, and Markdown-safe messages."""

from __future__ import annotations

import pandas as pd

from geo import export, mapview
from geo.display import BIDI_CONTROLS, markdown_text, plain, plain_series

SPOOF = "photo\u202egnp.exe\u202c \u2066x\u2069 \u200e\u200f\u061c\u202a\u202b\u202d\u2067\u2068"


def test_every_direction_control_is_removed_and_nothing_else() -> None:
    assert len(BIDI_CONTROLS) == 12
    assert plain(SPOOF) == "photognp.exe x "
    assert plain("Nîmes — « maison d’arrêt »\u200b") == "Nîmes — « maison d’arrêt »\u200b"
    assert plain_series(pd.Series([SPOOF, "ok", None])).tolist()[:2] == ["photognp.exe x ", "ok"]


def test_the_views_use_it() -> None:
    assert mapview.esc(SPOOF) == "photognp.exe x "
    assert "\u202e" not in mapview.link_html(SPOOF, "https://example.org/")
    assert markdown_text("a\u202e*b*") == r"a\*b\*"
    assert export.csv_line(["\u202e=1+1", *[None] * (len(export.COLUMN_NAMES) - 1)]
                           ).startswith("'=1+1,")
    frame = export.rows_frame([["\u202eid", *[None] * (len(export.COLUMN_NAMES) - 1)]])
    assert export.frame_to_csv(frame, bom=False).splitlines()[1].startswith("id,")


def test_a_url_with_user_information_is_no_link() -> None:
    for url in ("https://user:pass@example.org/", "https://lemonde.fr@evil.example/a",
                "http://@example.org/"):
        assert mapview.safe_url(url) is None
        assert "<a " not in mapview.link_html("Le Monde", url)
    assert mapview.safe_url("https://example.org/a?b=c@d") == "https://example.org/a?b=c@d"
