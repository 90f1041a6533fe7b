"""What WeasyPrint may load while it lays out a volume: `data:` URLs and files under given
folders, nothing else (answers are untrusted text).

A module of its own because it subclasses WeasyPrint's fetcher, and importing WeasyPrint takes
a second: `weasy` imports this only when it renders, so a build without PDF never pays for it.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["LocalFetcher"]


class LocalFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that loads `data:` URLs and files under `roots`, nothing else.

    Every refused URL is kept in `refused` (and WeasyPrint logs a warning and goes on without
    the resource).
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.roots = tuple(Path(r).resolve() for r in roots)
        self.refused: list[str] = []

    def local_file(self, url: str) -> Path | None:
        """The file a `file:` URL names when it lies under one of the roots, else None."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()  # symlinks and `..` resolved first
        inside = any(root == path or root in path.parents for root in self.roots)
        return path if inside and path.is_file() else None

    def allows(self, url: str) -> bool:
        return url.startswith("data:") or self.local_file(url) is not None

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.local_file(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"qtconvert loads no resource from outside its styles: {url}")
        # read the checked path itself, so what is loaded is exactly what was allowed
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": kind})
