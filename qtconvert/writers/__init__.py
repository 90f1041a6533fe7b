"""Writers, by `--format` name: every writer registered in the `qtconvert.writers` entry point
group. qtconvert's own formats register there too (pyproject.toml), the same way as another
package's, so the list of formats is the registry and nothing else."""

from __future__ import annotations

import functools
import sys
from importlib.metadata import EntryPoint, entry_points

from ..errors import UsageError
from .base import Answers, BuildOptions, NoOptions, Progress, Result, Unit, Writer, option

__all__ = ["Writer", "BuildOptions", "Progress", "NoOptions", "option", "Unit", "Result",
           "Answers", "available",
           "get_writer", "writer_classes", "default_formats"]

GROUP = "qtconvert.writers"


def _entry_points() -> dict[str, EntryPoint]:
    """name -> entry point; qtconvert's own first, then others in name order. A second
    registration of a taken name is ignored (a plugin cannot replace a built-in format)."""
    return dict(_registered(tuple(sys.path)))


@functools.lru_cache(maxsize=4)
def _registered(path: tuple[str, ...]) -> dict[str, EntryPoint]:
    """`_entry_points` for the distributions on `path` (`sys.path`): looked for once, not at
    every `get_writer` (each look reads the metadata of every installed distribution)."""
    found = sorted(entry_points(group=GROUP),
                   key=lambda ep: (ep.value.split(".")[0] != "qtconvert", ep.name))
    points: dict[str, EntryPoint] = {}
    for ep in found:
        points.setdefault(ep.name, ep)
    return points


def available() -> dict[str, str]:
    """Every writer name -> where it comes from (`module:Class`), built-in ones first."""
    return {name: ep.value for name, ep in _entry_points().items()}


def get_writer(name: str) -> type[Writer]:
    """The writer class registered under `name`; a UsageError when there is none."""
    ep = _entry_points().get(name)
    if ep is None:
        raise UsageError(f"unknown format {name!r} (available: {', '.join(available())})")
    try:
        cls = ep.load()  # imported only when used: WeasyPrint is slow to import
    except ModuleNotFoundError as exc:
        if ep.module.startswith(exc.name or "\0"):
            raise UsageError(f"the {name!r} writer is not available in this version") from None
        raise
    if not (isinstance(cls, type) and issubclass(cls, Writer)):
        raise UsageError(f"{ep.value} registered for {name!r} is not a qtconvert Writer")
    return cls


def default_formats() -> tuple[str, ...]:
    """What a build makes when no format is named: every format qtconvert itself registers,
    except those that need an extra (`anki = "... [anki]"`), which are made when asked for."""
    return tuple(name for name, ep in _entry_points().items()
                 if ep.value.startswith("qtconvert.") and not ep.extras)


def writer_classes() -> list[type[Writer]]:
    """Every registered writer that loads, in `available()` order (for `--help`)."""
    classes = []
    for name in available():
        try:
            classes.append(get_writer(name))
        except (UsageError, ImportError):
            continue  # `qtconvert formats` says why
    return classes
