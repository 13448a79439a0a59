"""The pipeline stages the store's ingest calls: paths, fingerprint, load, extract."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from geo import pipeline
from geo.errors import ArticleError
from geo.model import Incident, Source

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GEO_OFFLINE", "1")
    monkeypatch.setenv("GEO_CACHE", str(tmp_path / "geocache.sqlite"))


@pytest.fixture(scope="module")
def geocoder() -> Iterator[Any]:
    """The real geocoder, offline (no provider), loaded once for the module."""
    from geo.geocoder import Geocoder

    g = Geocoder(online=[])
    yield g
    g.close()


def test_seed_articles_give_incidents_that_name_their_article(geocoder: object) -> None:
    assert SEEDS, "seeds/ has no article"
    total = 0
    for path in SEEDS:
        result = pipeline.process_file(path, geocoder)
        assert result.path == path and result.article.stem == path.stem
        for inc in result.incidents:
            assert [s.article_id for s in inc.sources] == [result.article.id]
            assert inc.sources[0].article == path.stem and inc.article == path.stem
            assert inc.incident_id
        total += len(result.incidents)
        # deterministic: the same file gives the same incidents
        assert pipeline.process_file(path, geocoder).incidents == result.incidents
    assert total > 0


def test_fingerprint_covers_the_file_and_its_sidecar(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    shutil.copy(SEEDS[0], article)
    first = pipeline.fingerprint(article)
    assert pipeline.fingerprint(article) == first
    sidecar = tmp_path / "a.meta.json"
    sidecar.write_text('{"source": "Le Monde"}', "utf-8")
    with_sidecar = pipeline.fingerprint(article)
    assert with_sidecar != first
    sidecar.write_text('{"source": "Libération"}', "utf-8")
    assert pipeline.fingerprint(article) != with_sidecar
    article.write_text(article.read_text("utf-8") + "\nOne more line.", "utf-8")
    assert pipeline.fingerprint(article) not in (first, with_sidecar)
    with pytest.raises(ArticleError, match=r"nothing\.txt: cannot read"):
        pipeline.fingerprint(tmp_path / "nothing.txt")


def test_expand_paths_sorts_dedupes_and_reports_missing_items(tmp_path: Path) -> None:
    for name in ("b.html", "a.txt", "a.meta.json", "notes.csv"):
        (tmp_path / name).write_text("x", "utf-8")
    paths, missing = pipeline.expand_paths([tmp_path, tmp_path / "a.txt", tmp_path / "gone"])
    assert paths == [tmp_path / "a.txt", tmp_path / "b.html"]
    assert [(Path(e.path).name, e.cause) for e in missing] == [("gone", "no such file or folder")]


def test_process_paths_goes_on_after_a_bad_file(tmp_path: Path, geocoder: object) -> None:
    shutil.copy(SEEDS[-1], tmp_path / "b_good.txt")
    (tmp_path / "a_empty.txt").write_text("", "utf-8")
    (tmp_path / "c_binary.txt").write_bytes(bytes(range(256)) * 20)
    out = list(pipeline.process_paths([tmp_path], geocoder))
    assert len(out) == 3
    assert isinstance(out[0], ArticleError) and "a_empty.txt" in str(out[0])
    assert isinstance(out[1], pipeline.ArticleResult) and out[1].incidents
    assert isinstance(out[2], ArticleError) and "c_binary.txt" in str(out[2])


def test_stamp_names_the_article_in_every_source() -> None:
    src = Source("Le Monde", article_id="abc", article="a")
    article = SimpleNamespace(id="abc", stem="a", source=src)
    bare = pipeline.stamp(Incident("x"), article)
    assert bare.sources == [src] and bare.article == "a"
    partial = pipeline.stamp(Incident("y", sources=[Source("AFP")], article="given"), article)
    assert partial.sources == [Source("AFP", article_id="abc", article="a")]
    assert partial.article == "given"


def test_fingerprint_refuses_an_oversized_file_before_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ingest fingerprints a file first: a huge file must not be loaded to be hashed."""
    monkeypatch.setenv("GEO_MAX_ARTICLE_BYTES", "1000")
    big = tmp_path / "big.txt"
    big.write_bytes(b"A prison was attacked. " * 100)

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    with pytest.raises(ArticleError, match=r"big\.txt: too large"):
        pipeline.fingerprint(big)


def test_seed_ambush_is_filed_under_the_department_its_point_lies_in(geocoder: Any) -> None:
    """The convoy ambush (Incarville toll plaza) is in the Eure; its approximate point is
    near the Seine-Maritime border, where the nearest commune used to decide."""
    result = pipeline.process_file(ROOT / "seeds" / "004_3bca5d6d07408c2f.txt", geocoder)
    (ambush,) = [i for i in result.incidents if "ambush" in i.types]
    assert ambush.geo_precision == "approximate"
    assert (ambush.department, ambush.region) == ("Eure", "Normandie")


def test_symbolic_links_out_of_the_folder_are_not_followed(tmp_path: Path) -> None:
    """Attack of issue 18, item 8: a link in the ingest folder to a private file
    elsewhere (mode 0600) must not be read and quoted as evidence."""
    import os

    from geo.store import Store

    secret = tmp_path / "private" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("Shots were fired at the prison of Toulon on Monday. SECRET-TOKEN-42.",
                      "utf-8")
    secret.chmod(0o600)
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "link.txt").symlink_to(secret)
    (folder / "inner.txt").write_text("Cars were set ablaze outside the prison of Nimes "
                                      "on Tuesday.", "utf-8")
    (folder / "inner.meta.json").symlink_to(secret)  # a sidecar link out too
    (folder / "ok.txt").write_text("A guard was assaulted at the prison of Fresnes.", "utf-8")
    (folder / "same.txt").symlink_to(folder / "ok.txt")  # inside the folder: fine
    paths, errors = pipeline.expand_paths([folder])
    assert [p.name for p in paths] == ["ok.txt", "same.txt"]
    causes = {Path(e.path).name: e.cause for e in errors}
    assert "symbolic link out of the folder articles: not followed" in causes["link.txt"]
    assert causes["inner.txt"].startswith("its sidecar is a symbolic link out")
    store = Store(tmp_path / "s.sqlite")
    report = store.ingest([folder], corrections_path=tmp_path / "none.json")
    assert {os.path.basename(p) for p, _ in report.failed} == {"link.txt", "inner.txt"}
    assert "SECRET-TOKEN-42" not in store.export_csv()
    store.close()
