"""Markdown checks: every file reads back with `qtconvert.load` without a diagnostic, and every
relative link (in the body and in the front matter's `href`s) reaches a file in OUT."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from .core import Options, Plan, Problem, Task, rel

__all__ = ["plan", "check_folder", "relative_links"]

FORMAT = "markdown"
# fenced code and inline code hold no links; a link is `](target)` or `](target "title")`
_CODE = re.compile(r"^(```|~~~).*?^\1[ \t]*$|`[^`\n]*`", re.M | re.S)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def plan(options: Options) -> Plan:
    """One task per subject folder: `load` reports duplicates within the folder it reads."""
    root = options.out / FORMAT
    folders = sorted({p.parent for p in root.rglob("*.md")})
    return Plan([Task(FORMAT, tuple(rel(options, p) for p in sorted(f.glob("*.md"))),
                      check_folder, (rel(options, f),)) for f in folders])


def relative_links(text: str) -> list[str]:
    """The relative link targets of a Markdown file: body links outside code, then the front
    matter's related `href`s."""
    front, body = "", text
    if text.startswith("---\n"):
        front, _, body = text[4:].partition("\n---\n")
    targets = _LINK.findall(_CODE.sub("", body))
    try:
        meta = yaml.load(front, Loader=_LOADER) if front else None
    except yaml.YAMLError:
        meta = None  # load() reports it
    if isinstance(meta, dict):
        targets += [r["href"] for r in meta.get("related") or []
                    if isinstance(r, dict) and isinstance(r.get("href"), str)]
    return [t for t in targets if not urlsplit(t).scheme and not t.startswith(("#", "//"))]


def check_folder(options: Options, folder: str) -> list[Problem]:
    import qtconvert

    problems = []
    path = options.out / folder
    if options.wants("read-back"):
        for d in qtconvert.load(path).diagnostics:
            where = Path(d.path)
            name = rel(options, where) if where.is_relative_to(options.out) else folder
            problems.append(Problem(name, FORMAT, "read-back", f"{d.field}: {d.message}",
                                    d.severity))
    if options.wants("link"):
        out = options.out.resolve()
        for file in sorted(path.glob("*.md")):
            for target in relative_links(file.read_text(encoding="utf-8", errors="replace")):
                reached = (file.parent / unquote(urlsplit(target).path)).resolve()
                if not reached.is_relative_to(out):
                    problems.append(Problem(rel(options, file), FORMAT, "link",
                                            f"{target} leads outside OUT"))
                elif not reached.is_file():
                    problems.append(Problem(rel(options, file), FORMAT, "link",
                                            f"{target}: no such file in OUT"))
    return problems
