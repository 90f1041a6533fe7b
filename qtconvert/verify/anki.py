"""Anki checks: each `.apkg` opens (a zip holding an SQLite collection, read from memory with
`sqlite3`, no Anki library needed), its notes' GUIDs are unique, no field holds `$..$` math
(Anki typesets only MathJax `\\(..\\)` and `\\[..\\]`) or Anki's own syntax (`{{`, `}}`,
`[sound:..]`, ...); the `.txt` import file beside it has Anki's headers and one row per note,
with the same GUIDs."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from ..model.plain_markdown import code_and_math
from .core import ERROR, Options, Plan, Problem, Task, rel

__all__ = ["plan", "check_deck", "read_apkg", "raw_math", "anki_syntax"]

FORMAT = "anki"
# newest first: Anki 2.1 writes `collection.anki21` (and a stub `collection.anki2`) when a
# deck needs 2.1; `collection.anki21b` is zstd-compressed (Anki 2.1.50+ exports)
_COLLECTIONS = ("collection.anki21", "collection.anki2")
_SQLITE = b"SQLite format 3\x00"
_MATHJAX = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_ANKI_SYNTAX = re.compile(r"\{\{|\}\}|\[(?:sound:|anki:|latex\]|/latex\]|\$\]|\$\$\]|/\$)")
_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|",
               "colon": ":"}
_SHOWN = 3  # GUIDs named in one message


def plan(options: Options) -> Plan:
    """One task per deck: `<key>.apkg` with the `<key>.txt` beside it (either may be alone)."""
    root = options.out / FORMAT
    keys = sorted({p.stem for p in root.glob("*.apkg")} | {p.stem for p in root.glob("*.txt")})
    tasks = []
    for key in keys:
        files = tuple(rel(options, p) for p in (root / f"{key}.apkg", root / f"{key}.txt")
                      if p.is_file())
        tasks.append(Task(FORMAT, files, check_deck, (key,)))
    return Plan(tasks)


def check_deck(options: Options, key: str) -> list[Problem]:
    apkg, txt = options.out / FORMAT / f"{key}.apkg", options.out / FORMAT / f"{key}.txt"
    found: list[tuple[Path, str, str, str]] = []
    notes = None
    if apkg.is_file():
        try:
            notes = read_apkg(apkg)
        except PackageError as exc:
            found.append((apkg, "package", str(exc), ERROR))
        else:
            found += [(apkg, check, message, ERROR) for check, message in _note_problems(notes)]
    if txt.is_file():
        found += [(txt, check, message, severity)
                  for check, message, severity in _text_problems(txt, notes)]
    return [Problem(rel(options, path), FORMAT, check, message, severity)
            for path, check, message, severity in found if options.wants(check)]


class PackageError(Exception):
    """The `.apkg` does not open: not a whole zip, no collection, not an SQLite database."""


def read_apkg(path: Path) -> list[tuple[str, dict[str, str]]]:
    """The notes of an Anki package as (GUID, {field name: field HTML}), in the order of their
    ids. The collection is read from memory: nothing is extracted or written."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            name = next((n for n in _COLLECTIONS if n in names), None)
            if name is None:
                newer = " (only collection.anki21b, a newer Anki's compressed format)" \
                    if "collection.anki21b" in names else ""
                raise PackageError(f"no {' or '.join(_COLLECTIONS)} in the zip{newer}")
            data = zf.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise PackageError(f"not a whole zip file: {exc}") from None
    if not data.startswith(_SQLITE):
        raise PackageError(f"{name} is not an SQLite database")
    db = sqlite3.connect(":memory:")
    try:
        db.deserialize(data)
        db.execute("PRAGMA query_only = 1")
        integrity = db.execute("PRAGMA quick_check").fetchone()[0]
        if integrity != "ok":
            raise PackageError(f"{name} is damaged: {integrity}")
        names = _field_names(db)
        notes = []
        for guid, mid, flds in db.execute("SELECT guid, mid, flds FROM notes ORDER BY id"):
            values = flds.split("\x1f")
            known = names.get(mid, [])
            notes.append((guid, dict(zip(known if len(known) == len(values) else
                                         [f"{n}" for n in range(1, len(values) + 1)], values))))
        return notes
    except sqlite3.DatabaseError as exc:
        raise PackageError(f"{name} cannot be read: {exc}") from None
    finally:
        db.close()


def _field_names(db: sqlite3.Connection) -> dict[int, list[str]]:
    """Note type id -> its field names, from the collection's `models` JSON (schema 11)."""
    try:
        models = db.execute("SELECT models FROM col").fetchone()[0]
        return {int(mid): [f["name"] for f in model["flds"]]
                for mid, model in json.loads(models or "{}").items()}
    except (ValueError, KeyError, TypeError, sqlite3.DatabaseError):
        return {}


def _note_problems(notes: list[tuple[str, dict[str, str]]]):
    for guid, count in Counter(guid for guid, _ in notes).items():
        if not guid:
            yield "guid", f"{count} note(s) without a GUID"
        elif count > 1:
            yield "guid", f"GUID {guid} is used by {count} notes (Anki keeps one of them)"
    for guid, fields in notes:
        for name, html in fields.items():
            yield from _field_problems(html, f"note {guid}, field {name}")


def _field_problems(html: str, where: str):
    for formula in raw_math(html):
        yield "math", (f"{where}: {_cut(formula)} is $ math, which Anki shows as text "
                       r"(it typesets \(..\) and \[..\])")
    for syntax in anki_syntax(html):
        yield "anki-syntax", (f"{where}: an unescaped {syntax!r}, which Anki reads as its own "
                              "syntax (template, cloze, sound or LaTeX)")


def raw_math(html: str) -> list[str]:
    """The `$..$` and `$$..$$` formulas (pandoc's rules) in the text a card shows: outside
    `<code>`, `<pre>` and MathJax's `\\(..\\)` and `\\[..\\]`."""
    if "$" not in html and "&" not in html:
        return []
    text = _MATHJAX.sub(" ", _VisibleText.of(html))
    return [text[start:end] for start, end in code_and_math(text) if text[start] == "$"]


def anki_syntax(html: str) -> list[str]:
    """What Anki's template, cloze and media parsers would read in a field's raw HTML."""
    return list(dict.fromkeys(m.group() for m in _ANKI_SYNTAX.finditer(html)))


class _VisibleText(HTMLParser):
    """The text of an HTML fragment without code; blocks are apart (a blank line between them),
    so a formula cannot run from one paragraph into the next."""

    _CODE = {"code", "pre", "kbd", "samp", "script", "style"}
    _INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "dfn", "em", "i", "mark", "q", "s",
               "small", "span", "strong", "sub", "sup", "u", "var", "wbr", "del", "ins"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.code = 0

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        parser.close()
        return "".join(parser.parts)

    def handle_starttag(self, tag, attrs):
        if tag in self._CODE:
            self.code += 1
        if tag not in self._INLINE:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self._CODE:
            self.code = max(0, self.code - 1)
        if tag not in self._INLINE:
            self.parts.append("\n\n")

    def handle_data(self, data):
        self.parts.append(" " if self.code else data)


def _text_problems(path: Path, notes: list[tuple[str, dict[str, str]]] | None):
    """(check, message, severity) for Anki's text import file at `path`; `notes` are the
    `.apkg`'s beside it (None when there is none or it does not open)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, OSError) as exc:
        yield "text-import", f"cannot be read as UTF-8: {exc}", ERROR
        return
    headers: dict[str, str] = {}
    at = 0
    while at < len(lines) and lines[at].startswith("#"):
        name, _, value = lines[at][1:].partition(":")
        headers[name.strip().lower()] = value.strip()
        at += 1
    separator = _SEPARATORS.get(headers.get("separator", "").lower(),
                                headers.get("separator") or None)
    missing = [f"#{h}" for h in ("separator", "html", "notetype", "deck", "guid column")
               if not headers.get(h)]
    if missing:
        yield "text-import", f"no {', '.join(missing)} header", ERROR
    if headers.get("html", "true").lower() != "true":
        yield "text-import", "#html is not true: Anki would show the fields' HTML as text", ERROR
    guid_column = headers.get("guid column", "")
    if not separator or not guid_column.isdigit() or int(guid_column) < 1:
        if not missing:
            yield "text-import", "the #separator or #guid column header is not usable", ERROR
        return
    guid_at = int(guid_column) - 1
    tags_at = int(headers["tags column"]) - 1 if headers.get("tags column", "").isdigit() else -1
    columns = headers.get("columns", "").split(separator) if headers.get("columns") else None
    guids = []
    for number, line in enumerate(lines[at:], at + 1):
        if not line.strip():
            continue
        row = line.split(separator)
        if (columns and len(row) != len(columns)) or len(row) <= guid_at:
            yield "text-import", (f"line {number}: {len(row)} columns, not "
                                  f"{len(columns) if columns else guid_at + 1}"), ERROR
            continue
        guids.append(row[guid_at])
        for n, field in enumerate(row):
            if n not in (guid_at, tags_at):
                for check, message in _field_problems(
                        field, f"line {number} ({row[guid_at]}), column {n + 1}"):
                    yield check, message, ERROR
    for guid, count in Counter(guids).items():
        if count > 1:
            yield "guid", f"GUID {guid} is on {count} lines", ERROR
    if notes is None:
        return
    if len(guids) != len(notes):
        yield "text-import", f"{len(guids)} notes, but the .apkg beside it has {len(notes)}", \
            ERROR
    in_package = {guid for guid, _ in notes}
    for lacking, names in (("the .apkg beside it lacks", set(guids) - in_package),
                           ("missing here, but in the .apkg", in_package - set(guids))):
        if names:
            shown = ", ".join(sorted(names)[:_SHOWN]) + (", ..." if len(names) > _SHOWN else "")
            yield "text-import", f"{len(names)} GUID(s) {lacking}: {shown}", ERROR


def _cut(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."
