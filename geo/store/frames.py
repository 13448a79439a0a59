"""The whole-store frame behind `query_frame`: kept in memory per data version and on disk
as an Arrow (Feather) file beside the store, for the next process.

Backend-neutral: it is keyed by the store's (uuid, version) token, whatever computed it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import feather

from geo import export

log = logging.getLogger(__name__)



@dataclass(frozen=True, eq=False)
class WholeFrame:
    """The frame of the whole store for one data version, and what selecting from it
    needs: each rid's position in it (-1 for none) and which rows are not rejected."""

    token: tuple[str, str]
    frame: pd.DataFrame
    position: np.ndarray
    live: np.ndarray

    @classmethod
    def of(cls, token: tuple[str, str], frame: pd.DataFrame, rids: np.ndarray) -> WholeFrame:
        position = np.full(int(rids.max()) + 1 if len(rids) else 1, -1, np.int64)
        position[rids] = np.arange(len(rids))
        live = (frame["status"].astype(object) != "rejected").to_numpy(dtype=bool)
        return cls(token, frame, position, live)


@dataclass(frozen=True, eq=False)
class Rows:
    """A filter state's incidents as sorted positions into the whole store's frame
    (`Store.query_rows`), read a few columns at a time. A filter change on the
    dashboard needs six narrow columns (counts, legend, the map's row mask): copying
    all 27 instead, long evidence text included, was most of a rerun's query time."""

    whole: pd.DataFrame
    picks: np.ndarray
    #: The data version (`Store.version`) of `whole`: positions from two versions
    #: do not mix.
    version: str = ""

    def __len__(self) -> int:
        return len(self.picks)

    def frame(self, columns: Sequence[str] | None = None, *, limit: int | None = None,
              where: np.ndarray | None = None) -> pd.DataFrame:
        """These rows (the first `limit`, or those where `where` is true) with
        `columns` (every column by default), numbered from 0."""
        picks = self.picks if where is None else self.picks[where]
        if limit is not None:
            picks = picks[: max(0, int(limit))]
        source = self.whole if columns is None else self.whole[list(columns)]
        return source.take(picks).reset_index(drop=True)


#: Whole frames by store path: the dashboard reruns its script on every widget change,
#: so the big frame is built once per data change.
FRAME_CACHE: dict[str, WholeFrame] = {}
#: `Store.frame_file`: the frame of the whole store as an Arrow (Feather) file,
#: tagged with the data version it was built from.
FRAME_FILE_SUFFIX = "-frame.arrow"
FRAME_TOKEN_KEY = b"geo-store-version"
FRAME_RID_COLUMN = "_rid"
#: Arrow text read back as pandas' `str` dtype (what `export.rows_frame` makes).
ARROW_TYPES = {pa.string(): pd.StringDtype("pyarrow", na_value=np.nan),
               pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan),
               pa.int64(): pd.Int64Dtype()}
FRAME_LOCK = threading.Lock()


def frame_path(store_path: Path) -> Path:
    """Where the frame of the store at `store_path` is kept (data/*.sqlite-* is git-ignored)."""
    return store_path.with_name(store_path.name + FRAME_FILE_SUFFIX)


def load_frame_file(path: Path, token: tuple[str, str]) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The frame saved for this data version, or None (missing, stale, unreadable:
    then it is rebuilt from SQL, 2.4 s at 100,000 incidents instead of 0.1 s)."""
    try:
        table = feather.read_table(path, memory_map=False)
        if (table.schema.metadata or {}).get(FRAME_TOKEN_KEY) != ":".join(token).encode():
            return None
        frame = table.to_pandas(types_mapper=ARROW_TYPES.get)
        rids = frame.pop(FRAME_RID_COLUMN).to_numpy(np.int64)
        return export.typed_frame(frame), rids
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.info("%s: frame file not used (%s)", path, exc)
        return None


def save_frame_file(target: Path, token: tuple[str, str], frame: pd.DataFrame,
                    rids: np.ndarray) -> None:
    """Best effort: a read-only folder or a full disk only costs the next start."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        table = pa.Table.from_pandas(frame.assign(**{FRAME_RID_COLUMN: rids}),
                                     preserve_index=False)
        table = table.replace_schema_metadata(
            {FRAME_TOKEN_KEY: ":".join(token).encode()})
        feather.write_feather(table, tmp, compression="lz4")
        os.replace(tmp, target)
    except (OSError, ValueError, pa.ArrowException) as exc:
        log.info("%s: frame file not saved (%s)", target, exc)
        with suppress(OSError):
            tmp.unlink()
