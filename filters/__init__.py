"""The filter stage between the reader and the writers.

A filter is a callable `Collection -> Collection` that returns the collection rewritten (the
model is immutable) and may append diagnostics. Filters run in the configured order. Built-in
filters are listed in `BUILTIN_FILTERS`; a third-party package adds one through the
`qtconvert.filters` entry point group; a project names its own in `qtconvert.toml`.

The built-in filters rewrite each article on its own (`xref.ArticleFilter`): a chain of them
(`FilterChain.rewrites`) can rewrite only the articles an edit touches, which is how a rebuild
reads a large folder with one changed file in a fraction of the time (`read.collection_cache`).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Hashable, Iterable, Sequence
from importlib.metadata import entry_points
from pathlib import Path

from ..errors import ConfigError
from ..model import Article, Collection, Diagnostic
from . import xref

__all__ = ["Filter", "BUILTIN_FILTERS", "FilterChain", "resolve_filter", "run_filters"]

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
    return FilterChain(filters, base_dir)(collection)


class FilterChain:
    """The configured filters, resolved, as one `Collection -> Collection` callable."""

    def __init__(self, filters: Sequence[str | Filter], base_dir: Path | None = None) -> None:
        self.specs = tuple(filters)
        self.filters = [resolve_filter(f, base_dir) if isinstance(f, str) else f
                        for f in filters]

    @property
    def key(self) -> Hashable:
        """A stable name of what the chain does (for the read cache), or None when a filter is
        not built in and its code cannot be named."""
        built_in = all(isinstance(f, str) and f in BUILTIN_FILTERS for f in self.specs)
        return self.specs if built_in else None

    @property
    def rewrites(self) -> FilterChain | None:
        """The chain as `model.lookups.ArticleRewrites` when every filter rewrites each article
        on its own, else None."""
        return self if all(isinstance(f, xref.ArticleFilter) for f in self.filters) else None

    def __call__(self, collection: Collection) -> Collection:
        if self.rewrites is not None:
            articles, said = self.rewrite(collection, collection.articles)
            return collection.replace(articles=articles, diagnostics=[
                d for per_filter in said for per_article in per_filter for d in per_article])
        for spec, fn in zip(self.specs, self.filters):
            result = fn(collection)
            if not isinstance(result, Collection):
                raise ConfigError(f"filter {spec!r} returned {type(result).__name__}, not a "
                                  "Collection")
            collection = result
        return collection

    def references(self, article: Article) -> Iterable[str]:
        for f in self.filters:
            yield from f.references(article)  # type: ignore[attr-defined]

    def rewrite(self, collection: Collection, articles: Sequence[Article]
                ) -> tuple[list[Article], list[list[tuple[Diagnostic, ...]]]]:
        """Every filter (each an `xref.ArticleFilter`) on `articles`, in order, finding others
        in `collection`; and what each filter said of each article."""
        resolver = xref.Resolver(collection)
        articles = list(articles)
        said: list[list[tuple[Diagnostic, ...]]] = []
        for f in self.filters:
            per_article: list[tuple[Diagnostic, ...]] = []
            for i, article in enumerate(articles):
                warnings: list[Diagnostic] = []
                articles[i] = f.rewrite(article, resolver, warnings)  # type: ignore[attr-defined]
                per_article.append(tuple(warnings))
            said.append(per_article)
        return articles, said
