"""Read article files into the model: every `*.md` under a folder, problems as diagnostics.

Two layouts are read: the site's (the answer in the front matter, newlines stored as `\\n`,
body `&nbsp;`) and qtconvert's own plain Markdown export (the answer as the body; see
`plain_markdown`). A bad file becomes a one-line diagnostic naming the file and the field; every
other article still loads.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from . import answer_text, plain_markdown
from .model import DEFAULT_BASE_URL, Article, Collection, Diagnostic, RelatedLink
from .output import OUTPUT_MARKER

__all__ = ["load", "read_article", "parse_article"]

URL_PATTERN = re.compile(r"/learn/([a-z0-9][a-z0-9-]*)/questions/([a-z0-9][a-z0-9-]*)/?")
_RELATED_KEYS = tuple(f"related_article{n}" for n in range(1, 6))


class _Invalid(Exception):
    """A required field is missing or has the wrong type: the article cannot load."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def load(path: str | os.PathLike[str], *, base_url: str = DEFAULT_BASE_URL) -> Collection:
    """Every `*.md` under `path` (recursively, in sorted order) as a `Collection`.

    `README*.md` files are documentation, not articles, and are skipped.
    Problems become `Collection.diagnostics`; a duplicate `url` keeps the first article.
    """
    root = Path(path)
    base_url = base_url.rstrip("/")
    if root.is_file():
        files = [root]
    elif root.is_dir():
        files = sorted(_article_files(root), key=str)
    else:
        return Collection((), (Diagnostic(str(root), "(path)", "no such file or folder"),),
                          base_url)
    articles: list[Article] = []
    diagnostics: list[Diagnostic] = []
    seen: dict[str, str] = {}
    for file in files:
        article, problems = read_article(file, base_url=base_url)
        diagnostics.extend(problems)
        if article is None:
            continue
        first = seen.get(article.url)
        if first is not None:
            diagnostics.append(Diagnostic(str(file), "url",
                                          f"duplicate url {article.url!r}, first defined in {first}"))
            continue
        seen[article.url] = str(file)
        articles.append(article)
    return Collection(tuple(articles), tuple(diagnostics), base_url)


def _article_files(root: Path) -> Iterable[Path]:
    """Every `*.md` under `root` but `README*.md`, and nothing in a folder qtconvert builds into
    (one holding `OUTPUT_MARKER`), so that `build .` twice does not read its own output."""
    for folder, dirs, names in os.walk(root):
        if folder != str(root) and OUTPUT_MARKER in names:
            dirs.clear()
            continue
        for name in names:
            if name.endswith(".md") and not name.lower().startswith("readme"):
                path = Path(folder, name)
                if path.is_file():
                    yield path


def read_article(file: str | os.PathLike[str], *, base_url: str = DEFAULT_BASE_URL
                 ) -> tuple[Article | None, list[Diagnostic]]:
    """One file -> (article or None, its diagnostics)."""
    path = str(file)
    try:
        with open(file, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        return None, [Diagnostic(path, "(file)", f"cannot read: {exc.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Diagnostic(path, "(encoding)",
                                 f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")]
    return parse_article(text, path, base_url=base_url)


def parse_article(text: str, path: str = "<string>", *, base_url: str = DEFAULT_BASE_URL
                  ) -> tuple[Article | None, list[Diagnostic]]:
    """Article text (front matter + body) -> (article or None, its diagnostics)."""
    if not text.lstrip("\ufeff").startswith("---"):
        return None, [Diagnostic(path, "(front matter)", "no YAML front matter (the file must "
                                                         "begin with a '---' line)")]
    try:
        meta, body = _split(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [Diagnostic(path, "(front matter)", f"invalid YAML{where}: {problem}")]
    if not isinstance(meta, dict) or not meta:
        return None, [Diagnostic(path, "(front matter)", "front matter is not a mapping of fields")]
    warnings: list[Diagnostic] = []
    try:
        article = _build(meta, body, path, base_url.rstrip("/"), warnings)
    except _Invalid as exc:
        return None, [Diagnostic(path, exc.field, str(exc))]
    return article, warnings


def _split(text: str) -> tuple[Any, str]:
    """Front matter and body. The common `---` layout goes straight to libyaml's C loader;
    anything else (a BOM, `---` with trailing blanks, CRLF) takes python-frontmatter's path."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        if end > 0:
            return yaml.load(text[4:end], Loader=_LOADER), text[end + 5:]
    meta, body = frontmatter.parse(text.lstrip("\ufeff"))
    return meta, body


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _build(meta: Mapping[str, Any], body: str, path: str, base_url: str,
           warnings: list[Diagnostic]) -> Article:
    url = _required(meta, "url", str)
    m = URL_PATTERN.fullmatch(url.strip())
    if m is None:
        raise _Invalid("url", f"{url!r} is not of the form /learn/<subject-key>/questions/<slug> "
                              "(lowercase letters, digits and hyphens)")
    subject_key, slug = m.groups()
    url = f"/learn/{subject_key}/questions/{slug}"
    site_layout = "answer" in meta
    if site_layout:
        stored = _required(meta, "answer", str)
        answer = answer_text.answer_from_site(stored.strip())
        seo = meta.get("seo") or {}
        if not isinstance(seo, dict):
            warnings.append(Diagnostic(path, "seo", "not a mapping; keywords and description "
                                                    "left empty", "warning"))
            seo = {}
        keywords = _keywords(seo.get("page_keywords"), path, warnings)
        description = _optional(seo, "page_description", str, "", path, warnings, "seo.")
        related = tuple(_related_site(meta, path, base_url, warnings))
    else:
        related = tuple(_related_plain(meta.get("related"), path, base_url, warnings))
        shift = meta.get("heading_shift")
        answer = answer_text.normalise_markdown(plain_markdown.split_answer(
            body, set(_hrefs(meta.get("related"))), shift if type(shift) is int else 0))
        keywords = _keywords(meta.get("keywords"), path, warnings)
        description = _optional(meta, "description", str, "", path, warnings)
    if not answer.strip() or answer.strip() == "&nbsp;":
        raise _Invalid("answer", "the answer is empty")
    question = _required(meta, "question", str).strip()
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        warnings.append(Diagnostic(path, "title", "missing; the question is used as the title",
                                   "warning"))
        title = question
    return Article(
        id=_required(meta, "id", int),
        title=title.strip(),
        question=question,
        answer=answer,
        subject=_required(meta, "subject", str).strip(),
        subject_key=subject_key,
        slug=slug,
        url=url,
        canonical_url=base_url + url,
        date=_date(meta.get("date")),
        keywords=keywords,
        description=description.strip(),
        related=related,
        no_index=_optional(meta, "no_index", bool, False, path, warnings),
        source_path=path,
        author=_optional(meta, "author", str, "QuickTakes", path, warnings).strip() or "QuickTakes",
    )


def _type_name(t: type) -> str:
    return {int: "an integer", str: "a string", bool: "true or false"}.get(t, t.__name__)


def _required(meta: Mapping[str, Any], key: str, kind: type) -> Any:
    if key not in meta or meta[key] is None:
        raise _Invalid(key, "required field is missing")
    value = meta[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Invalid(key, f"must be {_type_name(kind)}, got {type(value).__name__} {value!r:.40}")
    if kind is str and not value.strip():
        raise _Invalid(key, "required field is empty")
    return value


def _optional(meta: Mapping[str, Any], key: str, kind: type, default: Any, path: str,
              warnings: list[Diagnostic], prefix: str = "") -> Any:
    value = meta.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        warnings.append(Diagnostic(path, prefix + key, f"must be {_type_name(kind)}, got "
                                   f"{type(value).__name__}; ignored", "warning"))
        return default
    return value


def _date(value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if value is None:
        raise _Invalid("date", "required field is missing")
    try:
        return _dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise _Invalid("date", f"{value!r:.40} is not a date (YYYY-MM-DD)") from None


def _keywords(value: Any, path: str, warnings: list[Diagnostic]) -> tuple[str, ...]:
    """A comma-separated string or a list -> unique, trimmed keywords in their first order."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        warnings.append(Diagnostic(path, "keywords", "must be a string or a list; ignored",
                                   "warning"))
        return ()
    return tuple(dict.fromkeys(k for k in (str(i).strip() for i in items) if k))


def _related_link(entry: Any, field: str, path: str, base_url: str,
                  warnings: list[Diagnostic]) -> RelatedLink | None:
    if not isinstance(entry, dict):
        warnings.append(Diagnostic(path, field, "must be a mapping with id, title, subject and "
                                                "url; ignored", "warning"))
        return None
    url = entry.get("url")
    if not isinstance(url, str) or not url.strip():
        warnings.append(Diagnostic(path, field + ".url", "missing; link ignored", "warning"))
        return None
    url = url.strip()
    ident = entry.get("id")
    if ident is not None and (not isinstance(ident, int) or isinstance(ident, bool)):
        ident = int(ident) if isinstance(ident, str) and ident.strip().isdigit() else None
    title = entry.get("title")
    subject = entry.get("subject")
    canonical = url if url.startswith(("http://", "https://")) else base_url + "/" + url.lstrip("/")
    return RelatedLink(ident, str(title).strip() if title else url,
                       str(subject).strip() if subject else "", url, canonical, field=field)


def _related_site(meta: Mapping[str, Any], path: str, base_url: str,
                  warnings: list[Diagnostic]) -> Iterable[RelatedLink]:
    for key in _RELATED_KEYS:
        if key in meta and meta[key] is not None:
            link = _related_link(meta[key], key, path, base_url, warnings)
            if link is not None:
                yield link


def _related_plain(value: Any, path: str, base_url: str,
                   warnings: list[Diagnostic]) -> Iterable[RelatedLink]:
    if value is None:
        return
    if not isinstance(value, list):
        warnings.append(Diagnostic(path, "related", "must be a list; ignored", "warning"))
        return
    for n, entry in enumerate(value, 1):
        link = _related_link(entry, f"related[{n}]", path, base_url, warnings)
        if link is not None:
            yield link


def _hrefs(value: Any) -> list[str]:
    """The `href` of each plain-layout related entry (its link in the body's related list)."""
    if not isinstance(value, list):
        return []
    return [str(e.get("href") or e.get("url") or "") for e in value
            if isinstance(e, dict) and isinstance(e.get("url"), str) and e["url"].strip()]
