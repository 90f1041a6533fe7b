"""Cross-references between articles: found once, format-neutral; each writer resolves them.

Two built-in filters live here. `resolve_related` resolves every `related_articleN` to an
article of the collection; `mark_answer_links` turns each link inside an answer that points at
a QuickTakes article into a pending reference `qtref:<url>` (the target's `url`). Writers turn
both into addresses through `Writer.uri_for` ("where does X live in my output, seen from Y?");
a target with no address in an output falls back to its canonical web address.

Resolution order for a link to `/learn/<subject>/questions/<slug>`: the `url`; when it misses,
the same slug under another subject; then the `id` when it is unique. A target filed under
several subjects resolves to the copy under the linking article's own subject when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..model import Article, Collection, Diagnostic, RelatedLink, plain_markdown
from ..model.lookups import id_key, slug_key, slug_of
from ..model.urls import QTREF_SCHEME, parse_article_url, pending_target

__all__ = ["Resolver", "ArticleFilter", "parse_article_url", "resolve_related",
           "mark_answer_links", "QTREF_SCHEME", "pending_target", "RelatedCounts",
           "related_counts"]

class Resolver:
    """Finds the article a link points at, and says by which rule."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    def resolve(self, url: str | None, article_id: int | None, source: Article
                ) -> tuple[Article | None, str]:
        """(target or None, rule) where rule is "url", "slug", "id" or "" when unresolved."""
        c = self.collection
        target, rule = None, ""
        if url is not None:
            target = c.by_url(url)
            rule = "url" if target is not None else ""
            if target is None:
                target = self._prefer_subject(c.by_slug(slug_of(url)), source)
                rule = "slug" if target is not None else ""
        if target is None and article_id is not None:
            copies = c.by_id(article_id)
            if len(copies) == 1 or len({a.question for a in copies}) == 1:
                target = self._prefer_subject(copies, source)
                rule = "id" if target is not None else ""
        if target is not None and target.subject_key != source.subject_key:
            # the same article filed under the linking article's subject, if there is one
            for copy in c.by_id(target.id):
                if copy.subject_key == source.subject_key and copy.slug == target.slug:
                    return copy, rule
        return target, rule

    @staticmethod
    def _prefer_subject(candidates: tuple[Article, ...], source: Article) -> Article | None:
        for a in candidates:
            if a.subject_key == source.subject_key:
                return a
        return candidates[0] if candidates else None


def lookups(url: str | None, article_id: int | None) -> Iterator[str]:
    """The lookups `Resolver.resolve(url, article_id, ...)` may make (`model.lookups`): any
    article it may lead to is found under one of them (an article found by url has the url's
    slug; a copy filed under the linking subject has the slug of an article found by url or
    slug, and the id of one found by id)."""
    if url is not None:
        yield slug_key(slug_of(url))
    if article_id is not None:
        yield id_key(article_id)


@dataclass(frozen=True)
class ArticleFilter:
    """A filter that rewrites each article on its own, finding the others only through a
    `Resolver`: run on some articles of a collection, it gives them what a run on all gives
    them. `references` names the lookups an article's rewrite may make, so that a rebuild can
    rewrite only the articles an edit touches (`model.lookups`)."""

    rewrite: Callable[[Article, Resolver, list[Diagnostic]], Article]
    references: Callable[[Article], Iterator[str]]

    def __call__(self, collection: Collection) -> Collection:
        resolver = Resolver(collection)
        warnings: list[Diagnostic] = []
        articles = [self.rewrite(a, resolver, warnings) for a in collection]
        return collection.replace(articles=articles, diagnostics=warnings)


def _resolve_related(article: Article, resolver: Resolver, warnings: list[Diagnostic]
                     ) -> Article:
    if not article.related:
        return article
    links: list[RelatedLink] = []
    for n, link in enumerate(article.related, 1):
        target, rule = resolver.resolve(parse_article_url(link.url), link.id, article)
        if target is None:
            warnings.append(Diagnostic(
                article.source_path, f"{link.field or f'related_article{n}'}.url",
                f"{link.url} is not in the collection; linked to {link.canonical_url}",
                "info"))
            links.append(link.resolved(None, ""))
        else:
            links.append(link.resolved(target.url, rule))
    return article.replace(related=tuple(links))


def _related_lookups(article: Article) -> Iterator[str]:
    for link in article.related:
        yield from lookups(parse_article_url(link.url), link.id)


#: Filter: resolve every related link. A link to an article outside the collection is
#: information, not a warning: it goes to the article's canonical web page, as it should.
resolve_related = ArticleFilter(_resolve_related, _related_lookups)


# A Markdown inline link or an autolink (outside code and math: plain_markdown.code_and_math).
_LINK = re.compile(r"(\]\(\s*<?)([^)\s>]+)(>?(?:\s+\"[^\"]*\")?\s*\))|(<)(https?://[^<>\s]+)(>)")


def _mark_answer_links(article: Article, resolver: Resolver, warnings: list[Diagnostic]
                       ) -> Article:
    if "/learn/" not in article.answer:
        return article
    return article.replace(answer=plain_markdown.outside_code(article.answer, lambda text: (
        _LINK.sub(lambda m: _answer_link(m, article, resolver, warnings), text))))


def _answer_link(m: re.Match[str], article: Article, resolver: Resolver,
                 warnings: list[Diagnostic]) -> str:
    before, href, after = (m.group(1), m.group(2), m.group(3)) if m.group(1) else \
        (m.group(4), m.group(5), m.group(6))
    url = parse_article_url(href)
    if url is None or href.startswith(QTREF_SCHEME):
        return m.group()
    target, _ = resolver.resolve(url, None, article)
    if target is None:
        canonical = resolver.collection.base_url + url + _fragment(href)
        warnings.append(Diagnostic(article.source_path, "answer",
                                   f"link {href} is not in the collection; linked to "
                                   f"{canonical}", "info"))
        return before + canonical + after
    if m.group(4):  # an autolink `<url>` becomes `[title](qtref:url)`
        return f"[{target.title}]({QTREF_SCHEME}{target.url})"
    return before + QTREF_SCHEME + target.url + after


def _fragment(href: str) -> str:
    return "#" + href.split("#", 1)[1] if "#" in href else ""


def _answer_lookups(article: Article) -> Iterator[str]:
    if "/learn/" not in article.answer:
        return
    found: list[str] = []

    def scan(text: str) -> str:
        for m in _LINK.finditer(text):
            href = m.group(2) or m.group(5)
            if not href.startswith(QTREF_SCHEME):
                found.extend(lookups(parse_article_url(href), None))
        return text

    plain_markdown.outside_code(article.answer, scan)
    yield from found


#: Filter: links inside answers to QuickTakes articles become pending `qtref:` links.
mark_answer_links = ArticleFilter(_mark_answer_links, _answer_lookups)


@dataclass(frozen=True)
class RelatedCounts:
    """How the related links of a collection resolved."""

    internal: int
    external: int
    by_rule: dict[str, int]


def related_counts(collection: Collection) -> RelatedCounts:
    """Count resolved (by rule) and unresolved related links (after `resolve_related`)."""
    by_rule: dict[str, int] = {}
    external = 0
    for a in collection:
        for link in a.related:
            if link.target_url is None:
                external += 1
            else:
                by_rule[link.rule] = by_rule.get(link.rule, 0) + 1
    return RelatedCounts(sum(by_rule.values()), external, by_rule)
