"""The one grammar of article addresses: a QuickTakes article `url`, the pending
cross-reference that filters leave for writers (`qtref:<url>`), the stable anchor, and the safe
file-name component that output paths are made of, and the names of an output folder's own
files. Pure functions and constants, no I/O."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["URL_PATTERN", "article_url", "parse_article_url", "QTREF_SCHEME", "pending_target",
           "anchor_for_url", "safe_name", "OUTPUT_MARKER", "OUTPUT_MANIFEST", "CACHE_FOLDER"]

#: `/learn/<subject-key>/questions/<slug>` (a trailing slash allowed); groups: key, slug
URL_PATTERN = re.compile(r"/learn/([a-z0-9][a-z0-9-]*)/questions/([a-z0-9][a-z0-9-]*)/?")
QTREF_SCHEME = "qtref:"
_HOSTS = {"quicktakes.io", "www.quicktakes.io"}
#: an address `parse_article_url` would accept that needs no splitting: what the site writes
_PLAIN_ARTICLE_URL = re.compile(r"(?:https://(?:www\.)?quicktakes\.io)?" + URL_PATTERN.pattern)


def article_url(subject_key: str, slug: str) -> str:
    """The canonical form of an article `url`."""
    return f"/learn/{subject_key}/questions/{slug}"


def parse_article_url(href: str) -> str | None:
    """The article `url` a QuickTakes link points at, or None.

    Accepts `/learn/<s>/questions/<slug>`, with or without `https://quicktakes.io`, a
    trailing slash, a query or a `#fragment`, and a pending `qtref:` reference.
    """
    href = href.strip()
    if href.startswith(QTREF_SCHEME):
        href = href[len(QTREF_SCHEME):]
    m = _PLAIN_ARTICLE_URL.fullmatch(href)  # the site's own form: no need to split it
    if m is not None:
        return article_url(m.group(1), m.group(2))
    parts = urlsplit(href)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.netloc and parts.netloc.lower() not in _HOSTS:
        return None
    m = URL_PATTERN.fullmatch(parts.path)
    return article_url(m.group(1), m.group(2)) if m is not None else None


def pending_target(href: str) -> str | None:
    """The target `url` of a pending reference `qtref:<url>`, or None for any other href."""
    return href[len(QTREF_SCHEME):] if href.startswith(QTREF_SCHEME) else None


_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def anchor_for_url(url: str) -> str:
    """`/learn/<subject>/questions/<slug>` -> `qt-<subject>--<slug>`, a valid XML id.

    Deterministic, so two builds of the same content give the same anchors.
    """
    parts = [p for p in url.strip("/").split("/") if p not in ("", "learn", "questions")]
    body = "--".join(_ANCHOR_UNSAFE.sub("-", p).strip("-") for p in parts)
    return "qt-" + (body or "article")


_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def safe_name(value: str, fallback: str = "untitled") -> str:
    """A single path component from any string: lowercase ASCII letters, digits, `.-_`."""
    name = _UNSAFE.sub("-", value.lower().replace("\x00", "")).strip(".-")[:120]
    return name or fallback


# A file at the top of an output folder qtconvert made; `load` skips a folder holding one (or a
# manifest), so an output folder inside the source folder (`qtconvert build .` writes to ./out)
# is never read as input.
OUTPUT_MARKER = ".qtconvert-output"
# The files qtconvert builds wrote here, one path (relative, with /) a line: all --clean removes.
OUTPUT_MANIFEST = ".qtconvert-manifest"
#: the build cache's default folder inside OUT (see `qtconvert.cache`)
CACHE_FOLDER = ".qtconvert-cache"
