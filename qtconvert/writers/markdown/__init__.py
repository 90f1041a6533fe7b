"""`--format markdown`: one clean Markdown file per article, readable back by `qtconvert.load`.

`OUT/markdown/<subject-key>/<slug>.md` holds YAML front matter (the article's fields under
their own names) and the answer as ordinary Markdown, followed by the related questions as a
list of links (see `plain_markdown`). Links to articles written in the same build are relative
paths to the file; links to any other article are canonical web addresses. The file renders as
written in CommonMark viewers, MkDocs, Hugo and Jekyll (see docs/markdown.md).
"""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ...model import Article, Collection, plain_markdown
from ...model.urls import QTREF_SCHEME, safe_name
from ...render.links import Links, link_table
from ..base import Result, Unit, Writer

__all__ = ["MarkdownWriter"]

_QTREF = re.compile(re.escape(QTREF_SCHEME) + r"/learn/[a-z0-9-]+/questions/[a-z0-9-]+")
_UNSAFE_IN_HREF = re.compile(r"[\s<>]")


SHARD = 500  #: articles per unit


class MarkdownWriter(Writer):
    """Plain Markdown with YAML front matter; the round trip through `load` is lossless."""

    name = "markdown"
    suffix = ".md"
    description = "plain Markdown with YAML front matter, one file per article (readable back)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._renderer = MarkdownRenderer(self.collection, frozenset(
            a.url for a in self.selected))

    def path_of(self, article: Article) -> Path:
        """The output file of an article (the slug may be shortened to a safe file name)."""
        return self.out.relative(relative_path(article))

    def uri_for(self, target: Article, source: Article) -> str | None:
        return self._renderer.uri_for(target, source)

    def units(self) -> list[Unit]:
        """Shards of at most `SHARD` articles of one subject. A shard's key holds its articles,
        the face of each article they link to, and which subjects this build writes (a link
        to an article written in the same build is a relative path, else its web address)."""
        built = tuple(sorted(self.selected.subjects))
        units = []
        for key in self.selected.subjects:
            articles = self.selected.by_subject(key)
            for n, start in enumerate(range(0, len(articles), SHARD)):
                shard = articles[start:start + SHARD]
                units.append(Unit(f"{key}-{n}", self.unit_key(shard, built), render_shard,
                                  partial(self._shard_args, shard), keep_files=False))
        return units

    def _shard_args(self, shard: tuple[Article, ...]) -> tuple:
        """`render_shard`'s arguments: the shard, the articles it links to, and which of
        those this build writes."""
        table = link_table(self.collection, shard)
        return shard, table, frozenset(a.url for a in table if a.url in self._renderer.built)

    def render(self, article: Article) -> str:
        """The whole file of one article (see `MarkdownRenderer.render`)."""
        return self._renderer.render(article)


def relative_path(article: Article) -> str:
    """`markdown/<subject-key>/<safe slug>.md`: an article's file inside OUT."""
    return f"markdown/{safe_name(article.subject_key)}/{safe_name(article.slug)}.md"


def render_shard(articles: tuple[Article, ...], table: Collection, built: frozenset[str]
                 ) -> Result:
    """One unit: the files of `articles`, linking inside `built` (article urls this build
    writes) and to the web elsewhere; `table` holds every article they link to."""
    renderer = MarkdownRenderer(table, built)
    return Result(tuple((relative_path(a), renderer.render(a).encode("utf-8"))
                        for a in articles))


class MarkdownRenderer:
    """Renders articles to Markdown files; `built`: the urls of the articles written in this
    build (links to them are relative paths)."""

    def __init__(self, table: Collection, built: frozenset[str]) -> None:
        self.built = built
        self._links = Links(table, self.uri_for)

    def uri_for(self, target: Article, source: Article) -> str | None:
        """`../<subject-key>/<file>.md` when this build writes `target`, else None.

        Always through the parent folder, so that the link says which subject it goes to; no
        fragment: the target's `anchor` lives in its front matter, never in a rendered page.
        """
        if target.url not in self.built:
            return None
        return "../" + relative_path(target).split("/", 1)[1]

    def render(self, article: Article) -> str:
        """The whole file: front matter, answer, related questions.

        The answer's links are made safe (`plain_markdown.safe_links`) and its headings moved
        so that the highest is h2, the level of "Related questions" under the page title.
        """
        answer = plain_markdown.safe_links(self._resolve_links(article))
        shift = plain_markdown.heading_shift(answer)
        hrefs = [_safe_href(self._links.related_href(link, article)) for link in article.related]
        lines = [
            f"id: {article.id}",
            f"title: {yaml_scalar(article.title)}",
            f"question: {yaml_scalar(article.question)}",
            f"date: {article.date.isoformat()}",
            f"subject: {yaml_scalar(article.subject)}",
            f"url: {yaml_scalar(article.url)}",
            f"canonical_url: {yaml_scalar(article.canonical_url)}",
            f"anchor: {article.anchor}",
            f"author: {yaml_scalar(article.author)}",
            f"description: {yaml_scalar(article.description)}",
            "keywords:" + "".join(f"\n- {yaml_scalar(k)}" for k in article.keywords)
            if article.keywords else "keywords: []",
        ]
        if article.no_index:
            lines.append("no_index: true")
        if shift:
            lines.append(f"heading_shift: {shift}")
        lines.append("render_with_liquid: false")  # Jekyll: `{{` in C code and TeX is text
        if article.related:
            lines.append("related:")
        for link, href in zip(article.related, hrefs):
            lines += [f"- id: {'null' if link.id is None else link.id}",
                      f"  title: {yaml_scalar(link.title)}", f"  subject: {yaml_scalar(link.subject)}",
                      f"  url: {yaml_scalar(link.url)}", f"  href: {yaml_scalar(href)}"]
        front = "\n".join(lines) + "\n"
        answer = plain_markdown.escape_html(plain_markdown.shift_headings(answer, shift))
        href_of = dict(zip(article.related, hrefs))  # the body lists each question once
        related = plain_markdown.related_block(
            (link.title, href_of[link]) for link in article.listed_related)
        return f"---\n{front}---\n\n{answer}" + (related or "\n")

    def _resolve_links(self, article: Article) -> str:
        """The answer with each pending `qtref:` link turned into its address (outside code)."""
        text = article.answer
        if QTREF_SCHEME not in text:
            return text
        resolve = self._links.resolver(article)
        return plain_markdown.outside_code(text, lambda stretch: _QTREF.sub(
            lambda m: _safe_href(resolve(m.group())), stretch))


# A string that YAML reads back as the same string when written bare: starts with a letter, `/`
# or `../`, holds no indicator (`: `, ` #`, quotes), does not end in a space or `:` and is not
# a YAML 1.1 bool or null. Anything else is double-quoted.
_PLAIN = re.compile(r"(?:[^\W\d_]|/|\.\./)[\w ,.?!()'/&+%;=*@$~:-]*")
_NOT_STRINGS = frozenset("yes no true false on off null".split())
# Characters a double-quoted YAML scalar must escape: controls, line and paragraph
# separators (YAML folds them), the BOM and non-characters; JSON escapes are valid YAML.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def yaml_scalar(text: str) -> str:
    """A YAML scalar for `text`: bare when that is safe, else double-quoted.

    Hand-written because PyYAML's Python representer took most of the export time; the
    round-trip tests check it against `yaml.safe_load`.
    """
    if (_PLAIN.fullmatch(text) and text[-1] not in " :" and ": " not in text
            and text.lower() not in _NOT_STRINGS):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _safe_href(href: str) -> str:
    """An address that cannot end a Markdown link early (`(<..>)` holds no space or `<>`)."""
    return _UNSAFE_IN_HREF.sub(lambda m: quote(m.group(), safe=""), href)
