"""`--format jsonld`: schema.org JSON-LD per article, for search engines and bulk loading.

Writes `OUT/jsonld/<subject-key>/<slug>.jsonld` (the article's graph, see `profiles`),
`<slug>.html` (the same graph as a `<script type="application/ld+json">` snippet that no answer
text can break out of) and `<subject-key>/all.ndjson` (the subject's graphs, one per line).
Articles are rendered in units of at most `SHARD` articles of one subject (`render_shard`),
which give `combine` their compact lines and sitemap entries (the build cache keeps the
lines' digest only, and takes them from OUT again: `kept_lines`). The site-wide files,
`OUT/jsonld/all.ndjson` and the sitemaps (`sitemaps`), are made again at the end of every
build (`combine`) from the subjects written and every other subject's `all.ndjson` in OUT, so
a build of one subject keeps the others in them. Articles marked `no_index` are left out unless
`--include-noindex`. Output is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ...errors import BuildError
from ...model import Article, Collection
from ...model.keys import file_digest
from ...model.urls import safe_name
from ...render.links import Links, link_table
from ..base import BuildOptions, Result, Unit, Writer, option
from .html_subset import answer_html
from .kept_lines import KeptLines, from_bundle, line_starts
from .profiles import CONTEXT, Site, article_graph, check_profile
from .sitemaps import MAX_URLS, Entry, sitemap_files

__all__ = ["JsonLdWriter", "script_element"]

SHARD = 500  #: articles per unit, all of one subject
BUNDLE = "all.ndjson"  # in OUT/jsonld/ for the site, in each subject's folder for the subject
_SUBJECT_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")  # as in an article's url
_W3C_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# In a <script> element, `</script` or `<!--` inside a string would end or confuse the element;
# U+2028/2029 end a line in older JavaScript parsers. The JSON escapes keep the same data.
_SCRIPT_UNSAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                  ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def script_element(compact_json: str) -> str:
    """A JSON text as an HTML `<script type="application/ld+json">` element, safe to paste."""
    for char, escape in _SCRIPT_UNSAFE:  # str.replace: far faster than str.translate here
        compact_json = compact_json.replace(char, escape)
    return '<script type="application/ld+json">' + compact_json + "</script>\n"


@dataclass(frozen=True)
class JsonLdOptions:
    """`--format jsonld`'s own options."""

    profile: str = option("learning-resource", "--jsonld-profile",
                          "page shape: learning-resource (default), article, qapage or "
                          "faqpage (Google has shown no FAQ rich results since 7 May 2026; for "
                          "other consumers); see docs/jsonld.md for when each applies",
                          metavar="PROFILE")
    include_noindex: bool = option(False, "--include-noindex",
                                   "also export articles marked no_index: true")
    sitemap_gzip: bool = option(False, "--sitemap-gzip",
                                "write the sitemaps that sitemap.xml lists gzipped (.xml.gz)")


class JsonLdWriter(Writer):
    """schema.org JSON-LD graphs, their HTML snippets, an NDJSON bundle and a sitemap."""

    name = "jsonld"
    suffix = ".jsonld"
    description = "schema.org JSON-LD per article, an NDJSON bundle and a sitemap"
    Options = JsonLdOptions

    @classmethod
    def check_options(cls, options: BuildOptions) -> None:
        check_profile(options.for_format(cls).profile)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile = check_profile(self.format_options.profile)
        self.site = Site(self.collection.base_url)

    def uri_for(self, target: Article, source: Article) -> str | None:
        """The web address: JSON-LD describes the pages of the site, wherever they are built."""
        return web_address(target, source)

    def exported(self) -> list[Article]:
        """The selected articles, without `no_index` ones unless asked to include them."""
        return [a for a in self.selected if self.format_options.include_noindex or not a.no_index]

    def shards(self) -> dict[str, list[tuple[Article, ...]]]:
        """Subject key -> its exported articles in shards of at most `SHARD`, for every
        selected subject (one whose articles are all `no_index` has none)."""
        shards: dict[str, list[tuple[Article, ...]]] = {key: [] for key in self.selected.subjects}
        exported: dict[str, list[Article]] = {key: [] for key in shards}
        for a in self.exported():
            exported[a.subject_key].append(a)
        for key, articles in exported.items():
            shards[key] = [tuple(articles[i:i + SHARD]) for i in range(0, len(articles), SHARD)]
        return shards

    def units(self) -> list[Unit]:
        """One unit per shard. A shard holds only the articles this build exports (the
        `no_index` rule is applied here, and `--include-noindex` is among the options every
        key holds, with the profile), so its key is that of its articles and of the articles
        they link to."""
        units = []
        for key, shards in self.shards().items():
            for n, shard in enumerate(shards):
                units.append(Unit(_shard_name(key, n), self.unit_key(shard),
                                  render_shard, partial(self._shard_args, shard),
                                  keep_files=False))
        return units

    def _shard_args(self, shard: tuple[Article, ...]) -> tuple:
        return (shard, link_table(self.collection, shard), self.profile, self.site,
                self.options.cache)

    def combine(self, results: Mapping[str, Result]) -> Result:
        """Each written subject's `all.ndjson` from its shards' lines, then the site's
        `all.ndjson` and sitemaps: of the subjects written, and of the others in OUT unless
        `--clean` is about to remove them."""
        bundles: dict[str, bytes] = {}
        entries: dict[str, list[Entry]] = {}
        for key, shards in self.shards().items():
            parts = [results[_shard_name(key, n)].data for n in range(len(shards))]
            bundles[key] = b"".join(self._lines(key, shards, parts))
            entries[key] = [entry for part in parts for entry in part[1]]
        files = [(f"jsonld/{safe_name(key)}/{BUNDLE}", data) for key, data in bundles.items()]
        notes: list[str] = []
        if not self.options.clean:
            for key, (data, found) in self._other_subjects(set(bundles), notes).items():
                bundles[key], entries[key] = data, found
        files.append((f"jsonld/{BUNDLE}", b"".join(bundles[key] for key in sorted(bundles))))
        sitemaps = sitemap_files(entries, self.collection.base_url,
                                 gzip=self.format_options.sitemap_gzip)
        if len(sitemaps) - 1 > MAX_URLS:
            notes.append(f"sitemap.xml lists {len(sitemaps) - 1} sitemaps, more than the "
                         f"{MAX_URLS} search engines read from one index")
        files += [(f"jsonld/{name}", data) for name, data in sitemaps]
        return Result(tuple(files), tuple(notes))

    def data_to_keep(self, data: tuple) -> tuple[KeptLines, tuple[Entry, ...]]:
        """A shard's lines as their digest (see `kept_lines`; made where the shard was), and
        its sitemap entries."""
        lines, entries, kept = data
        return kept or KeptLines.of(lines), entries

    def _lines(self, key: str, shards: list[tuple[Article, ...]], parts: list[tuple]
               ) -> Iterator[bytes]:
        """The NDJSON lines of each shard of subject `key`: as made, or for a shard from the
        cache (`KeptLines`) from the subject's `all.ndjson` in OUT, made again here when they
        are not there as they were (a bundle removed or edited)."""
        bundle: bytes | None = None
        starts: list[int] = []
        for shard, part in zip(shards, parts, strict=True):
            lines = part[0]
            if isinstance(lines, KeptLines):
                if bundle is None:
                    bundle = self._bundle_in_out(key)
                    starts = line_starts(bundle)
                found = from_bundle(lines, bundle, starts, SHARD)
                lines = found if found is not None else render_shard(
                    *self._shard_args(shard)).data[0]
            yield lines

    def _bundle_in_out(self, key: str) -> bytes:
        """Subject `key`'s `all.ndjson` in OUT (empty when it has none, or a link takes it out
        of OUT)."""
        try:
            path = self.out.path("jsonld", key, BUNDLE)  # (resolved, and refused outside OUT)
            return path.read_bytes() if path.is_file() else b""
        except (BuildError, OSError):
            return b""

    def combine_key(self) -> Hashable:
        """`combine` reads the selected subjects (one with nothing to export has no unit but
        a bundle), the options below, OUT's place (its notes name it) and, unless `--clean`,
        the bundles of the other subjects in OUT. It also reads the bundles of the subjects it
        writes (`_lines`), but its output does not depend on them: lines taken from them are
        checked against their digests, and made again when they differ."""
        subjects = tuple(self.shards())
        others = () if self.options.clean else tuple(
            (key, None if bundle is None else file_digest(bundle.read_bytes()))
            for key, bundle in self._other_bundles(set(subjects)))
        return (subjects, self.collection.base_url, self.format_options.sitemap_gzip,
                self.options.clean, str(self.out.root), others)

    def _other_bundles(self, built: set[str]) -> list[tuple[str, Path | None]]:
        """(subject key, its `all.ndjson`, None when there is none) of each subject folder in
        OUT/jsonld that this build does not write."""
        top = self.out.path("jsonld")
        if not top.is_dir():
            return []
        found = []
        for folder in sorted(top.iterdir()):
            key = folder.name
            if key in built or not _SUBJECT_KEY.fullmatch(key) or folder.is_symlink() \
                    or not folder.is_dir():
                continue
            bundle = folder / BUNDLE
            found.append((key, None if bundle.is_symlink() or not bundle.is_file() else bundle))
        return found

    def _other_subjects(self, built: set[str], notes: list[str]
                        ) -> dict[str, tuple[bytes, list[Entry]]]:
        """Subject key -> (its `all.ndjson`, its sitemap entries) for each subject folder in
        OUT/jsonld that this build did not write; one that cannot be read is left out, with a
        note. Only `combine`, on the build driver, reads OUT."""
        found: dict[str, tuple[bytes, list[Entry]]] = {}
        for key, bundle in self._other_bundles(built):
            if bundle is None:
                notes.append(f"{self.out.path('jsonld', key)} has no {BUNDLE} (an older "
                             f"qtconvert made it): build --subject {key} again to list it in "
                             f"sitemap.xml and {BUNDLE}")
                continue
            data = bundle.read_bytes()
            try:
                found[key] = data, _entries(data, self.collection.base_url)
            except ValueError as error:
                notes.append(f"{bundle}: {error}; left out of sitemap.xml and {BUNDLE} "
                             f"(build --subject {key} again)")
        return found


def web_address(target: Article, source: Article) -> str | None:
    """Where a JSON-LD graph links an article: its web address, wherever it is built."""
    return target.canonical_url


def _shard_name(subject_key: str, n: int) -> str:
    return f"{subject_key}-{n}"


def render_shard(articles: tuple[Article, ...], table: Collection, profile: str, site: Site,
                 cached: bool = False) -> Result:
    """One unit: the `.jsonld` and `.html` files of `articles` (`table` holds every article
    they link to), and as `data` their NDJSON lines (bytes, in order), their sitemap entries
    (address, date) and, when the build keeps a cache (`cached`), the lines' digest
    (`KeptLines`, else None): made here rather than by the build's driver."""
    links = Links(table, web_address)
    shared = {id(node): _dumps(node) for node in site.nodes}  # the same in every graph
    head = '{"@context":' + _dumps(CONTEXT) + ',"@graph":['
    files: list[tuple[str, bytes]] = []
    lines: list[str] = []
    for article in articles:
        text = answer_html(article.answer, links.resolver(article), article.canonical_url)
        related = list(dict.fromkeys(links.related_href(link, article)
                                     for link in article.listed_related))
        graph = article_graph(article, profile, site, text, related)
        nodes = [shared.get(id(node)) or _dumps(node) for node in graph["@graph"]]
        compact = head + ",".join(nodes) + "]}"
        lines.append(compact + "\n")
        stem = f"jsonld/{safe_name(article.subject_key)}/{safe_name(article.slug)}"
        # one node per line: readable, and as fast as the compact form
        files.append((stem + ".jsonld",
                      (head + "\n" + ",\n".join(nodes) + "\n]}\n").encode("utf-8")))
        files.append((stem + ".html", script_element(compact).encode("utf-8")))
    entries = tuple((a.canonical_url, a.date.isoformat()) for a in articles)
    data = "".join(lines).encode("utf-8")
    return Result(tuple(files), data=(data, entries, KeptLines.of(data) if cached else None))


def _entries(bundle: bytes, base_url: str) -> list[Entry]:
    """The sitemap entries of a subject's `all.ndjson`: each page's `url` and `datePublished`
    (the page is the first node of every graph); ValueError naming the line that is not."""
    entries = []
    for n, line in enumerate(bundle.splitlines(), 1):
        try:
            page = json.loads(line)["@graph"][0]
            url, date = page["url"], page["datePublished"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise ValueError(f"line {n} is not a graph qtconvert wrote") from None
        if not isinstance(url, str) or not url.startswith(base_url + "/"):
            raise ValueError(f"line {n}: {str(url)[:100]!r} is not under {base_url} (built with "
                             "another --base-url)")
        if not isinstance(date, str) or not _W3C_DATE.fullmatch(date):
            raise ValueError(f"line {n}: datePublished {str(date)[:40]!r} is not a date")
        entries.append((url, date))
    return entries


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(value: Any) -> str:
    """Compact, deterministic JSON. U+2028/2029 are escaped so that line-based tools see one
    document per line."""
    text = _ENCODER.encode(value)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
