"""The JSON-LD writer's site-wide files: `all.ndjson` and the sitemaps describe every subject in
OUT after a build of one subject; sitemaps keep to the protocol's limits (50,000 addresses,
50 MB) with a sitemap index; gzip on request, byte for byte the same every time."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CONTENT, write_article

from qtconvert.build import build
from qtconvert.cli import main
from qtconvert.writers.base import BuildOptions, Progress
from qtconvert.writers.jsonld.sitemaps import (
    MAX_BYTES,
    MAX_URLS,
    gzip_bytes,
    sitemap_files,
)

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
W3C_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?")
BASE = "https://quicktakes.io"


_OWN = {"profile", "include_noindex", "sitemap_gzip"}  # JsonLdOptions fields


def jsonld(**options: object) -> BuildOptions:
    """A JSON-LD build: BuildOptions fields, and the format's own (`JsonLdOptions`)."""
    own = {k: v for k, v in options.items() if k in _OWN}
    common = {k: v for k, v in options.items() if k not in _OWN}
    return BuildOptions(formats=("jsonld",), format_options={"jsonld": own}, **common)


class Notes(Progress):
    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)


def _entries(root: ET.Element, kind: str) -> list[tuple[str, str]]:
    """(loc, lastmod) of each child of a parsed urlset or sitemapindex, checked as the protocol
    asks: the namespace, an absolute http(s) loc, a W3C date."""
    assert root.tag == NS + {"url": "urlset", "sitemap": "sitemapindex"}[kind]
    entries = []
    for child in root:
        assert child.tag == NS + kind
        loc, lastmod = child.findtext(NS + "loc"), child.findtext(NS + "lastmod")
        parts = urlsplit(loc)
        assert parts.scheme in ("http", "https") and parts.netloc, loc
        assert W3C_DATE.fullmatch(lastmod), lastmod
        entries.append((loc, lastmod))
    return entries


def read_sitemaps(folder: Path, base: str = BASE) -> tuple[list[str], list[tuple[str, str]]]:
    """(the file names the index in `folder` lists, every (loc, lastmod) of those files in
    order), after checking every file's structure, its limits and the index's lastmod."""
    index = _entries(ET.parse(folder / "sitemap.xml").getroot(), "sitemap")
    names, urls = [], []
    for loc, lastmod in index:
        assert loc.startswith(base + "/") and "/" not in loc[len(base) + 1:]  # the site's root
        name = loc[len(base) + 1:]
        data = (folder / name).read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        assert len(data) <= MAX_BYTES
        entries = _entries(ET.fromstring(data), "url")
        assert 0 < len(entries) <= MAX_URLS
        assert lastmod == max(d for _, d in entries)
        names.append(name)
        urls += entries
    return names, urls


def site_files(out: Path) -> dict[str, bytes]:
    """The site-wide files of OUT/jsonld: all.ndjson and every sitemap."""
    return {p.name: p.read_bytes() for p in sorted((out / "jsonld").iterdir())
            if p.is_file() and (p.name == "all.ndjson" or p.name.startswith("sitemap"))}


def pages(out: Path) -> list[str]:
    """The page address of each graph in OUT/jsonld/all.ndjson, in order."""
    return [json.loads(line)["@graph"][0]["url"]
            for line in (out / "jsonld" / "all.ndjson").read_text().splitlines()]


def url(subject: str, slug: str) -> str:
    return f"{BASE}/learn/{subject}/questions/{slug}"


def two_subjects(folder: Path) -> Path:
    """mathematics (a, b, and c marked no_index) and chemistry (d)."""
    for n, (subject, slug) in enumerate([("mathematics", "a"), ("mathematics", "b"),
                                         ("chemistry", "d")], 1):
        write_article(folder / subject, f"{slug}.md", id=n, subject=subject.title(),
                      url=f"/learn/{subject}/questions/{slug}", date=f"2024-0{n}-01")
    write_article(folder / "mathematics", "c.md", id=9, no_index=True, date="2025-01-01",
                  url="/learn/mathematics/questions/c")
    return folder


# -- a build of one subject keeps the others ---------------------------------------------------

def test_a_subject_build_keeps_every_subject_in_the_site_wide_files(tmp_path):
    build(CONTENT, tmp_path / "out", jsonld())
    whole = site_files(tmp_path / "out")
    build(CONTENT, tmp_path / "out", jsonld(subjects=("mathematics",)))
    assert site_files(tmp_path / "out") == whole  # byte for byte: nothing lost, same order
    # and a site built one subject at a time has the same site-wide files
    for subject in ("chemistry", "mathematics", "medicine", "business-and-management",
                    "accounting-and-finance", "computer-science"):
        build(CONTENT, tmp_path / "bits", jsonld(subjects=(subject,)))
    assert site_files(tmp_path / "bits") == whole


def test_the_site_wide_files_follow_the_subject_that_changed(tmp_path):
    source = two_subjects(tmp_path / "in")
    build(source, tmp_path / "out", jsonld())
    assert pages(tmp_path / "out") == [url("chemistry", "d"), url("mathematics", "a"),
                                       url("mathematics", "b")]
    (source / "mathematics" / "b.md").unlink()
    write_article(source / "mathematics", "e.md", id=5, url="/learn/mathematics/questions/e",
                  date="2024-06-30")
    build(source, tmp_path / "out", jsonld(subjects=("mathematics",)))
    expected = [url("chemistry", "d"), url("mathematics", "a"), url("mathematics", "e")]
    assert pages(tmp_path / "out") == expected
    names, urls = read_sitemaps(tmp_path / "out" / "jsonld")
    assert names == ["sitemap-chemistry.xml", "sitemap-mathematics.xml"]
    assert urls == [(expected[0], "2024-03-01"), (expected[1], "2024-01-01"),
                    (expected[2], "2024-06-30")]
    subject = tmp_path / "out" / "jsonld" / "mathematics" / "all.ndjson"
    assert [json.loads(line)["@graph"][0]["url"] for line in subject.read_text().splitlines()] \
        == expected[1:]


def test_no_index_articles_in_a_subject_build(tmp_path):
    source = two_subjects(tmp_path / "in")
    build(source, tmp_path / "out", jsonld())
    assert url("mathematics", "c") not in pages(tmp_path / "out")
    build(source, tmp_path / "out", jsonld(subjects=("mathematics",), include_noindex=True))
    assert pages(tmp_path / "out") == [url("chemistry", "d")] + [
        url("mathematics", s) for s in "abc"]
    assert (url("mathematics", "c"), "2025-01-01") in read_sitemaps(tmp_path / "out" / "jsonld")[1]


def test_a_rebuild_takes_the_shards_from_the_cache_and_follows_what_changed(tmp_path):
    source = two_subjects(tmp_path / "in")
    out = tmp_path / "out"
    first = build(source, out, jsonld())
    whole = site_files(out)
    again = build(source, out, jsonld())
    assert again.stats.per_format["jsonld"] == (2, 0) and again.written == ()
    assert site_files(out) == whole
    # --include-noindex is in every shard's key: the no_index article comes in
    build(source, out, jsonld(include_noindex=True))
    assert url("mathematics", "c") in pages(out)
    # an article marked no_index since leaves its subject's bundle and the sitemap
    write_article(source / "mathematics", "b.md", id=2, subject="Mathematics", no_index=True,
                  url="/learn/mathematics/questions/b", date="2024-02-01")
    changed = build(source, out, jsonld())
    assert changed.stats.per_format["jsonld"] == (1, 1)  # chemistry from the cache
    assert pages(out) == [url("chemistry", "d"), url("mathematics", "a")]
    assert url("mathematics", "b") not in dict(read_sitemaps(out / "jsonld")[1])
    assert first.stats.per_format["jsonld"] == (0, 2)


def test_clean_and_a_subject_removed_since(tmp_path):
    source = two_subjects(tmp_path / "in")
    out = tmp_path / "out"
    build(source, out, jsonld())
    shutil.rmtree(source / "chemistry")
    build(source, out, jsonld())  # without --clean, OUT still holds chemistry: still listed
    assert url("chemistry", "d") in pages(out)
    build(source, out, jsonld(clean=True))
    assert pages(out) == [url("mathematics", s) for s in "ab"]
    assert read_sitemaps(out / "jsonld")[0] == ["sitemap-mathematics.xml"]
    assert not (out / "jsonld" / "chemistry").exists()
    assert not (out / "jsonld" / "sitemap-chemistry.xml").exists()


def test_clean_with_a_subject_lists_that_subject_alone(tmp_path):
    source = two_subjects(tmp_path / "in")
    build(source, tmp_path / "out", jsonld())
    build(source, tmp_path / "out", jsonld(subjects=("chemistry",), clean=True))
    assert pages(tmp_path / "out") == [url("chemistry", "d")]
    assert read_sitemaps(tmp_path / "out" / "jsonld")[0] == ["sitemap-chemistry.xml"]
    assert not (tmp_path / "out" / "jsonld" / "mathematics").exists()


@pytest.mark.parametrize("damage, message", [
    (None, "has no all.ndjson (an older qtconvert made it): build --subject chemistry again"),
    (b"{not json\n", "all.ndjson: line 1 is not a graph qtconvert wrote; left out"),
    (b'{"@graph":[{"url":"https://example.org/learn/x","datePublished":"2024-01-01"}]}\n',
     "line 1: 'https://example.org/learn/x' is not under https://quicktakes.io"),
    (b'{"@graph":[{"url":"https://quicktakes.io/learn/x","datePublished":"soon"}]}\n',
     "line 1: datePublished 'soon' is not a date"),
])
def test_a_subject_that_cannot_be_read_back_is_left_out_with_a_note(tmp_path, damage, message):
    source = two_subjects(tmp_path / "in")
    out = tmp_path / "out"
    build(source, out, jsonld())
    bundle = out / "jsonld" / "chemistry" / "all.ndjson"
    bundle.unlink()
    if damage is not None:
        bundle.write_bytes(damage)
    progress = Notes()
    build(source, out, jsonld(subjects=("mathematics",)), progress)
    assert len(progress.notes) == 1 and message in progress.notes[0], progress.notes
    assert str(out / "jsonld" / "chemistry") in progress.notes[0]
    assert pages(out) == [url("mathematics", s) for s in "ab"]
    assert read_sitemaps(out / "jsonld")[0] == ["sitemap-mathematics.xml"]


# -- the protocol's limits --------------------------------------------------------------------

def _write(folder: Path, files: list[tuple[str, bytes]]) -> Path:
    folder.mkdir()
    for name, data in files:
        (folder / name).write_bytes(data)
    return folder


def test_a_small_limit_splits_each_subject_and_the_index_lists_the_parts(tmp_path, content):
    groups: dict[str, list[tuple[str, str]]] = {}
    for a in content:
        groups.setdefault(a.subject_key, []).append((a.canonical_url, a.date.isoformat()))
    files = sitemap_files(groups, BASE, max_urls=2)
    names, urls = read_sitemaps(_write(tmp_path / "s", files))
    assert urls == [e for key in sorted(groups) for e in groups[key]]  # all, once, in order
    expected = []
    for key in sorted(groups):
        parts = (len(groups[key]) + 1) // 2
        expected += [f"sitemap-{key}.xml"] + [f"sitemap-{key}.{n}.xml" for n in range(2, parts + 1)]
    assert names == expected and len(names) > len(groups)
    assert [name for name, _ in files] == ["sitemap.xml"] + expected


def test_a_small_byte_limit_splits_too(tmp_path):
    entries = [(f"{BASE}/learn/s/questions/q{n:03}", "2024-01-02") for n in range(100)]
    files = sitemap_files({"s": entries}, BASE, max_bytes=2000)  # about 20 addresses a file
    assert all(len(data) <= 2000 for _, data in files)
    names, urls = read_sitemaps(_write(tmp_path / "s", files))
    assert urls == entries and len(names) > 4


def test_50001_addresses_make_two_sitemaps_and_an_index(tmp_path):
    entries = [(f"{BASE}/learn/big/questions/q{n}", f"20{10 + n % 15}-0{1 + n % 9}-1{n % 10}")
               for n in range(MAX_URLS + 1)]
    files = sitemap_files({"big": entries}, BASE)
    assert [name for name, _ in files] == ["sitemap.xml", "sitemap-big.xml", "sitemap-big.2.xml"]
    names, urls = read_sitemaps(_write(tmp_path / "s", files))
    assert urls == entries
    assert [data.count(b"<url>") for _, data in files[1:]] == [MAX_URLS, 1]


def test_50_megabytes_is_a_limit_of_its_own(tmp_path):
    # 2,000-character addresses (the protocol allows up to 2,048): 26,000 of them pass 50 MB
    entries = [(f"{BASE}/learn/big/questions/{n:05}-" + "x" * 1960, "2024-05-06")
               for n in range(26_000)]
    files = sitemap_files({"big": entries}, BASE)
    assert len(files) == 3 and all(len(data) <= MAX_BYTES for _, data in files)
    assert len(files[1][1]) > MAX_BYTES - 3000  # the first is filled up to the limit
    assert read_sitemaps(_write(tmp_path / "s", files))[1] == entries


# -- gzip ---------------------------------------------------------------------------------------

def test_gzipped_sitemaps_are_deterministic_and_listed_by_the_index(tmp_path):
    assert main(["build", str(CONTENT), "-o", str(tmp_path / "a"), "-f", "jsonld", "-q",
                 "--sitemap-gzip"]) == 0
    build(CONTENT, tmp_path / "b", jsonld(sitemap_gzip=True))
    build(CONTENT, tmp_path / "plain", jsonld())
    gzipped = site_files(tmp_path / "a")
    assert gzipped == site_files(tmp_path / "b")
    names, urls = read_sitemaps(tmp_path / "a" / "jsonld")
    assert names and all(name.endswith(".xml.gz") for name in names)
    assert (names, urls) == ([n + ".gz" for n in read_sitemaps(tmp_path / "plain" / "jsonld")[0]],
                             read_sitemaps(tmp_path / "plain" / "jsonld")[1])
    for name in names:
        data = gzipped[name]
        # RFC 1952 header: no FNAME flag, modification time 0
        assert data[:4] == b"\x1f\x8b\x08\x00" and data[4:8] == b"\0\0\0\0"
        assert gzip.decompress(data) == (tmp_path / "plain" / "jsonld" / name[:-3]).read_bytes()


def test_gzip_bytes_is_a_plain_gzip_member():
    data = "ünïcode ".encode() * 10_000
    packed = gzip_bytes(data)
    assert gzip.decompress(packed) == data and packed == gzip_bytes(data)
    assert len(packed) < len(data) // 20


# -- FAQ rich results ------------------------------------------------------------------------

def test_the_faqpage_help_says_google_stopped_showing_faq_results(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    start = help_text.index("--jsonld-profile PROFILE page shape")
    profile = help_text[start:help_text.index("--include-noindex", start)]
    assert "faqpage" in profile and "no FAQ rich results since 7 May 2026" in profile
