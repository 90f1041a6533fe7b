"""The JSON-LD with the build cache: a shard's NDJSON lines are kept as their digest, and a
rebuild takes them from the subject's `all.ndjson` in OUT, or makes them again when that file
no longer holds them as they were; every rebuild gives the bytes of a full `--no-cache` build."""

from __future__ import annotations

import pickle
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from conftest import write_article

import qtconvert.writers.jsonld as jsonld_writer
from qtconvert.build import build
from qtconvert.cache import DATABASE
from qtconvert.model.urls import CACHE_FOLDER
from qtconvert.writers.base import BuildOptions
from qtconvert.writers.jsonld.kept_lines import KeptLines, from_bundle, line_starts

SUBJECT = "mathematics"
ARTICLES = 10
SHARD = 3  # articles per shard here: 4 shards, the last of one article


def lines(*texts: str) -> bytes:
    return "".join(t + "\n" for t in texts).encode()


def test_kept_lines_found_only_where_a_shard_begins_and_as_they_were():
    shard = lines("c", "d")
    bundle = lines("a", "b") + shard + lines("e")
    kept = KeptLines.of(shard)
    assert (kept.count, kept.size) == (2, len(shard))
    starts = line_starts(bundle)
    assert starts == [0, 2, 4, 6, 8, 10]
    assert from_bundle(kept, bundle, starts, 2) == shard
    assert from_bundle(kept, bundle, starts, 3) is None  # not at a shard's first line
    edited = bundle.replace(b"d", b"x")  # the same size, other bytes
    assert from_bundle(kept, edited, line_starts(edited), 2) is None
    assert from_bundle(kept, b"", line_starts(b""), 2) is None
    unended = bundle + b"f"  # a last line without its newline counts as a line
    assert line_starts(unended)[-2:] == [10, 11]
    assert from_bundle(KeptLines.of(lines("e", "f")), unended, line_starts(unended), 1) is None


def write_subject(root: Path) -> list[Path]:
    folder = root / "learn" / SUBJECT
    return [write_article(folder, f"q{n:02d}.md", id=100 + n, title=f"What is {n}?",
                          question=f"What is {n}?", answer=f"{n} is a **number**.",
                          url=f"/learn/{SUBJECT}/questions/q{n:02d}")
            for n in range(ARTICLES)]


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and CACHE_FOLDER not in p.parts
            and not p.name.startswith(".qtconvert")}


def edit(path: Path, n: int) -> None:
    path.write_text(path.read_text().replace("is a **number**", f"is a **number** ({n})"))


@pytest.fixture
def rendered(monkeypatch) -> list[int]:
    """Shards of `SHARD` articles, each made in this process (`jobs=1`): the number of
    articles of each shard made, in order, whether as a unit or again in `combine`."""
    monkeypatch.setattr(jsonld_writer, "SHARD", SHARD)
    made: list[int] = []
    render = jsonld_writer.render_shard

    def counted(articles, *args):
        made.append(len(articles))
        return render(articles, *args)

    monkeypatch.setattr(jsonld_writer, "render_shard", counted)
    return made


def test_rebuild_takes_kept_lines_from_the_bundle_in_out(rendered, tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    paths = write_subject(src)
    options = BuildOptions(formats=("jsonld",), jobs=1)
    first = build(src, out, options)
    assert first.stats.per_format["jsonld"] == (0, 4)
    with closing(sqlite3.connect(out / CACHE_FOLDER / DATABASE)) as db:
        kept = [pickle.loads(meta) for (meta,) in db.execute(
            "SELECT meta FROM entries WHERE kind = 'data:jsonld'")]
    assert len(kept) == 4 and all(isinstance(lines, KeptLines) for lines, _ in kept)
    bundle = (out / "jsonld" / SUBJECT / "all.ndjson").read_bytes()
    assert sum(lines.size for lines, _ in kept) == len(bundle)

    def rebuild_equals_full(what: str, n: int, made: int) -> None:
        edit(paths[4], n)  # in the second shard: the other three come from the cache
        rendered.clear()
        result = build(src, out, options)
        assert result.stats.per_format["jsonld"] == (3, 1), what
        assert len(rendered) == made, f"after {what}: {rendered} shards made"
        full = tmp_path / f"full-{n}"
        build(src, full, BuildOptions(formats=("jsonld",), jobs=1, cache=False))
        assert files_of(out) == files_of(full), f"after {what}, OUT differs from a full build"

    rebuild_equals_full("an answer edited", 1, made=1)  # the other lines from the bundle
    # the subject's bundle edited by hand, at the same size, in the third shard (articles 6
    # to 8): its lines are no longer there as they were, so they are made again
    path = out / "jsonld" / SUBJECT / "all.ndjson"
    path.write_bytes(path.read_bytes().replace(b"What is 8?", b"What is X?"))
    rebuild_equals_full("the bundle in OUT edited", 2, made=2)
    path.unlink()
    rebuild_equals_full("the bundle in OUT removed", 3, made=4)
