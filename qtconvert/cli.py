"""The `qtconvert` command line: `check` and `build` (and `formats`).

Exit status: 0 success, 1 errors in the input (bad articles are skipped, the others still
built) or a failed build, 2 a usage error.
Expected failures print `category: message` without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from collections import Counter
from pathlib import Path

from . import __version__
from .build import ALL_FORMATS, build, prepare
from .config import load_config
from .errors import QtConvertError, UsageError
from .model import Collection
from .package_data import data_dir
from .progress import TerminalProgress
from .writers import BuildOptions, available, get_writer
from .xref import related_counts

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


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return n


def _parser() -> argparse.ArgumentParser:
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
    check.add_argument("-v", "--verbose", action="store_true",
                       help=f"list every warning (default: the first {_LISTED_WARNINGS}) and "
                            "every related link with the rule that resolved it")

    b = sub.add_parser("build", help="convert the articles to EPUB, PDF, JSON-LD and Markdown",
                       description="Convert the articles. Bad articles are skipped with a "
                                   "message; every other article is still built.")
    common(b)
    b.add_argument("-o", "--out", type=Path, default=Path("out"), metavar="OUT",
                   help="output folder (default: out)")
    b.add_argument("-f", "--format", type=_formats, action="append", default=[],
                   metavar="LIST", help="comma-separated formats; repeat for more (default: "
                                        f"all: {','.join(ALL_FORMATS)})")
    b.add_argument("-s", "--subject", action="append", default=[], metavar="KEY",
                   help="only this subject key (e.g. mathematics); repeat for more "
                        "(default: all)")
    b.add_argument("-j", "--jobs", type=_positive, default=0, metavar="N",
                   help="parallel pandoc processes (default: one per CPU)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes")
    b.add_argument("--clean", action="store_true",
                   help="after each format is built, remove the files in OUT/<format>/ that "
                        "this build did not make (articles since removed or marked no_index; "
                        "with --subject, other subjects' files too); only in a folder an "
                        "earlier qtconvert build made")
    g = b.add_argument_group("EPUB and PDF")
    g.add_argument("--book", type=Path, metavar="RECIPE",
                   help="build one book from a recipe TOML file instead of one per subject "
                        "(see content/recipes/)")
    g.add_argument("--stylesheet", type=Path, metavar="CSS",
                   help="use this stylesheet instead of the built-in one (styles/)")
    g = b.add_argument_group("PDF")
    g.add_argument("--paper", choices=["A4", "Letter"], default="A4",
                   help="paper size (default: A4)")
    g.add_argument("--pdf-variant", metavar="VARIANT",
                   help="a PDF variant WeasyPrint supports, e.g. pdf/ua-1 or pdf/a-3b")
    g.add_argument("--flow", action="store_true",
                   help="let questions flow on (default: each question starts a new page)")
    g.add_argument("--max-articles-per-volume", type=_positive, default=600, metavar="N",
                   help="split larger books into volumes of at most N articles (default: 600; "
                        "0: never split)")
    g = b.add_argument_group("JSON-LD")
    g.add_argument("--jsonld-profile", default="learning-resource", metavar="PROFILE",
                   help="page shape: learning-resource (default), article, qapage or faqpage "
                        "(Google has shown no FAQ rich results since 7 May 2026; for other "
                        "consumers); see docs/jsonld.md for when each applies")
    g.add_argument("--include-noindex", action="store_true",
                   help="also export articles marked no_index: true")
    g.add_argument("--sitemap-gzip", action="store_true",
                   help="write the sitemaps that sitemap.xml lists gzipped (.xml.gz)")

    sub.add_parser("formats", help="list the output formats (writers) available")
    return parser


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


def _summary(collection: Collection) -> dict[str, object]:
    counts = related_counts(collection)
    subjects = Counter(a.subject_key for a in collection)
    return {
        "articles": len(collection),
        "subjects": len(subjects),
        "errors": len(collection.errors),
        "warnings": len(collection.warnings),
        "related": {"internal": counts.internal, "external": counts.external,
                    "by_rule": counts.by_rule},
        "subject_counts": dict(sorted(subjects.items())),
        "diagnostics": [d.as_dict() for d in collection.diagnostics],
    }


def _check(args: argparse.Namespace) -> int:
    source = _source(args)
    collection = prepare(source, _config(args, source))
    summary = _summary(collection)
    failed = bool(collection.errors) or (args.strict and bool(collection.warnings))
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 1 if failed else 0
    for d in collection.errors:
        print(f"error: {d}")
    for n, d in enumerate(collection.warnings):
        if n == _LISTED_WARNINGS and not args.verbose:
            print(f"... and {len(collection.warnings) - n} more warnings (--verbose lists all)")
            break
        print(f"warning: {d}")
    if args.verbose:
        for a in collection:
            for link in a.related:
                where = f"{link.target_url} (by {link.rule})" if link.target_url else \
                    f"{link.canonical_url} (external)"
                print(f"related: {a.url} -> {where}")
    rel = summary["related"]
    by_rule = ", ".join(f"{k} {v}" for k, v in sorted(rel["by_rule"].items())) or "none"
    print(f"{summary['articles']} articles in {summary['subjects']} subjects "
          f"({', '.join(f'{k} {v}' for k, v in summary['subject_counts'].items())}); "
          f"{summary['errors']} errors, {summary['warnings']} warnings; related links: "
          f"{rel['internal']} internal (by {by_rule}), {rel['external']} external")
    return 1 if failed else 0


def _build(args: argparse.Namespace) -> int:
    source = _source(args)
    formats = tuple(dict.fromkeys(name for group in args.format for name in group))
    options = BuildOptions(
        formats=formats or ALL_FORMATS, subjects=tuple(args.subject), jobs=args.jobs,
        strict=args.strict, clean=args.clean,
        config=_config(args, source), book=args.book, stylesheet=args.stylesheet,
        paper=args.paper, pdf_variant=args.pdf_variant, page_breaks=not args.flow,
        max_articles_per_volume=args.max_articles_per_volume,
        jsonld_profile=args.jsonld_profile, include_noindex=args.include_noindex,
        sitemap_gzip=args.sitemap_gzip)
    progress = TerminalProgress(quiet=args.quiet)
    result = build(source, args.out, options, progress)
    skipped = result.collection.errors
    for d in skipped:
        print(f"error: {d} (skipped)", file=sys.stderr)
    if not args.quiet:
        warnings = len(result.collection.warnings)
        print(f"{len(result.collection)} articles built, {len(skipped)} skipped; "
              f"{len(result.written)} files written to {args.out}"
              + (f"; {warnings} warnings (`qtconvert check` lists them)" if warnings else ""),
              file=sys.stderr)
    return 1 if skipped else 0  # the other articles were built, but the input has errors


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
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
        return _check(args) if args.command == "check" else _build(args)
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
