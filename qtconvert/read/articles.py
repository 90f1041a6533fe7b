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
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model import (
    DEFAULT_BASE_URL,
    Article,
    Collection,
    Diagnostic,
    RelatedLink,
    plain_markdown,
)
from ..model.urls import (
    OUTPUT_MANIFEST,
    OUTPUT_MARKER,
    URL_PATTERN,
    article_url,
    safe_name,
)
from ..cache import NoCache
from . import answer_text, collection_cache, front_matter, parallel_read, read_cache
from .front_matter import shown

__all__ = ["load", "read_article", "parse_article"]

_RELATED_KEYS = tuple(f"related_article{n}" for n in range(1, 6))


class _Invalid(Exception):
    """A required field is missing or has the wrong type: the article cannot load."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def load(path: str | os.PathLike[str], *, base_url: str = DEFAULT_BASE_URL,
         jobs: int | None = None, cache: NoCache | None = None,
         then: Callable[[Collection], Collection] | None = None,
         then_key: Hashable = None) -> Collection:
    """Every `*.md` under `path` (recursively, in sorted order) as a `Collection`, given to
    `then` (the filters) when there is one.

    `README*.md` files are documentation, not articles, and are skipped.
    Problems become `Collection.diagnostics`; of two articles with one `url`, or with one
    output name (`safe_name` of subject key and slug), the first is kept. Large folders are
    read by `jobs` processes (default: one per core); the result is the same.

    With a build `cache` the result is the same too, but a file read before (same bytes, place,
    base_url and code) is not parsed again (`read_cache`), and the finished collection is kept:
    when nothing changed since the last load of `path` it is taken whole, and when a few files
    changed it is patched (`collection_cache`). `then_key` names what `then` does (a stable
    value; None when it cannot be named, and then `then` always runs); when `then` offers
    `rewrites` (a `model.lookups.ArticleRewrites`, as `filters.FilterChain` does), a patch
    rewrites only the articles the change touched.
    """
    root = Path(path)
    base_url = base_url.rstrip("/")
    if root.is_file():
        files, names = [str(root)], [root.name]
    elif root.is_dir():
        prefix = _prefix(root)
        files = sorted(_article_files(root, prefix))
        names = [f[len(prefix):] for f in files]  # where each is in the folder
    else:
        collection = Collection((), (Diagnostic(str(root), "(path)", "no such file or folder"),),
                                base_url)
        return collection if then is None else then(collection)
    if cache is None or not cache.enabled:
        collection, _ = collect(files, parallel_read.read_all(files, base_url, jobs), base_url)
        return collection if then is None else then(collection)
    sources = read_cache.Sources.read(files, names, base_url)
    if then is None or then_key is not None:
        where = collection_cache.slot(str(root), base_url, then_key)
        return collection_cache.load(sources, cache, where, then, collect, jobs)[0]
    collection, _ = collect(files, sources.results(cache, jobs), base_url)
    return then(collection)


def collect(files: Sequence[str], results: Iterable[tuple[Article | None, list[Diagnostic]]],
            base_url: str) -> tuple[Collection, int]:
    """The collection of the files' parse results, in order, and how many articles it left
    out: an article whose url or output name an earlier one has, with a diagnostic."""
    articles: list[Article] = []
    diagnostics: list[Diagnostic] = []
    by_url: dict[str, Article] = {}
    by_name: dict[tuple[str, str], Article] = {}
    by_subject_name: dict[str, Article] = {}
    clashes = 0
    for file, (article, problems) in zip(files, results):
        diagnostics.extend(problems)
        if article is None:
            continue
        problem = _clash(article, by_url, by_name, by_subject_name)
        if problem is not None:
            diagnostics.append(Diagnostic(file, "url", problem))
            clashes += 1
            continue
        articles.append(article)
    return Collection(tuple(articles), tuple(diagnostics), base_url), clashes


def _clash(article: Article, by_url: dict[str, Article],
           by_name: dict[tuple[str, str], Article], by_subject_name: dict[str, Article]
           ) -> str | None:
    """Why `article` cannot join the ones before it (same url, or same output name), or None;
    records it when it can.

    Writers name files by `safe_name` of the subject key and the slug (cut to 120 characters,
    trailing hyphens dropped), so `what-is-x` and `what-is-x-` would overwrite each other.
    """
    first = by_url.get(article.url)
    if first is not None:
        return f"duplicate url {shown(article.url, 80)}, first defined in {first.source_path}"
    subject_name = safe_name(article.subject_key)
    name = (subject_name, safe_name(article.slug))
    other = by_name.get(name)
    if other is not None:
        return (f"same output name {shown('/'.join(name), 80)} as {other.source_path} "
                f"(url {shown(other.url, 80)}); change one of the two urls")
    other = by_subject_name.setdefault(subject_name, article)
    if other.subject_key != article.subject_key:
        return (f"subject key {shown(article.subject_key)} has the output name of subject key "
                f"{shown(other.subject_key)} ({other.source_path}); change one of the two urls")
    by_url[article.url] = by_name[name] = article
    return None


def _prefix(folder: Path) -> str:
    """What `str(folder / name)` puts before `name` (`Path` drops a leading `./`)."""
    text = str(folder)
    return "" if text == "." else text if text.endswith("/") else text + "/"


def _article_files(root: Path, prefix: str) -> list[str]:
    """Every `*.md` under `root` but `README*.md` (as `str(path)`), and nothing in a folder
    qtconvert builds into (one holding `OUTPUT_MARKER`), so that `build .` twice does not read
    its own output. Folders are walked as `os.walk` does (errors skipped, links to folders
    not followed); a link to a file is read."""
    found: list[str] = []
    folders = [(str(root), prefix, True)]
    while folders:
        folder, inside, top = folders.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue
        names = [e.name for e in listed if not _is_dir(e)]
        if not top and (OUTPUT_MARKER in names or OUTPUT_MANIFEST in names):
            continue
        for entry in listed:
            name = entry.name
            if _is_dir(entry):
                if not entry.is_symlink():
                    folders.append((entry.path, inside + name + "/", False))
            elif name.endswith(".md") and not name.lower().startswith("readme") \
                    and _is_file(entry):
                found.append(inside + name)
    return found


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def read_article(file: str | os.PathLike[str], *, base_url: str = DEFAULT_BASE_URL
                 ) -> tuple[Article | None, list[Diagnostic]]:
    """One file -> (article or None, its diagnostics)."""
    raw = read_bytes(file)
    if isinstance(raw, Diagnostic):
        return None, [raw]
    return article_from_bytes(raw, str(file), base_url=base_url)


def read_bytes(file: str | os.PathLike[str]) -> bytes | Diagnostic:
    """A file's bytes (at most one more than `MAX_FILE_BYTES`), or why they cannot be read.
    (`os.read` on a descriptor costs two thirds of what `open` does for files this small.)

    Each read asks for at most `_READ` bytes (one read for nearly every article, and one that
    finds its end): `os.read` allocates what it is asked for, and a buffer of the whole bound
    is above the size from which the C library maps fresh memory for each one, which tripled
    the time to read the corpus."""
    chunks: list[bytes] = []
    left = MAX_FILE_BYTES + 1
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            while left > 0 and (chunk := os.read(fd, min(left, _READ))):
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        return Diagnostic(str(file), "(file)", f"cannot read: {exc.strerror}")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def article_from_bytes(raw: bytes, path: str, *, base_url: str = DEFAULT_BASE_URL
                       ) -> tuple[Article | None, list[Diagnostic]]:
    """A file's bytes, read from `path` -> (article or None, its diagnostics)."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [Diagnostic(path, "(file)", f"larger than {MAX_FILE_BYTES // 1024} KB, "
                                                 "far beyond any article; not read")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Diagnostic(path, "(encoding)",
                                 f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")]
    return parse_article(text, path, base_url=base_url)


def parse_article(text: str, path: str = "<string>", *, base_url: str = DEFAULT_BASE_URL
                  ) -> tuple[Article | None, list[Diagnostic]]:
    """Article text (front matter + body) -> (article or None, its diagnostics)."""
    try:
        front, body = front_matter.split(text)
        meta, duplicates = front_matter.parse(front)
    except front_matter.FrontMatterError as exc:
        return None, [Diagnostic(path, exc.field, str(exc))]
    if not isinstance(meta, dict) or not meta:
        return None, [Diagnostic(path, "(front matter)", "front matter is not a mapping of fields")]
    warnings: list[Diagnostic] = []
    try:
        _duplicates(duplicates, path, warnings)
        article = _build(meta, body, path, base_url.rstrip("/"), warnings)
    except _Invalid as exc:
        return None, [Diagnostic(path, exc.field, str(exc))]
    return article, warnings


# A key written twice keeps its last value (YAML's rule); for these that silently changes what
# is published or where, so the article is refused.
_MUST_BE_UNIQUE = frozenset({"url", "id", "subject", "answer", "question", "no_index"})


def _duplicates(keys: list[str], path: str, warnings: list[Diagnostic]) -> None:
    for key in keys:
        if key in _MUST_BE_UNIQUE:
            raise _Invalid(key, "written twice in the front matter; keep one")
        warnings.append(Diagnostic(path, key, "written twice in the front matter; the last "
                                              "value is used", "warning"))


# Bounds on what one article may hold, far above the site's largest values (measured on the
# 8,009-article sample: file 7.4 KB, answer 4,847 characters, question and title 173,
# description 462, 31 keywords of at most 56 characters, url 202), so that one crafted article
# cannot cost a build minutes or gigabytes. Past a bound, a field that can be shortened without
# changing what the article says is cut with a warning; otherwise the article is refused.
MAX_FILE_BYTES = 256 * 1024  # error
_READ = 64 * 1024  # bytes `read_bytes` asks for at a time (below glibc's mmap threshold)
MAX_ANSWER_CHARS = 50_000  # error: a cut answer could end inside a table, list or formula
MAX_QUESTION_CHARS = 1_000  # error for the question; the title falls back to the question
MAX_NAME_CHARS = 200  # subject (error), author (warning: the default is used)
MAX_URL_CHARS = 400  # error; a related link's url: the link is ignored
MAX_DESCRIPTION_CHARS = 2_000  # warning: cut
MAX_KEYWORDS = 100  # warning: the first ones kept
MAX_KEYWORD_CHARS = 200  # warning: a longer one is dropped
MAX_RELATED = 20  # warning: the first ones kept (the site's layout has five at most)
MAX_ID = 2**53 - 1  # the largest integer every JSON reader holds exactly
# Dates every output can carry: a ZIP entry (EPUB) holds 1980-01-01 to 2107-12-31; the site's
# dates are 2024 to 2025. The upper bound keeps a margin below 2107 and four-digit years.
MIN_DATE, MAX_DATE = _dt.date(1980, 1, 1), _dt.date(2099, 12, 31)

# Characters XML 1.0 cannot carry (C0 controls but tab, newline and CR; U+FFFE, U+FFFF; lone
# surrogates, which a YAML escape can make). Every text field is cleaned of them, with a warning.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_ASCII = b"\t\n\r" + bytes(range(0x20, 0x80))  # the ASCII characters XML carries
_BOOL_WORDS = {"true": True, "yes": True, "false": False, "no": False}


def _build(meta: Mapping[str, Any], body: str, path: str, base_url: str,
           warnings: list[Diagnostic]) -> Article:
    url = _required(meta, "url", str).strip()
    if len(url) > MAX_URL_CHARS:
        raise _Invalid("url", f"{len(url):,} characters, more than the {MAX_URL_CHARS} allowed")
    m = URL_PATTERN.fullmatch(url)
    if m is None:
        raise _Invalid("url", f"{shown(url)} is not of the form /learn/<subject-key>/questions/"
                              "<slug> (lowercase letters, digits and hyphens)")
    subject_key, slug = m.groups()
    url = article_url(subject_key, slug)
    site_layout = "answer" in meta
    if site_layout:
        stored = _required_text(meta, "answer", path, warnings, MAX_ANSWER_CHARS)
        answer = answer_text.answer_from_site(stored)
        seo = meta.get("seo") or {}
        if not isinstance(seo, dict):
            warnings.append(Diagnostic(path, "seo", "not a mapping; keywords and description "
                                                    "left empty", "warning"))
            seo = {}
        keywords = _keywords(seo.get("page_keywords"), "seo.page_keywords", path, warnings)
        description = _optional_text(seo, "page_description", "", path, warnings, "seo.")
        related = tuple(_related_site(meta, path, base_url, warnings))
    else:
        related = tuple(_related_plain(meta.get("related"), path, base_url, warnings))
        if len(body) > MAX_ANSWER_CHARS:
            raise _Invalid("answer", f"{len(body):,} characters, more than the "
                                     f"{MAX_ANSWER_CHARS:,} allowed")
        shift = meta.get("heading_shift")  # how far the export moved the answer's headings
        answer = answer_text.normalise_markdown(plain_markdown.split_answer(
            _clean(body, "answer", path, warnings), set(_hrefs(meta.get("related"))),
            shift if type(shift) is int else 0))
        keywords = _keywords(meta.get("keywords"), "keywords", path, warnings)
        description = _optional_text(meta, "description", "", path, warnings)
    if not answer.strip() or answer.strip() == "&nbsp;":
        raise _Invalid("answer", "the answer is empty")
    if (too_deep := answer_text.nesting_problem(answer)) is not None:
        raise _Invalid("answer", too_deep)  # every renderer recurses per level
    if len(description) > MAX_DESCRIPTION_CHARS:
        warnings.append(Diagnostic(path, "seo.page_description" if site_layout else "description",
                                   f"{len(description):,} characters; cut to "
                                   f"{MAX_DESCRIPTION_CHARS:,}", "warning"))
        description = description[:MAX_DESCRIPTION_CHARS]
    question = _required_text(meta, "question", path, warnings, MAX_QUESTION_CHARS)
    title = _title(meta.get("title"), question, path, warnings)
    author = _optional_text(meta, "author", "QuickTakes", path, warnings) or "QuickTakes"
    if len(author) > MAX_NAME_CHARS:
        warnings.append(Diagnostic(path, "author", f"{len(author):,} characters, more than the "
                                   f"{MAX_NAME_CHARS} allowed; QuickTakes used", "warning"))
        author = "QuickTakes"
    return Article(
        id=_id(meta),
        title=title,
        question=question,
        answer=answer,
        subject=_required_text(meta, "subject", path, warnings, MAX_NAME_CHARS),
        subject_key=subject_key,
        slug=slug,
        url=url,
        canonical_url=base_url + url,
        date=_date(meta.get("date")),
        keywords=keywords,
        description=description,
        related=related,
        no_index=_flag(meta, "no_index"),
        source_path=path,
        author=author,
    )


def _type_name(t: type) -> str:
    return {int: "an integer", str: "a string", bool: "true or false"}.get(t, t.__name__)


def _required(meta: Mapping[str, Any], key: str, kind: type) -> Any:
    if key not in meta or meta[key] is None:
        raise _Invalid(key, "required field is missing")
    value = meta[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Invalid(key, f"must be {_type_name(kind)}, got {type(value).__name__} "
                            f"{shown(value)}")
    if kind is str and not value.strip():
        raise _Invalid(key, "required field is empty")
    return value


def _required_text(meta: Mapping[str, Any], key: str, path: str, warnings: list[Diagnostic],
                   limit: int) -> str:
    """A required string, trimmed and cleaned of what XML cannot carry; too long is an error."""
    value = _clean(_required(meta, key, str), key, path, warnings).strip()
    if not value:
        raise _Invalid(key, "required field is empty")
    if len(value) > limit:
        raise _Invalid(key, f"{len(value):,} characters, more than the {limit:,} allowed")
    return value


def _optional_text(meta: Mapping[str, Any], key: str, default: str, path: str,
                   warnings: list[Diagnostic], prefix: str = "") -> str:
    """An optional string, trimmed and cleaned; another type is a warning and the default."""
    value = meta.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        warnings.append(Diagnostic(path, prefix + key, f"must be a string, got "
                                   f"{type(value).__name__}; ignored", "warning"))
        return default
    return _clean(value, prefix + key, path, warnings).strip()


def _clean(text: str, field: str, path: str, warnings: list[Diagnostic]) -> str:
    """`text` without the characters XML cannot carry, with a warning when there were some."""
    if not _xml_forbidden(text):
        return text
    found = sorted(set(_XML_FORBIDDEN.findall(text)))
    names = ", ".join(f"U+{ord(c):04X}" for c in found[:4]) + (", ..." if len(found) > 4 else "")
    warnings.append(Diagnostic(path, field, f"control or non-XML characters removed ({names})",
                               "warning"))
    return _XML_FORBIDDEN.sub("", text)


def _xml_forbidden(text: str) -> bool:
    """True when `text` holds a character XML cannot carry (for ASCII text, deleting the
    allowed bytes is several times faster than the regular expression)."""
    if text.isascii():
        return bool(text.encode().translate(None, _XML_ASCII))
    return _XML_FORBIDDEN.search(text) is not None


def _title(value: Any, question: str, path: str, warnings: list[Diagnostic]) -> str:
    """The title, or the question (with a warning) when it is missing, not text or too long."""
    if value is None or (isinstance(value, str) and not value.strip()):
        problem = "missing"
    elif not isinstance(value, str):
        problem = f"must be a string, got {type(value).__name__}"
    else:
        title = _clean(value, "title", path, warnings).strip()
        if len(title) <= MAX_QUESTION_CHARS and title:
            return title
        problem = (f"{len(title):,} characters, more than the {MAX_QUESTION_CHARS:,} allowed"
                   if title else "missing")
    warnings.append(Diagnostic(path, "title", f"{problem}; the question is used as the title",
                               "warning"))
    return question


def _id(meta: Mapping[str, Any]) -> int:
    value = _required(meta, "id", int)
    if not 0 <= value <= MAX_ID:
        raise _Invalid("id", f"{shown(value)} is out of range (0 to {MAX_ID:,})")
    return value


def _flag(meta: Mapping[str, Any], key: str) -> bool:
    """true/false, or the strings "true", "yes", "false", "no" read as they mean; anything else
    is an error, so that a mistyped `no_index` never publishes an article by accident."""
    value = meta.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
        return _BOOL_WORDS[value.strip().lower()]
    raise _Invalid(key, f"must be true or false, got {type(value).__name__} {shown(value)}")


def _date(value: Any) -> _dt.date:
    if value is None:
        raise _Invalid("date", "required field is missing")
    if isinstance(value, _dt.datetime):
        date = value.date()
    elif isinstance(value, _dt.date):
        date = value
    else:
        try:
            date = _dt.date.fromisoformat(str(value).strip()[:10]) if isinstance(value, str) \
                else None
        except ValueError:
            date = None
        if date is None:
            raise _Invalid("date", f"{shown(value)} is not a date (YYYY-MM-DD)")
    if not MIN_DATE <= date <= MAX_DATE:
        raise _Invalid("date", f"{date.isoformat()} is outside {MIN_DATE.isoformat()} to "
                               f"{MAX_DATE.isoformat()}, the dates every output format can carry")
    return date


def _keywords(value: Any, field: str, path: str, warnings: list[Diagnostic]
              ) -> tuple[str, ...]:
    """A comma-separated string or a list -> unique, trimmed keywords in their first order,
    at most `MAX_KEYWORDS` of at most `MAX_KEYWORD_CHARS` each (a warning otherwise)."""
    if value is None:
        return ()
    if isinstance(value, str):
        texts = value.split(",")
    elif isinstance(value, list):
        texts = [str(i) for i in value
                 if isinstance(i, (str, int, float)) and not isinstance(i, bool)]
        if len(texts) < len(value):
            warnings.append(Diagnostic(path, field, f"{len(value) - len(texts)} of the entries "
                                                    "are not text; ignored", "warning"))
    else:
        warnings.append(Diagnostic(path, field, "must be a string or a list; ignored",
                                   "warning"))
        return ()
    keywords = list(dict.fromkeys(filter(None, map(str.strip, texts))))
    if max(map(len, keywords), default=0) > MAX_KEYWORD_CHARS:
        short = [k for k in keywords if len(k) <= MAX_KEYWORD_CHARS]
        warnings.append(Diagnostic(path, field, f"keywords longer than {MAX_KEYWORD_CHARS} "
                                   f"characters dropped ({len(keywords) - len(short):,})",
                                   "warning"))
        keywords = short
    if len(keywords) > MAX_KEYWORDS:
        warnings.append(Diagnostic(path, field, f"{len(keywords):,} keywords; the first "
                                                f"{MAX_KEYWORDS} kept", "warning"))
        del keywords[MAX_KEYWORDS:]
    joined = "\n".join(keywords)
    if _xml_forbidden(joined):
        keywords = [k for k in _clean(joined, field, path, warnings).split("\n") if k.strip()]
    return tuple(keywords)


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
    title, subject = _link_text(entry.get("title")), _link_text(entry.get("subject"))
    if _xml_forbidden(url + title + subject):
        url = _clean(url, field + ".url", path, warnings).strip()
        title = _clean(title, field + ".title", path, warnings).strip()
        subject = _clean(subject, field + ".subject", path, warnings).strip()
    if len(url) > MAX_URL_CHARS:
        warnings.append(Diagnostic(path, field + ".url", f"{len(url):,} characters, more than "
                                   f"the {MAX_URL_CHARS} allowed; link ignored", "warning"))
        return None
    ident = entry.get("id")
    if isinstance(ident, str) and ident.strip().isdigit() and len(ident.strip()) < 17:
        ident = int(ident)
    if ident.__class__ is not int or not 0 <= ident <= MAX_ID:  # not bool, not another type
        ident = None
    if len(title) > MAX_QUESTION_CHARS:
        warnings.append(Diagnostic(path, field + ".title", f"{len(title):,} characters; cut to "
                                   f"{MAX_QUESTION_CHARS:,}", "warning"))
        title = title[:MAX_QUESTION_CHARS]
    canonical = url if url.startswith(("http://", "https://")) else base_url + "/" + url.lstrip("/")
    return RelatedLink(ident, title or url, subject[:MAX_NAME_CHARS], url, canonical, field=field)


def _link_text(value: Any) -> str:
    """A related link's title or subject as text ('' when missing or not a scalar)."""
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value:
        return str(value)
    return ""


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
    if len(value) > MAX_RELATED:
        warnings.append(Diagnostic(path, "related", f"{len(value):,} entries; the first "
                                                    f"{MAX_RELATED} kept", "warning"))
    for n, entry in enumerate(value[:MAX_RELATED], 1):
        link = _related_link(entry, f"related[{n}]", path, base_url, warnings)
        if link is not None:
            yield link


def _hrefs(value: Any) -> list[str]:
    """The `href` of each plain-layout related entry (its link in the body's related list)."""
    if not isinstance(value, list):
        return []
    return [str(e.get("href") or e.get("url") or "") for e in value
            if isinstance(e, dict) and isinstance(e.get("url"), str) and e["url"].strip()]
