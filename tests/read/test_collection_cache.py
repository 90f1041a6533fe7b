"""A folder's kept collection, patched when a few files changed: after every kind of edit,
the same collection (articles, diagnostics, key entries) as reading the folder afresh, with
only the touched articles rewritten by the filters."""

from __future__ import annotations

import pytest
from conftest import write_article

from qtconvert.build import prepare
from qtconvert.cache import Cache
from qtconvert.filters import FilterChain
from qtconvert.model.keys import ArticleKeys
from qtconvert.read import collection_cache

MATHS = "/learn/mathematics/questions/"
PHYSICS = "/learn/physics/questions/"


def link(url, title="", ident=None):
    return {"id": ident, "title": title or url, "subject": "x", "url": url}


def folder_of_links(src):
    """Thirteen articles that find each other by url, by slug and by id, in answers and related
    links, one link to nowhere, and one pending cross-reference written by hand."""
    for n in range(8):
        write_article(src / "maths", f"m{n}.md", id=n, url=f"{MATHS}m{n}", title=f"M{n}",
                      answer=f"Answer {n}.")
    write_article(src / "maths", "by-url.md", id=20, url=f"{MATHS}by-url",
                  answer=f"See [m1]({MATHS}m1) and <https://quicktakes.io{MATHS}m2>.",
                  related_article1=link(f"{MATHS}m3"))
    write_article(src / "maths", "by-slug.md", id=21, url=f"{MATHS}by-slug",
                  related_article1=link("/learn/biology/questions/m4"),
                  related_article2=link("/learn/biology/questions/nowhere"))
    write_article(src / "maths", "by-id.md", id=22, url=f"{MATHS}by-id",
                  related_article1=link("/learn/gone/questions/lost", ident=5))
    write_article(src / "physics", "p.md", id=30, url=f"{PHYSICS}p", subject="Physics",
                  related_article1=link(f"{MATHS}m6"))
    # a cross-reference written by hand: the filters leave it, the key entry holds its target
    write_article(src / "physics", "q.md", id=31, url=f"{PHYSICS}q", subject="Physics",
                  answer=f"See [m5](qtref:{MATHS}m5).")


EDITS = {
    "an answer edited": lambda src: write_article(
        src / "maths", "m7.md", id=7, url=f"{MATHS}m7", title="M7", answer="Answer 7, longer."),
    "a linked title changed": lambda src: write_article(
        src / "maths", "m2.md", id=2, url=f"{MATHS}m2", title="M2, retitled", answer="Answer 2."),
    "a linked article removed": lambda src: (src / "maths" / "m3.md").unlink(),
    "an article added where a link pointed": lambda src: write_article(
        src / "maths", "nowhere.md", id=40, url=f"{MATHS}nowhere", title="Now here"),
    "a copy under the linking subject": lambda src: write_article(
        src / "physics", "m6.md", id=6, url=f"{PHYSICS}m6", subject="Physics", title="M6"),
    "an article sharing a linked id": lambda src: write_article(
        src / "physics", "five.md", id=5, url=f"{PHYSICS}five", subject="Physics",
        question="Another question"),
    "a related link added": lambda src: write_article(
        src / "maths", "m0.md", id=0, url=f"{MATHS}m0", title="M0", answer="Answer 0.",
        related_article1=link(f"{MATHS}m1")),
    "a file broken": lambda src: (src / "maths" / "m4.md").write_text("---\nid: [1\n---\n"),
    "the target of a hand-written cross-reference retitled": lambda src: write_article(
        src / "maths", "m5.md", id=5, url=f"{MATHS}m5", title="M5, retitled"),
}


@pytest.fixture
def watched(monkeypatch):
    """How each load was had, and how many articles the filters rewrote."""
    seen = {"how": [], "rewritten": []}
    load, rewrite = collection_cache.load, FilterChain.rewrite

    def spy_load(*args, **kwargs):
        collection, how = load(*args, **kwargs)
        seen["how"].append(how)
        return collection, how

    def spy_rewrite(self, collection, positions):
        seen["rewritten"].append(len(positions))
        return rewrite(self, collection, positions)

    monkeypatch.setattr(collection_cache, "load", spy_load)
    monkeypatch.setattr(FilterChain, "rewrite", spy_rewrite)
    return seen


@pytest.fixture
def kept(tmp_path):
    """(source folder, cache) after a first load of `folder_of_links`."""
    src = tmp_path / "src"
    folder_of_links(src)
    cache = Cache(tmp_path / "cache")
    prepare(src, cache=cache)
    return src, cache


def same_as_afresh(src, cache):
    patched = prepare(src, cache=cache)
    afresh = prepare(src)
    assert patched.articles == afresh.articles
    assert patched.diagnostics == afresh.diagnostics
    assert dict(patched.key_entries) == ArticleKeys(afresh).entries()
    return patched


@pytest.mark.parametrize("edit", EDITS)
def test_an_edit_patches_the_kept_collection_as_a_fresh_read_would(kept, watched, edit):
    src, cache = kept
    EDITS[edit](src)
    watched["how"].clear()
    watched["rewritten"].clear()
    same_as_afresh(src, cache)
    assert watched["how"][0] == "patched"
    assert 1 <= watched["rewritten"][0] < 6  # the touched articles only, not the thirteen
    same_as_afresh(src, cache)  # and the patched collection is kept in its turn
    assert watched["how"][1] == "kept"


def test_edits_one_after_another_stay_equal_to_fresh_reads(kept, watched):
    src, cache = kept
    for edit in EDITS.values():
        edit(src)
        same_as_afresh(src, cache)
    assert watched["how"].count("patched") == len(EDITS)


def test_a_clash_or_many_changes_read_the_folder_as_a_whole(kept, watched):
    src, cache = kept
    watched["how"].clear()
    write_article(src / "maths", "again.md", id=50, url=f"{MATHS}m1")  # m1's url
    same_as_afresh(src, cache)
    assert watched["how"][0] == "read"
    (src / "maths" / "again.md").unlink()  # kept with a clash: not patched from
    same_as_afresh(src, cache)
    assert watched["how"][1] == "read"
    for n in range(4):
        write_article(src / "maths", f"m{n}.md", id=n, url=f"{MATHS}m{n}", answer="Changed.")
    same_as_afresh(src, cache)
    assert watched["how"][2] == "read"


def test_a_pruned_chunk_reads_the_folder_as_a_whole(kept, watched):
    src, cache = kept
    chunks = list(cache.keys(collection_cache.CHUNK_KIND))
    assert chunks
    cache.discard(chunks[:1])
    cache.commit()
    watched["how"].clear()
    same_as_afresh(src, cache)
    assert watched["how"][0] == "read"
    same_as_afresh(src, cache)  # read whole, it is kept whole again
    assert watched["how"][1] == "kept"


def test_an_edit_replaces_its_chunk(kept):
    src, cache = kept
    before = set(cache.keys(collection_cache.CHUNK_KIND))
    EDITS["an answer edited"](src)
    prepare(src, cache=cache)
    after = set(cache.keys(collection_cache.CHUNK_KIND))
    assert len(after - before) == 1 and len(before - after) == 1
