"""Writers, by `--format` name: an explicit registry of the built-in ones, plus whatever other
packages register in the `qtconvert.writers` entry point group."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from ..errors import UsageError
from .base import BuildOptions, Progress, Writer

__all__ = ["Writer", "BuildOptions", "Progress", "BUILTIN_WRITERS", "available", "get_writer"]

# name -> "module:Class", imported only when used (WeasyPrint is slow to import)
BUILTIN_WRITERS: dict[str, str] = {
    "epub": "qtconvert.writers.epub:EpubWriter",
    "pdf": "qtconvert.writers.pdf:PdfWriter",
    "jsonld": "qtconvert.writers.jsonld:JsonLdWriter",
    "markdown": "qtconvert.writers.markdown:MarkdownWriter",
}


def available() -> dict[str, str]:
    """Every writer name -> where it comes from (built-in ones first)."""
    names = dict(BUILTIN_WRITERS)
    for ep in entry_points(group="qtconvert.writers"):
        names.setdefault(ep.name, ep.value)
    return names


def get_writer(name: str) -> type[Writer]:
    """The writer class registered under `name`; a UsageError when there is none."""
    target = available().get(name)
    if target is None:
        raise UsageError(f"unknown format {name!r} (available: {', '.join(available())})")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise UsageError(f"the {name!r} writer is not available in this version") from None
        raise
    cls = getattr(module, attr)
    if not (isinstance(cls, type) and issubclass(cls, Writer)):
        raise UsageError(f"{target} registered for {name!r} is not a qtconvert Writer")
    return cls
