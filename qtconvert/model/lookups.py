"""What a filter's rewrite of one article depends on, named so that a rebuild can tell which
articles an edit touches.

A filter that links articles finds them through the collection's lookups: by url, by slug and
by id (`Collection.by_url`, `by_slug`, `by_id`). The names here cover them (`slug_key`,
`id_key`; an address ends with its article's slug, so what a lookup by url finds is found
under the url's slug too); an article is found under the names of `found_under`. A filter
that rewrites each article on its own says, for an article, under which names it may look
(`ArticleRewrites.references`): when no article found under one of those names changed, the
rewrite of that article is what it was (`read.collection_cache` relies on it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from .articles import Article, Collection, Diagnostic

__all__ = ["slug_key", "id_key", "slug_of", "found_under", "ArticleRewrites"]


def slug_key(slug: str) -> str:
    return "slug " + slug


def id_key(article_id: int) -> str:
    return f"id {article_id}"


def slug_of(url: str) -> str:
    """The slug an article address ends with (the last part of its path)."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def found_under(article: Article) -> tuple[str, str]:
    """The names of the lookups that find `article`."""
    return slug_key(article.slug), id_key(article.id)


class ArticleRewrites(Protocol):
    """Filters (in their order) that rewrite each article on their own, finding other articles
    only through the collection's lookups: rewriting some articles of a collection gives them
    what rewriting all of it gives them (`filters.FilterChain` when every filter is built in)."""

    def references(self, article: Article) -> Iterable[str]:
        """The lookups (`slug_key`, `id_key`) the rewrite of `article`, as read, may make."""

    def rewrite(self, collection: Collection, articles: Sequence[Article]
                ) -> tuple[list[Article], list[list[tuple[Diagnostic, ...]]]]:
        """`articles` (as read) rewritten by every filter, finding others in `collection`, and
        what each filter said of each: `diagnostics[filter][i]` of `articles[i]`."""
