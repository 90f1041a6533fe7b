"""The print stylesheet as a PDF unit carries it: its bytes, read once by the build driver, and,
for a user's `--stylesheet`, the files of its folder it names (fonts, images, imported
stylesheets), so that a volume can be printed on a worker that cannot see the driver's disk.
qtconvert's own stylesheet carries no files: its fonts are in every installation's `styles/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from ...package_data import data_dir, stylesheet
from .weasy import Stylesheet

__all__ = ["PrintStylesheet", "read_stylesheet", "DEFAULT"]

DEFAULT = "print.css"  #: qtconvert's own, in `styles/`


@dataclass(frozen=True)
class PrintStylesheet:
    """A stylesheet's bytes and, for a user's, the files of its folder it names."""

    name: str  #: its file name
    data: bytes
    packaged: bool  #: qtconvert's own (`styles/print.css`), not a `--stylesheet`
    files: tuple[tuple[str, bytes], ...] = ()  #: (path inside its folder, with `/`, bytes)

    def place(self, folder: Path) -> Stylesheet:
        """The stylesheet where WeasyPrint reads it: qtconvert's own in this installation's
        `styles/`, beside its fonts; a user's in `folder`, with the files it names around it
        as they were around it on the driver."""
        text = _text(self.data)
        if self.packaged:
            return Stylesheet(text, data_dir("styles") / self.name)
        for rel, data in self.files:
            path = folder.joinpath(*PurePosixPath(rel).parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return Stylesheet(text, folder / self.name)


def read_stylesheet(chosen: str | os.PathLike[str] | None) -> PrintStylesheet:
    """The stylesheet a PDF build uses (`--stylesheet`, else qtconvert's `print.css`), read on
    the driver."""
    path = stylesheet(chosen, DEFAULT)
    if chosen is None:
        return PrintStylesheet(DEFAULT, path.read_bytes(), True)
    return PrintStylesheet(path.name, path.read_bytes(), False, _named_files(path))


def _text(data: bytes) -> str:
    """The stylesheet as `Path.read_text` reads it (UTF-8, universal newlines)."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _named_files(sheet: Path) -> tuple[tuple[str, bytes], ...]:
    """Every file inside `sheet`'s folder that it names in a `url()` or `@import`, and those
    an imported stylesheet names in turn: what `weasy.LocalFetcher` would let it load there."""
    root = sheet.resolve().parent
    found: dict[str, bytes] = {}
    todo, seen = [root / sheet.name], set()
    while todo:
        css = todo.pop()
        if css in seen:
            continue
        seen.add(css)
        for url in _urls(_text(css.read_bytes())):
            parts = urlsplit(urljoin(css.as_uri(), url.strip()))
            if url.startswith("#") or parts.scheme != "file" or parts.netloc not in ("",
                                                                                 "localhost"):
                continue
            named = Path(os.path.normpath(unquote(parts.path)))  # as the URL names it
            real = named.resolve()  # as the fetcher checks it: symlinks and `..` resolved
            if root not in named.parents or root not in real.parents or not real.is_file():
                continue
            rel = named.relative_to(root).as_posix()
            if rel not in found:
                found[rel] = real.read_bytes()
                if real.suffix.lower() == ".css":
                    todo.append(named)
    return tuple(sorted(found.items()))


def _urls(css: str) -> list[str]:
    """The URLs a stylesheet names: `url(...)`, `url("...")` and `@import "..."`."""
    import tinycss2

    urls: list[str] = []

    def walk(nodes) -> None:
        for node in nodes or ():
            kind = getattr(node, "type", "")
            if kind == "url":
                urls.append(node.value)
            elif kind == "function" and node.lower_name == "url":
                urls.extend(a.value for a in node.arguments if a.type == "string")
            elif kind == "at-rule" and node.lower_at_keyword == "import":
                urls.extend(a.value for a in node.prelude if a.type == "string")
            for part in ("prelude", "content", "arguments"):
                value = getattr(node, part, None)
                if isinstance(value, list):
                    walk(value)

    walk(tinycss2.parse_stylesheet(css))
    return urls
