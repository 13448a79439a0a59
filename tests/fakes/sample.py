"""A gazetteer built from the real registry packages and a small sample prisons file.

Built once per test process (a few seconds) in a private directory, so tests never
read or write the user's `data/.index` or depend on the real `data/prisons.csv`.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from geo.gazetteer import Gazetteer

HERE = Path(__file__).resolve().parent
#: Seven prisons (Aix-Luynes, Baumettes, Valence, Fresnes, Toulon-La Farlède,
#: Dunkerque, Ducos) in the format of data/prisons.csv.
SAMPLE_PRISONS = HERE / "prisons_sample.csv"

_index_dir: Path | None = None


def sample_index_dir() -> Path:
    """The private index directory of this test process."""
    global _index_dir
    if _index_dir is None:
        _index_dir = Path(tempfile.mkdtemp(prefix="geo-test-index-"))
        atexit.register(shutil.rmtree, _index_dir, True)
    return _index_dir


def sample_gazetteer() -> Gazetteer:
    """The gazetteer with the sample prisons (built on first use, then shared)."""
    return Gazetteer.load(index_dir=sample_index_dir(), prisons_csv=SAMPLE_PRISONS)
