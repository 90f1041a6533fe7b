"""Links in rendered output: which schemes are safe, hrefs as valid URIs, and where a
cross-reference leads from one unit of output (a book, a PDF volume, a Markdown tree).

A unit's links are resolved from an explicit scope (`LinkScope`: the articles it holds and
their addresses inside it), never from a writer's state, so one book or one volume can be
rendered on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import quote

from ..model import Article, Collection, RelatedLink
from ..model.keys import linked_urls
from ..model.link_safety import SAFE_SCHEMES
from ..model.urls import pending_target

__all__ = ["SAFE_SCHEMES", "as_uri", "LinkScope", "Links", "UriFor", "link_table"]

_URI = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")  # what a URI may hold as it is
_URI_SAFE = "/:?#[]@!$&'()*+,;=%~-._"  # kept as they are when the rest is percent-encoded
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")

#: "where does `target` live in this output, seen from `source`?" (None: only on the web)
UriFor = Callable[[Article, Article], "str | None"]


def as_uri(href: str) -> str:
    """`href` as a valid URI (XHTML, and so EPUB, needs one): spaces, non-ASCII characters,
    `{}|\\^<>"` and a `%` that starts no escape are percent-encoded; a valid URI is unchanged."""
    if _URI.fullmatch(href) and not _STRAY_PERCENT.search(href):
        return href
    return quote(_STRAY_PERCENT.sub("%25", href), safe=_URI_SAFE)


@dataclass(frozen=True)
class LinkScope:
    """The articles of one self-contained unit (a book, a volume) and their address in it.

    A link leads inside the unit when both its source and its target are in it; anything else
    goes to the target's web address.
    """

    hrefs: Mapping[str, str]  #: article url -> its address inside the unit

    def __post_init__(self) -> None:
        object.__setattr__(self, "hrefs", MappingProxyType(dict(self.hrefs)))

    def __reduce__(self):  # a unit carries its scope to a worker
        return (LinkScope, (dict(self.hrefs),))

    def uri_for(self, target: Article, source: Article) -> str | None:
        if source.url not in self.hrefs:
            return None
        return self.hrefs.get(target.url)


class Links:
    """Every link lookup of one unit of output: related questions and answer links."""

    def __init__(self, collection: Collection, uri_for: UriFor) -> None:
        self.collection = collection
        self.uri_for = uri_for

    def href(self, target_url: str | None, source: Article, fallback: str) -> str:
        """The address of the article at `target_url` seen from `source`, else `fallback`."""
        target = self.collection.by_url(target_url) if target_url else None
        uri = self.uri_for(target, source) if target is not None else None
        return uri if uri is not None else fallback

    def related_href(self, link: RelatedLink, source: Article) -> str:
        """A related link's address: internal when the output has its target, else canonical."""
        return self.href(link.target_url, source, link.canonical_url)

    def is_internal(self, target_url: str | None, source: Article) -> bool:
        """True when the target has an address in this output (not only on the web)."""
        target = self.collection.by_url(target_url) if target_url else None
        return target is not None and self.uri_for(target, source) is not None

    def resolver(self, source: Article) -> Callable[[str], str]:
        """A function for answer hrefs: resolves pending `qtref:` links, keeps the others."""

        def resolve(href: str) -> str:
            url = pending_target(href)
            if url is None:
                return href
            return self.href(url, source, self.collection.base_url + url)

        return resolve


def link_table(collection: Collection, articles: Sequence[Article]) -> Collection:
    """`articles` and every article of `collection` they link to: all that `Links` looks up
    for them, so a unit carries this small collection to a worker rather than the whole one.

    A linked article that is not among `articles` comes without its answer: a link shows a
    title and leads to an address, and the answers, most of an article's bytes, made a shard's
    table several times the size of the shard it was sent with."""
    table = {a.url: a for a in articles}
    for a in articles:
        for url in linked_urls(a):
            if url not in table:
                target = collection.by_url(url)
                if target is not None:
                    table[url] = target.replace(answer="")
    return Collection(tuple(table.values()), base_url=collection.base_url)
