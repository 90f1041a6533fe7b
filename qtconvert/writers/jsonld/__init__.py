"""`--format jsonld`: schema.org JSON-LD per article, for search engines and bulk loading.

Writes `OUT/jsonld/<subject-key>/<slug>.jsonld` (the article's graph, see `profiles`),
`<slug>.html` (the same graph as a `<script type="application/ld+json">` snippet that no answer
text can break out of) and `<subject-key>/all.ndjson` (the subject's graphs, one per line).
The site-wide files, `OUT/jsonld/all.ndjson` and the sitemaps (`sitemaps`), are made again at
the end of every build from every subject's `all.ndjson` in OUT, so a build of one subject
keeps the others in them. Articles marked `no_index` are left out unless
`--include-noindex`. Output is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...model import Article
from ...model.urls import safe_name
from ..base import BuildOptions, Writer, option
from .html_subset import answer_html
from .profiles import CONTEXT, Site, article_graph, check_profile
from .sitemaps import MAX_URLS, Entry, sitemap_files

__all__ = ["JsonLdWriter", "script_element"]

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
        self._links = self.links()

    def uri_for(self, target: Article, source: Article) -> str | None:
        """The web address: JSON-LD describes the pages of the site, wherever they are built."""
        return target.canonical_url

    def exported(self) -> list[Article]:
        """The selected articles, without `no_index` ones unless asked to include them."""
        return [a for a in self.selected if self.format_options.include_noindex or not a.no_index]

    def graph(self, article: Article) -> dict[str, Any]:
        """The JSON-LD document of one article."""
        text = answer_html(article.answer, self._links.resolver(article), article.canonical_url)
        related = list(dict.fromkeys(self._links.related_href(link, article)
                                     for link in article.listed_related))
        return article_graph(article, self.profile, self.site, text, related)

    def write(self) -> list[Path]:
        articles = self.exported()
        lines: dict[str, list[str]] = {key: [] for key in self.selected.subjects}
        self.progress.start(f"Writing JSON-LD ({self.profile})", len(articles))
        written = self.out.write_all(self._files(articles, lines))
        self.progress.done()
        return written + self.out.write_all(self._bundles_and_sitemaps(articles, lines))

    def _bundles_and_sitemaps(self, articles: list[Article], lines: dict[str, list[str]]
                              ) -> list[tuple[Path, bytes]]:
        """Each written subject's `all.ndjson`, then the site's `all.ndjson` and sitemaps: of
        the subjects written, and of the others in OUT unless `--clean` is about to remove
        them."""
        bundles = {key: "".join(line + "\n" for line in graphs).encode()
                   for key, graphs in lines.items()}
        entries: dict[str, list[Entry]] = {key: [] for key in lines}
        for a in articles:
            entries[a.subject_key].append((a.canonical_url, a.date.isoformat()))
        files = [(self.out.path("jsonld", key, BUNDLE), data) for key, data in bundles.items()]
        if not self.options.clean:
            for key, (data, found) in self._other_subjects(set(lines)).items():
                bundles[key], entries[key] = data, found
        files.append((self.out.path("jsonld", BUNDLE),
                      b"".join(bundles[key] for key in sorted(bundles))))
        sitemaps = sitemap_files(entries, self.collection.base_url,
                                 gzip=self.format_options.sitemap_gzip)
        if len(sitemaps) - 1 > MAX_URLS:
            self.progress.note(f"sitemap.xml lists {len(sitemaps) - 1} sitemaps, more than the "
                               f"{MAX_URLS} search engines read from one index")
        return files + [(self.out.path("jsonld", name), data) for name, data in sitemaps]

    def _other_subjects(self, built: set[str]) -> dict[str, tuple[bytes, list[Entry]]]:
        """Subject key -> (its `all.ndjson`, its sitemap entries) for each subject folder in
        OUT/jsonld that this build did not write; one that cannot be read is left out, with a
        note."""
        top = self.out.path("jsonld")
        found: dict[str, tuple[bytes, list[Entry]]] = {}
        if not top.is_dir():
            return found
        for folder in sorted(top.iterdir()):
            key = folder.name
            if key in built or not _SUBJECT_KEY.fullmatch(key) or folder.is_symlink() \
                    or not folder.is_dir():
                continue
            bundle = folder / BUNDLE
            if bundle.is_symlink() or not bundle.is_file():
                self.progress.note(f"{folder} has no {BUNDLE} (an older qtconvert made it): build "
                                   f"--subject {key} again to list it in sitemap.xml and "
                                   f"{BUNDLE}")
                continue
            data = bundle.read_bytes()
            try:
                found[key] = data, _entries(data, self.collection.base_url)
            except ValueError as error:
                self.progress.note(f"{bundle}: {error}; left out of sitemap.xml and {BUNDLE} "
                                   f"(build --subject {key} again)")
        return found

    def _files(self, articles: list[Article], lines: dict[str, list[str]]
               ) -> Iterator[tuple[Path, str]]:
        """The `.jsonld` and `.html` files of each article; its compact graph goes to
        `lines[subject key]`."""
        shared = {id(node): _dumps(node) for node in self.site.nodes}  # the same in every graph
        head = '{"@context":' + _dumps(CONTEXT) + ',"@graph":['
        folders = {key: self.out.path("jsonld", key) for key in self.selected.subjects}
        for article in articles:
            nodes = [shared.get(id(node)) or _dumps(node) for node in self.graph(article)["@graph"]]
            compact = head + ",".join(nodes) + "]}"
            lines[article.subject_key].append(compact)
            stem = folders[article.subject_key] / safe_name(article.slug)  # checked folder
            # one node per line: readable, and as fast as the compact form
            yield stem.with_suffix(".jsonld"), head + "\n" + ",\n".join(nodes) + "\n]}\n"
            yield stem.with_suffix(".html"), script_element(compact)
            self.progress.advance()


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
