"""Sitemaps (sitemaps.org protocol 0.9): one per subject, split at the protocol's limits, and a
sitemap index that lists them.

Search engines read at most 50,000 addresses or 50 MB (uncompressed) from one sitemap file,
so each subject's addresses go to `sitemap-<subject-key>.xml`, then `sitemap-<subject-key>.2.xml`
and on when they do not fit in one (subject keys hold no dots, so no two names can meet). The
index names every file by its absolute address at the site's root, the one place a sitemap may
list `/learn/...` pages from. The bytes depend on the entries alone, gzipped ones too.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence
from html import escape

__all__ = ["INDEX_NAME", "MAX_URLS", "MAX_BYTES", "Entry", "sitemap_files", "gzip_bytes"]

Entry = tuple[str, str]  # (absolute address, lastmod as a W3C date: YYYY-MM-DD)
INDEX_NAME = "sitemap.xml"
MAX_URLS = 50_000  # addresses per sitemap file, and sitemaps per index (sitemaps.org)
MAX_BYTES = 50 * 1024 * 1024  # bytes per file, uncompressed (52,428,800; sitemaps.org)
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_URLSET = (_HEAD + f'<urlset xmlns="{_NS}">\n').encode(), b"</urlset>\n"
_INDEX = (_HEAD + f'<sitemapindex xmlns="{_NS}">\n').encode(), b"</sitemapindex>\n"


def sitemap_files(groups: Mapping[str, Sequence[Entry]], base_url: str, *, gzip: bool = False,
                  max_urls: int = MAX_URLS, max_bytes: int = MAX_BYTES
                  ) -> list[tuple[str, bytes]]:
    """`[(file name, bytes)]`: the index (`sitemap.xml`, never gzipped: its address is the one
    submitted) first, then each group's sitemaps, groups in sorted key order; a group with no
    entries has no file. Each file holds at most `max_urls` entries and `max_bytes` bytes
    (uncompressed) unless one entry alone is larger."""
    suffix = ".xml.gz" if gzip else ".xml"
    files: list[tuple[str, bytes]] = []
    index: list[Entry] = []
    for key in sorted(groups):
        for n, (xml, lastmod) in enumerate(_split(groups[key], max_urls, max_bytes), 1):
            name = f"sitemap-{key}{f'.{n}' if n > 1 else ''}{suffix}"
            files.append((name, gzip_bytes(xml) if gzip else xml))
            index.append((f"{base_url}/{name}", lastmod))
    return [(INDEX_NAME, _document(_INDEX, [_tag("sitemap", *e) for e in index]))] + files


def _split(entries: Sequence[Entry], max_urls: int, max_bytes: int
           ) -> Iterable[tuple[bytes, str]]:
    """The urlset documents of `entries`, each with its newest `lastmod`."""
    room = max_bytes - len(_URLSET[0]) - len(_URLSET[1])
    chunk: list[bytes] = []
    size, newest = 0, ""
    for loc, lastmod in entries:
        url = _tag("url", loc, lastmod)
        if chunk and (len(chunk) == max_urls or size + len(url) > room):
            yield _document(_URLSET, chunk), newest
            chunk, size, newest = [], 0, ""
        chunk.append(url)
        size += len(url)
        newest = max(newest, lastmod)
    if chunk:
        yield _document(_URLSET, chunk), newest


def _tag(tag: str, loc: str, lastmod: str) -> bytes:
    return f"<{tag}><loc>{_entities(loc)}</loc><lastmod>{lastmod}</lastmod></{tag}>\n".encode()


def _entities(text: str) -> str:
    """`text` with the five characters the protocol asks to escape as entities."""
    return escape(text, quote=False).replace('"', "&quot;").replace("'", "&apos;")


def _document(frame: tuple[bytes, bytes], items: list[bytes]) -> bytes:
    return frame[0] + b"".join(items) + frame[1]


def gzip_bytes(data: bytes) -> bytes:
    """`data` as a gzip member whose header holds no time and no file name (RFC 1952), so the
    same data always gives the same bytes, whatever the Python version or platform."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = deflate.compress(data) + deflate.flush()
    # magic, deflate, no flags, mtime 0, no extra flags, OS 255 (unknown)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
