"""The `qtconvert` command line: `check`, `build`, `verify`, `subjects`, `formats` and `cache`.

Exit status: 0 success, 1 errors in the input (bad articles are skipped, the others still
built) or a failed build, 2 a usage error.
Expected failures print `category: message` without a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

from . import __version__
from .build import build, prepare, select_subjects
from .config import load_config
from .errors import QtConvertError, UsageError
from .executor import EXECUTORS
from .filters.xref import related_counts
from .model import Collection
from .model.books import counted
from .package_data import data_dir
from .progress import TerminalProgress
from .read import load
from .writers import (
    BuildOptions,
    Writer,
    available,
    default_formats,
    get_writer,
    writer_classes,
)
from .writers.base import whole_number

__all__ = ["main", "default_source"]

_LISTED_WARNINGS = 20


def default_source() -> Path:
    """`content/` in the current folder when there is one, else the sample articles that
    ship inside the package."""
    local = Path("content")
    if local.is_dir():
        return local
    return data_dir("content")


def _formats(value: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    if not names:
        raise argparse.ArgumentTypeError("give at least one format")
    known = available()
    for n in names:
        if n not in known:
            raise argparse.ArgumentTypeError(f"unknown format {n!r} (available: "
                                             f"{', '.join(known)})")
    return names


def _parser(with_formats: bool = True) -> argparse.ArgumentParser:
    """The command line. `with_formats`: give `build` each format's own options (this imports
    every writer, WeasyPrint included, so `check` and `subjects` skip it)."""
    parser = argparse.ArgumentParser(
        prog="qtconvert",
        description="Convert QuickTakes Q&A articles (Markdown with YAML front matter) into "
                    "EPUB study books, printable PDFs, schema.org JSON-LD and plain Markdown.",
        epilog="Run 'qtconvert COMMAND --help' for the options of a command. With no DIR, "
               "./content is used when present, else the sample articles shipped with qtconvert.")
    parser.add_argument("--version", action="version", version=f"qtconvert {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("source", nargs="?", type=Path, metavar="DIR",
                       help="folder of articles (*.md, searched recursively)")
        p.add_argument("--config", type=Path, metavar="FILE",
                       help="qtconvert.toml or pyproject.toml to use (default: found beside DIR "
                            "or above it)")
        p.add_argument("--base-url", metavar="URL",
                       help="canonical site address (default: from the config, else "
                            "https://quicktakes.io)")
        p.add_argument("--strict", action="store_true",
                       help="treat warnings (and any skipped article) as failures")

    check = sub.add_parser("check", help="read the articles and report problems",
                           description="Read every article and report problems, one line each "
                                       "(file: field: reason), then a summary. Exit 1 when "
                                       "there are errors (or, with --strict, warnings).")
    common(check)
    check.add_argument("--json", action="store_true",
                       help="print one JSON object: articles, subjects, errors, warnings "
                            "(counts), related {internal, external, by_rule}, subject_counts "
                            "and diagnostics")
    check.add_argument("-s", "--subject", action="append", default=[], metavar="KEY",
                       help="report only on this subject key (repeat for more); cross-"
                            "references still resolve against every article")
    check.add_argument("-v", "--verbose", action="store_true",
                       help=f"list every warning (default: the first {_LISTED_WARNINGS}), the "
                            "notes (related links that go to the web) and every related link "
                            "with the rule that resolved it")

    b = sub.add_parser("build", help="convert the articles to EPUB, PDF, JSON-LD and Markdown",
                       description="Convert the articles. Bad articles are skipped with a "
                                   "message; every other article is still built.")
    common(b)
    b.add_argument("-o", "--out", type=Path, default=Path("out"), metavar="OUT",
                   help="output folder (default: out)")
    b.add_argument("-f", "--format", type=_formats, action="append", default=[],
                   metavar="LIST", help="comma-separated formats; repeat for more (default: "
                                        "every built-in format but anki, which needs an extra; "
                                        "'qtconvert formats' lists them)")
    b.add_argument("-s", "--subject", action="append", default=[], metavar="KEY",
                   help="only this subject key (e.g. mathematics); repeat for more "
                        "(default: all)")
    b.add_argument("-j", "--jobs", type=whole_number, default=0, metavar="N",
                   help="worker processes: books, PDF volumes, shards of files and pandoc "
                        "batches run side by side (default: one per CPU; 1: all in this "
                        "process)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes")
    b.add_argument("--clean", action="store_true",
                   help="after each format is built, remove the files in OUT/<format>/ that "
                        "an earlier build wrote and this one did not (articles since removed "
                        "or marked no_index; with --subject, other subjects' files too); "
                        "files qtconvert did not write are never removed (OUT/.qtconvert-"
                        "manifest lists its own); only in a folder qtconvert made")
    e = b.add_argument_group("rebuilds and clusters (docs/engine.md)")
    e.add_argument("--cache-dir", type=Path, metavar="DIR",
                   help="where the build cache lives (default: OUT/.qtconvert-cache); a rebuild "
                        "makes again only what changed since a build that used it")
    e.add_argument("--no-cache", action="store_true",
                   help="neither read nor fill the cache, and rewrite every file (a full build)")
    e.add_argument("--executor", choices=EXECUTORS, default="local",
                   help="where parallel work runs: local (default: a pool of --jobs "
                        "processes) or dask (a Dask cluster; pip install 'qtconvert[dask]')")
    e.add_argument("--scheduler", metavar="ADDRESS",
                   help="the Dask scheduler, e.g. tcp://10.0.0.5:8786 (default with --executor "
                        "dask: a local cluster of --jobs workers)")
    g = b.add_argument_group("books (EPUB and PDF)")
    g.add_argument("--book", type=Path, metavar="RECIPE",
                   help="build one book from a recipe TOML file instead of one per subject "
                        "(see content/recipes/)")
    g.add_argument("--stylesheet", type=Path, metavar="CSS",
                   help="use this stylesheet instead of the built-in one (styles/)")
    if with_formats:
        for cls in writer_classes():
            _format_group(b, cls)
    b.add_argument("--verify", action="store_true",
                   help="run `qtconvert verify` on the formats just built (exit 1 on problems)")

    v = sub.add_parser("verify", help="check what a build wrote (EPUBCheck, Kindle, schema.org, "
                                      "sitemap, PDF links and fonts, Markdown read-back, "
                                      "Anki decks)",
                       description="Check the files a build wrote to OUT, reading only OUT. "
                                   "One line per problem (severity: file: check: message), "
                                   "then a summary per format. Exit 0 when clean, 1 on errors "
                                   "(or, with --strict, warnings), 2 on a usage error. "
                                   "docs/verify.md lists every check.")
    v.add_argument("out", nargs="?", type=Path, default=Path("out"), metavar="OUT",
                   help="the build's output folder (default: out)")
    v.add_argument("-f", "--format", type=_formats, action="append", default=[],
                   metavar="LIST", help="comma-separated formats; repeat for more (default: "
                                        "every format folder OUT holds)")
    v.add_argument("--json", action="store_true",
                   help="print one JSON object: problems (file, format, check, message, "
                        "severity), notes and summary")
    v.add_argument("--strict", action="store_true", help="treat warnings as failures")
    v.add_argument("-j", "--jobs", type=whole_number, default=0, metavar="N",
                   help="files checked in parallel (default: one per CPU)")
    v.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes")
    v.add_argument("--schemaorg", type=Path, metavar="DIR",
                   help="folder with schemaorgcontext.jsonld and schemaorg-current-https.jsonld "
                        "(without it, JSON-LD is checked without the vocabulary)")
    v.add_argument("--base-url", metavar="URL",
                   help="the site address every sitemap loc must be under (default: the "
                        "WebSite url in the JSON-LD)")
    v.add_argument("--skip", action="append", default=[], metavar="CHECK",
                   help="leave out a check by name, e.g. epubcheck or ace; repeat for more")

    sub.add_parser("formats", help="list the output formats (writers) available")
    c = sub.add_parser("cache", help="show or shrink the build cache",
                       description="The build cache (default OUT/.qtconvert-cache) keeps answer "
                                   "HTML, EPUB pages, finished PDF volumes and decks, and what "
                                   "each unit wrote, so that a rebuild makes only what changed. "
                                   "It is safe to delete.")
    c.add_argument("action", choices=("info", "prune"),
                   help="info: entries and size by kind; prune: remove the least recently "
                        "used entries")
    c.add_argument("-o", "--out", type=Path, default=Path("out"), metavar="OUT",
                   help="the output folder whose cache to use (default: out)")
    c.add_argument("--cache-dir", type=Path, metavar="DIR",
                   help="the cache folder (default: OUT/.qtconvert-cache)")
    c.add_argument("--max-size", type=_size, metavar="SIZE",
                   help="prune: keep at most this much, e.g. 500M or 2G (least recently used "
                        "go first)")
    c.add_argument("--older-than", type=_days, metavar="DAYS",
                   help="prune: remove entries no build has used for this many days")
    c.add_argument("--json", action="store_true", help="info: print one JSON object")
    subjects = sub.add_parser("subjects", help="list the subjects: key, name, articles",
                              description="List the subjects of DIR, one per line: the key "
                                          "(for --subject), the number of articles and the "
                                          "display name.")
    subjects.add_argument("source", nargs="?", type=Path, metavar="DIR",
                          help="folder of articles (*.md, searched recursively)")
    subjects.add_argument("--json", action="store_true",
                          help="print a JSON list of {key, name, articles}")
    return parser


def _size(value: str) -> int:
    """`500M`, `2G`, `1500000` -> bytes (an argparse type)."""
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    text = value.strip().upper().removesuffix("B")
    number, unit = (text[:-1], text[-1]) if text[-1:] in units and text[-1:] else (text, "")
    try:
        size = float(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a size like 500M or 2G") from None
    if size < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return int(size)


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days") from None
    if days < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return days


def _format_group(parser: argparse.ArgumentParser, cls: type[Writer]) -> None:
    """`cls`'s options as an argument group of `build`, from the fields of `cls.Options`."""
    fields = [f for f in dataclasses.fields(cls.Options) if "flag" in f.metadata]
    if not fields:
        return
    group = parser.add_argument_group(f"--format {cls.name}")
    for f in fields:
        extra = dict(f.metadata["argparse"])
        if f.type in (bool, "bool") and "action" not in extra:
            extra["action"] = "store_false" if f.default else "store_true"
        group.add_argument(f.metadata["flag"], dest=f"{cls.name}.{f.name}", default=f.default,
                           help=f.metadata["help"], **extra)


def _format_options(args: argparse.Namespace, formats: tuple[str, ...]) -> dict[str, object]:
    """The options of each requested format, from its argument group."""
    chosen = {}
    for name in formats:
        cls = get_writer(name)
        values = {f.name: getattr(args, f"{name}.{f.name}")
                  for f in dataclasses.fields(cls.Options) if "flag" in f.metadata}
        chosen[name] = cls.Options(**values)
    return chosen


def _source(args: argparse.Namespace) -> Path:
    source = args.source or default_source()
    if not source.exists():
        raise UsageError(f"{source}: no such file or folder")
    return source


def _config(args: argparse.Namespace, source: Path):
    config = load_config(args.config) if args.config else load_config(
        search_from=source if source.is_dir() else source.parent)
    if args.base_url:
        if not args.base_url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url must be an http(s) address, got {args.base_url!r}")
        config = replace(config, base_url=args.base_url.rstrip("/"))
    return config


def _diagnostics_of(collection: Collection, selected: Collection):
    """The diagnostics that concern `selected`: those of its articles' files, and every file
    that could not be read as an article (its subject is unknown)."""
    if selected is collection:
        return collection.diagnostics
    built = {a.source_path for a in collection}
    mine = {a.source_path for a in selected}
    return tuple(d for d in collection.diagnostics if d.path in mine or d.path not in built)


def _summary(collection: Collection, selected: Collection) -> dict[str, object]:
    counts = related_counts(selected)
    subjects = Counter(a.subject_key for a in selected)
    diagnostics = _diagnostics_of(collection, selected)
    return {
        "articles": len(selected),
        "subjects": len(subjects),
        "errors": sum(d.severity == "error" for d in diagnostics),
        "warnings": sum(d.severity == "warning" for d in diagnostics),
        "notes": sum(d.severity == "info" for d in diagnostics),
        "related": {"internal": counts.internal, "external": counts.external,
                    "by_rule": counts.by_rule},
        "subject_counts": dict(sorted(subjects.items())),
        "diagnostics": [d.as_dict() for d in diagnostics],
    }


def _check(args: argparse.Namespace) -> int:
    source = _source(args)
    collection = prepare(source, _config(args, source))
    selected = select_subjects(collection, args.subject)
    summary = _summary(collection, selected)
    diagnostics = _diagnostics_of(collection, selected)
    failed = bool(summary["errors"]) or (args.strict and bool(summary["warnings"]))
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 1 if failed else 0
    for d in diagnostics:
        if d.severity == "error":
            print(f"error: {d}")
    warnings = [d for d in diagnostics if d.severity == "warning"]
    for n, d in enumerate(warnings):
        if n == _LISTED_WARNINGS and not args.verbose:
            print(f"... and {len(warnings) - n} more warnings (--verbose lists all)")
            break
        print(f"warning: {d}")
    if args.verbose:
        for d in diagnostics:
            if d.severity == "info":
                print(f"note: {d}")
        for a in selected:
            for link in a.related:
                where = f"{link.target_url} (by {link.rule})" if link.target_url else \
                    f"{link.canonical_url} (external)"
                print(f"related: {a.url} -> {where}")
    print(_check_line(summary))
    return 1 if failed else 0


def _check_line(summary: dict) -> str:
    """`57 articles in 1 subject (architecture 57); 0 errors, 2 warnings; related links: ...`"""
    rel = summary["related"]
    by_rule = ", ".join(f"{k} {v}" for k, v in sorted(rel["by_rule"].items()))
    counts = ", ".join(f"{k} {v}" for k, v in summary["subject_counts"].items())
    return (f"{counted(summary['articles'], 'article')} in "
            f"{counted(summary['subjects'], 'subject')}" + (f" ({counts})" if counts else "")
            + f"; {counted(summary['errors'], 'error')}, "
              f"{counted(summary['warnings'], 'warning')}; related links: "
              f"{rel['internal']:,} internal" + (f" (by {by_rule})" if by_rule else "")
            + f", {rel['external']:,} to the web (not in this collection)")


def _subjects(args: argparse.Namespace) -> int:
    source = _source(args)
    collection = load(source)
    rows = [{"key": key, "name": name, "articles": len(collection.by_subject(key))}
            for key, name in sorted(collection.subjects.items())]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        width = max((len(r["key"]) for r in rows), default=0)
        for r in rows:
            print(f"{r['key']:{width}}  {r['articles']:6,}  {r['name']}")
    return 1 if collection.errors else 0


def _build(args: argparse.Namespace) -> int:
    source = _source(args)
    formats = tuple(dict.fromkeys(name for group in args.format for name in group))
    formats = formats or default_formats()
    options = BuildOptions(
        formats=formats, subjects=tuple(args.subject), jobs=args.jobs, strict=args.strict,
        clean=args.clean, config=_config(args, source), book=args.book,
        stylesheet=args.stylesheet, format_options=_format_options(args, formats),
        cache=not args.no_cache, cache_dir=args.cache_dir, executor=args.executor,
        scheduler=args.scheduler)
    progress = TerminalProgress(quiet=args.quiet)
    result = build(source, args.out, options, progress)
    selected = result.collection.select(options.subjects)
    diagnostics = _diagnostics_of(result.collection, selected)
    skipped = [d for d in diagnostics if d.severity == "error"]
    for d in skipped:
        print(f"error: {d} (skipped)", file=sys.stderr)
    if not args.quiet:
        warnings = sum(d.severity == "warning" for d in diagnostics)
        kept = f" ({len(result.kept):,} unchanged)" if result.kept else ""
        print(f"{counted(len(selected), 'article')} built, {len(skipped):,} skipped; "
              f"{counted(len(result.written), 'file')} written to {args.out}{kept}"
              + (f"; {counted(warnings, 'warning')} (`qtconvert check` lists them)"
                 if warnings else ""), file=sys.stderr)
        if result.stats is not None and result.stats.units:
            print(_units_line(result.stats), file=sys.stderr)
    if args.verify:
        checked = _verify_out(args.out, formats, args, jobs=args.jobs)
        return max(checked, 1 if skipped else 0)
    return 1 if skipped else 0  # the other articles were built, but the input has errors


def _units_line(stats) -> str:
    """`units: 59 (56 from the cache, 3 rebuilt; their pages: 2,033 from the cache, 1 made);
    1 answer converted by pandoc`"""
    line = (f"units: {stats.units:,} ({stats.from_cache:,} from the cache, "
            f"{stats.rebuilt:,} rebuilt")
    if stats.pieces_from_cache:
        line += (f"; their pages: {stats.pieces_from_cache:,} from the cache, "
                 f"{stats.pieces_made:,} made")
    line += ")"
    if stats.answers_converted:
        line += f"; {counted(stats.answers_converted, 'answer')} converted by pandoc"
    return line


def _cache(args: argparse.Namespace) -> int:
    from .cache import Cache
    from .model.urls import CACHE_FOLDER

    folder = args.cache_dir or args.out / CACHE_FOLDER
    if not folder.is_dir():
        raise UsageError(f"{folder}: no build cache there (build first, or give --cache-dir)")
    cache = Cache(folder)
    try:
        if args.action == "prune":
            if args.max_size is None and args.older_than is None:
                raise UsageError("cache prune: give --max-size SIZE and/or --older-than DAYS")
            removed, freed = cache.prune(
                max_bytes=args.max_size,
                older_than=None if args.older_than is None else args.older_than * 86400)
            print(f"removed {_entries(removed)} ({_human(freed)}) from {folder}")
        info = cache.info()
    finally:
        cache.close()
    if args.action == "info" and args.json:
        print(json.dumps({"folder": str(info.folder), "entries": info.entries,
                          "bytes": info.bytes, "file_bytes": info.file_bytes,
                          "kinds": {k: {"entries": n, "bytes": b}
                                    for k, (n, b) in info.kinds.items()}}, indent=2))
        return 0
    print(f"{info.folder}: {_entries(info.entries)}, {_human(info.bytes)} "
          f"({_human(info.file_bytes)} on disk)")
    if args.action == "info":
        width = max((len(k) for k in info.kinds), default=0)
        for kind, (n, size) in info.kinds.items():
            print(f"  {kind:{width}}  {n:8,}  {_human(size):>9}")
    return 0


def _entries(n: int) -> str:
    return f"{n:,} {'entry' if n == 1 else 'entries'}"


def _human(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size} B"


def _verify_out(out: Path, formats, args: argparse.Namespace, **options) -> int:
    """Run the verify checks over OUT and print their report; the exit status."""
    from .verify import verify

    progress = TerminalProgress(quiet=args.quiet or getattr(args, "json", False))
    report = verify(out, formats, progress=progress, **options)
    if getattr(args, "json", False):
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        for note in report.notes if not args.quiet else ():
            print(f"note: {note}", file=sys.stderr)
        print("\n".join(report.lines()))
    return 1 if report.failed(args.strict) else 0


def _verify(args: argparse.Namespace) -> int:
    formats = tuple(dict.fromkeys(name for group in args.format for name in group))
    return _verify_out(args.out, formats or None, args, jobs=args.jobs,
                       schemaorg=args.schemaorg, base_url=args.base_url, skip=args.skip)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser(with_formats=bool(argv) and argv[0] == "build")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "formats":
            for name, target in available().items():
                try:
                    description = get_writer(name).description or target
                except (UsageError, ImportError) as exc:
                    description = f"{target} (cannot be loaded: {exc})"
                print(f"{name:10} {description}")
            return 0
        commands = {"check": _check, "build": _build, "subjects": _subjects, "verify": _verify,
                    "cache": _cache}
        return commands[args.command](args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except QtConvertError as exc:
        print(exc, file=sys.stderr)
        return 1
    except BrokenPipeError:  # `qtconvert check | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted; finished outputs are whole, unfinished ones were not written",
              file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
