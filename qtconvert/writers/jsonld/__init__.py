"""`--format jsonld`: schema.org JSON-LD per article, for search engines and bulk loading.

Writes `OUT/jsonld/<subject-key>/<slug>.jsonld` (the article's graph, see `jsonld_profiles`),
`<slug>.html` (the same graph as a `<script type="application/ld+json">` snippet that no answer
text can break out of), `OUT/jsonld/all.ndjson` (one compact graph per line) and
`OUT/jsonld/sitemap.xml`. Articles marked `no_index` are left out unless
`--include-noindex`. Output is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from ...model import Article
from ...model.urls import safe_name
from ..base import BuildOptions, Writer, option
from .answer_html import answer_html
from .profiles import CONTEXT, Site, article_graph, check_profile

__all__ = ["JsonLdWriter", "script_element"]

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
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
                          "faqpage; see docs/jsonld.md for when each applies", metavar="PROFILE")
    include_noindex: bool = option(False, "--include-noindex",
                                   "also export articles marked no_index: true")


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
        lines: list[str] = []
        self.progress.start(f"Writing JSON-LD ({self.profile})", len(articles))
        written = self.out.write_all(self._files(articles, lines))
        self.progress.done()
        written += self.out.write_all([
            (self.out.path("jsonld", "all.ndjson"), "".join(line + "\n" for line in lines)),
            (self.out.path("jsonld", "sitemap.xml"), sitemap(articles))])
        if len(articles) > SITEMAP_LIMIT:
            self.progress.note(f"sitemap.xml lists {len(articles)} addresses, more than the "
                               f"{SITEMAP_LIMIT} search engines read from one file")
        return written

    def _files(self, articles: list[Article], lines: list[str]) -> Iterator[tuple[Path, str]]:
        """The `.jsonld` and `.html` files of each article; its compact graph goes to `lines`."""
        shared = {id(node): _dumps(node) for node in self.site.nodes}  # the same in every graph
        head = '{"@context":' + _dumps(CONTEXT) + ',"@graph":['
        folders = {key: self.out.path("jsonld", key) for key in self.selected.subjects}
        for article in articles:
            nodes = [shared.get(id(node)) or _dumps(node) for node in self.graph(article)["@graph"]]
            lines.append(head + ",".join(nodes) + "]}")
            stem = folders[article.subject_key] / safe_name(article.slug)  # checked folder
            # one node per line: readable, and as fast as the compact form
            yield stem.with_suffix(".jsonld"), head + "\n" + ",\n".join(nodes) + "\n]}\n"
            yield stem.with_suffix(".html"), script_element(lines[-1])
            self.progress.advance()

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(value: Any) -> str:
    """Compact, deterministic JSON. U+2028/2029 are escaped so that line-based tools see one
    document per line."""
    text = _ENCODER.encode(value)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def sitemap(articles: list[Article]) -> str:
    """A sitemaps.org urlset: each article's canonical address with `lastmod` = its date."""
    entries = "".join(f"<url><loc>{xml_escape(a.canonical_url)}</loc>"
                      f"<lastmod>{a.date.isoformat()}</lastmod></url>\n" for a in articles)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + entries + "</urlset>\n")
