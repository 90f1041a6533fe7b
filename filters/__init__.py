"""The filter stage between the reader and the writers.

A filter is a callable `Collection -> Collection` that returns the collection rewritten (the
model is immutable) and may append diagnostics. Filters run in the configured order. Built-in
filters are listed in `BUILTIN_FILTERS`; a third-party package adds one through the
`qtconvert.filters` entry point group; a project names its own in `qtconvert.toml`.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path

from ..errors import ConfigError
from ..model import Collection
from . import xref

__all__ = ["Filter", "BUILTIN_FILTERS", "resolve_filter", "run_filters"]

Filter = Callable[[Collection], Collection]

BUILTIN_FILTERS: dict[str, Filter] = {
    "answer-links": xref.mark_answer_links,
    "related-links": xref.resolve_related,
}


def resolve_filter(spec: str, base_dir: Path | None = None) -> Filter:
    """A filter from its name: built-in, entry point, `module:function` or `file.py:function`."""
    if spec in BUILTIN_FILTERS:
        return BUILTIN_FILTERS[spec]
    for ep in entry_points(group="qtconvert.filters"):
        if ep.name == spec:
            return ep.load()
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"unknown filter {spec!r}: not built in ({', '.join(BUILTIN_FILTERS)}),"
                          " not an entry point, and not of the form module:function")
    if module_name.endswith(".py"):
        path = Path(module_name)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            raise ConfigError(f"filter {spec!r}: file {path} not found")
        mod_spec = importlib.util.spec_from_file_location(f"qtconvert_user_filter_{path.stem}",
                                                          path)
        assert mod_spec is not None and mod_spec.loader is not None
        module = importlib.util.module_from_spec(mod_spec)
        mod_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(f"filter {spec!r}: cannot import {module_name} ({exc})") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise ConfigError(f"filter {spec!r}: {module_name} has no function {attr}")
    return fn


def run_filters(collection: Collection, filters: Sequence[str | Filter],
                base_dir: Path | None = None) -> Collection:
    """Apply the filters in order; each must return a Collection."""
    for f in filters:
        fn = resolve_filter(f, base_dir) if isinstance(f, str) else f
        result = fn(collection)
        if not isinstance(result, Collection):
            raise ConfigError(f"filter {f!r} returned {type(result).__name__}, not a Collection")
        collection = result
    return collection
