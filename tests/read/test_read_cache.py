"""Reading with the build cache: the same Collection as an uncached load, only new or changed
files parsed, and the finished collection taken whole when nothing changed."""

from __future__ import annotations

import shutil

import pytest
from conftest import CONTENT, article_text, write_article

import qtconvert
from qtconvert.build import prepare
from qtconvert.cache import Cache
from qtconvert.config import Config
from qtconvert.read import articles, read_cache


@pytest.fixture
def parsed(monkeypatch):
    """The paths of the files parsed from now on (the cache's misses)."""
    seen: list[str] = []
    real = articles.article_from_bytes

    def spy(raw, path, **kwargs):
        seen.append(path)
        return real(raw, path, **kwargs)

    monkeypatch.setattr(articles, "article_from_bytes", spy)
    return seen


def crafted(folder):
    """A folder with every kind of outcome: good articles in two subjects and a subfolder, a
    warning, a YAML error, a non-UTF-8 file, a url clash, an output-name clash, a README."""
    write_article(folder, "a.md", url="/learn/mathematics/questions/a", id=1)
    write_article(folder, "b.md", url="/learn/mathematics/questions/b", id=2,
                  related_article1={"id": 1, "title": "A", "subject": "Mathematics",
                                    "url": "/learn/mathematics/questions/a"})
    write_article(folder / "chem", "c.md", url="/learn/chemistry/questions/c", id=3,
                  subject="Chemistry", answer="Water is $H_2O$.\\n\\n- one\\n- two")
    (folder / "warn.md").write_text(article_text(url="/learn/mathematics/questions/w")
                                    .replace("title: ", "title: Twice\ntitle: ", 1))
    (folder / "yaml.md").write_text("---\nid: [1\n---\n")
    (folder / "latin1.md").write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    write_article(folder, "same-url.md", url="/learn/mathematics/questions/a", id=4)
    write_article(folder, "same-name.md", url="/learn/mathematics/questions/b-", id=5)
    (folder / "README.md").write_text("not an article")


def same(one, two):
    assert one.articles == two.articles
    assert one.diagnostics == two.diagnostics
    assert one.base_url == two.base_url


def test_a_cached_load_is_an_uncached_one(tmp_path, parsed):
    crafted(tmp_path / "src")
    plain = qtconvert.load(tmp_path / "src")
    assert len(plain) == 4 and {d.severity for d in plain.diagnostics} == {"error", "warning"}
    assert len(plain.diagnostics) == 5
    cache = Cache(tmp_path / "cache")
    parsed.clear()
    cold = qtconvert.load(tmp_path / "src", cache=cache)
    assert len(parsed) == 8  # every file but the README
    same(cold, plain)
    parsed.clear()
    whole = qtconvert.load(tmp_path / "src", cache=cache)  # the finished collection
    each = qtconvert.load(tmp_path / "src", cache=cache, then=lambda c: c)  # file by file
    assert parsed == []
    same(whole, plain)
    same(each, plain)
    # the collection with what it was made of, and its four articles in one chunk
    assert len(list(cache.keys(read_cache.KIND + ":"))) == 2
    assert len(list(cache.keys(read_cache.KIND))) == 8 + 2


def test_an_edited_file_is_read_again_and_only_it(tmp_path, parsed):
    crafted(tmp_path / "src")
    cache = Cache(tmp_path / "cache")
    qtconvert.load(tmp_path / "src", cache=cache)
    write_article(tmp_path / "src", "a.md", url="/learn/mathematics/questions/a", id=1,
                  title="A new title")
    parsed.clear()
    c = qtconvert.load(tmp_path / "src", cache=cache)
    assert parsed == [str(tmp_path / "src" / "a.md")]
    assert c.by_url("/learn/mathematics/questions/a").title == "A new title"
    same(c, qtconvert.load(tmp_path / "src"))


def test_a_removed_file_disappears(tmp_path, parsed):
    crafted(tmp_path / "src")
    cache = Cache(tmp_path / "cache")
    before = qtconvert.load(tmp_path / "src", cache=cache)
    assert before.by_url("/learn/mathematics/questions/a").id == 1
    (tmp_path / "src" / "a.md").unlink()  # the first of two articles with this url
    parsed.clear()
    c = qtconvert.load(tmp_path / "src", cache=cache)
    assert parsed == []
    assert c.by_url("/learn/mathematics/questions/a").id == 4  # now the other one loads
    assert not any("a.md" in d.path for d in c.diagnostics)
    same(c, qtconvert.load(tmp_path / "src"))


def test_cached_diagnostics_are_still_reported(tmp_path):
    crafted(tmp_path / "src")
    cache = Cache(tmp_path / "cache")
    qtconvert.load(tmp_path / "src", cache=cache)
    for c in (qtconvert.load(tmp_path / "src", cache=cache),
              qtconvert.load(tmp_path / "src", cache=cache, then=lambda c: c)):
        found = {(d.path.removeprefix(str(tmp_path / "src") + "/"), d.field, d.severity)
                 for d in c.diagnostics}
        assert found == {("warn.md", "title", "warning"),
                         ("yaml.md", "(front matter)", "error"),
                         ("latin1.md", "(encoding)", "error"),
                         ("same-url.md", "url", "error"),
                         ("same-name.md", "url", "error")}


def test_a_moved_folder_is_not_parsed_again_and_names_its_new_paths(tmp_path, parsed):
    crafted(tmp_path / "src")
    cache = Cache(tmp_path / "cache")
    qtconvert.load(tmp_path / "src", cache=cache)
    shutil.move(tmp_path / "src", tmp_path / "moved")
    parsed.clear()
    c = qtconvert.load(tmp_path / "moved", cache=cache)
    assert parsed == []
    assert all(a.source_path.startswith(str(tmp_path / "moved")) for a in c)
    assert all(d.path.startswith(str(tmp_path / "moved")) for d in c.diagnostics)
    same(c, qtconvert.load(tmp_path / "moved"))


def test_a_new_base_url_or_file_name_is_a_new_entry(tmp_path, parsed):
    write_article(tmp_path / "src", "a.md", url="/learn/mathematics/questions/a")
    cache = Cache(tmp_path / "cache")
    qtconvert.load(tmp_path / "src", cache=cache)
    parsed.clear()
    c = qtconvert.load(tmp_path / "src", cache=cache, base_url="https://example.org/")
    assert len(parsed) == 1 and c.articles[0].canonical_url.startswith("https://example.org/")
    (tmp_path / "src" / "a.md").rename(tmp_path / "src" / "b.md")
    parsed.clear()
    qtconvert.load(tmp_path / "src", cache=cache)
    assert parsed == [str(tmp_path / "src" / "b.md")]


def test_prepare_with_a_cache_filters_once_and_gives_the_same_collection(tmp_path):
    cache = Cache(tmp_path / "cache")
    plain = prepare(CONTENT)
    same(prepare(CONTENT, cache=cache), plain)
    kept = prepare(CONTENT, cache=cache)
    same(kept, plain)
    assert any(link.target_url for a in kept for link in a.related)  # filtered
    # a filter of the project's own cannot be named in a key (its code may change): it runs
    (tmp_path / "mine.py").write_text(
        "from pathlib import Path\n"
        "def count(collection):\n"
        "    with open(Path(__file__).with_name('runs'), 'a') as f:\n"
        "        f.write('.')\n"
        "    return collection\n")
    config = Config(filters=("related-links", "mine.py:count"), base_dir=tmp_path)
    first = prepare(CONTENT, config, cache)
    second = prepare(CONTENT, config, cache)
    assert (tmp_path / "runs").read_text() == ".."
    same(first, second)


def test_a_deferred_cache_writes_nothing_until_flushed(tmp_path, parsed):
    """A build reads before its checks (`--strict`, a recipe) pass: until then, no cache
    folder is made; once flushed, the next build reads from it."""
    crafted(tmp_path / "src")
    cache = Cache(tmp_path / "out" / "cache")
    first = read_cache.Deferred(cache)
    qtconvert.load(tmp_path / "src", cache=first)
    assert not (tmp_path / "out").exists()
    first.flush()
    cache.close()
    parsed.clear()
    again = read_cache.Deferred(Cache(tmp_path / "out" / "cache"))
    kept = qtconvert.load(tmp_path / "src", cache=again)
    assert parsed == []
    same(kept, qtconvert.load(tmp_path / "src"))
