"""Sitemaps against the sitemaps.org 0.9 protocol: the namespace, every `loc` an absolute
address under the site's base address, `lastmod` a W3C date, and at most 50,000 addresses and
50 MB per file (a sitemap index beyond that)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

__all__ = ["sitemap_problems", "NS", "MAX_URLS", "MAX_BYTES"]

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
MAX_LOC = 2048
# W3C Datetime: YYYY-MM-DD, optionally with a time and a zone
_W3C_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
                       r"(Z|[+-]\d{2}:\d{2}))?)?)?$")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def sitemap_problems(path: Path, base_url: str | None) -> list[str]:
    """Every way the sitemap (or sitemap index) at `path` breaks the protocol."""
    found = []
    size = path.stat().st_size
    if size > MAX_BYTES:
        found.append(f"{size:,} bytes; the protocol allows {MAX_BYTES:,} per file "
                     "(split it and list the parts in a sitemap index)")
    try:
        root = etree.parse(str(path), _PARSER).getroot()
    except etree.XMLSyntaxError as exc:
        return found + [f"not well-formed XML: {exc}"]
    kind = etree.QName(root).localname
    if root.tag not in (f"{{{NS}}}urlset", f"{{{NS}}}sitemapindex"):
        return found + [f"the root element is {root.tag}, not urlset or sitemapindex in "
                        f"the {NS} namespace"]
    entry = "url" if kind == "urlset" else "sitemap"
    entries = root.findall(f"{{{NS}}}{entry}")
    if len(entries) > MAX_URLS:
        found.append(f"{len(entries):,} addresses; the protocol allows {MAX_URLS:,} per file "
                     "(split it and list the parts in a sitemap index)")
    base = urlsplit(base_url) if base_url else None
    for n, element in enumerate(entries, 1):
        loc = (element.findtext(f"{{{NS}}}loc") or "").strip()
        parts = urlsplit(loc)
        if not loc:
            found.append(f"{entry} {n} has no loc")
        elif parts.scheme not in ("http", "https") or not parts.netloc:
            found.append(f"loc {loc!r} is not an absolute http(s) address")
        elif base and ((parts.scheme, parts.netloc) != (base.scheme, base.netloc)
                       or not parts.path.startswith(base.path.rstrip("/") + "/")
                       and parts.path != base.path):
            found.append(f"loc {loc} is not under the base address {base_url}")
        elif len(loc) > MAX_LOC:
            found.append(f"loc {loc[:60]}... is longer than {MAX_LOC} characters")
        lastmod = element.findtext(f"{{{NS}}}lastmod")
        if lastmod is not None and not _W3C_DATE.match(lastmod.strip()):
            found.append(f"lastmod {lastmod!r} of {loc} is not a W3C date")
        if kind == "sitemapindex" and loc and not (path.parent / Path(parts.path).name).is_file():
            found.append(f"the index lists {loc}, but {Path(parts.path).name} is not beside it")
    return found
