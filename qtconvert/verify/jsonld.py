"""JSON-LD checks: every `.jsonld` file (and every line of `all.ndjson`) parses; its `@id`
references stay in the graph; it expands offline against the schema.org context without
dropping a term; its types and properties exist in schema.org and fit where they are used;
the properties search engines require for its page type are present; each `.html` snippet is
one script element and nothing else; and the sitemap follows the 0.9 protocol."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from . import schemaorg
from .core import WARNING, Options, Plan, Problem, Task, batches
from .sitemap import sitemap_problems

__all__ = ["plan", "check_files", "document_problems", "required_problems", "snippet_problems"]

FORMAT = "jsonld"
BATCH = 200  # small files per task

# Google Search's required properties, by type (developers.google.com/search/docs/appearance/
# structured-data: QAPage, FAQPage, Article, Breadcrumb). A Question needs one of the answers.
REQUIRED: dict[str, tuple[str, ...]] = {
    "Question": ("name", "answerCount"),
    "Answer": ("text",),
    "Article": ("headline", "author", "datePublished"),
    "BreadcrumbList": ("itemListElement",),
    "ListItem": ("position", "name"),
    "QAPage": ("mainEntity",),
    "FAQPage": ("mainEntity",),
}


def plan(options: Options) -> Plan:
    root = options.out / FORMAT
    result = Plan()
    folder = options.schemaorg
    use = folder is not None and (folder / schemaorg.CONTEXT_FILE).is_file() \
        and (folder / schemaorg.VOCABULARY_FILE).is_file()
    if folder is None:
        result.notes.append("JSON-LD checked without the schema.org vocabulary (no expansion, "
                            "no type or property check); give --schemaorg DIR to add them")
    elif not use:
        result.notes.append(f"{folder}: no {schemaorg.CONTEXT_FILE} and "
                            f"{schemaorg.VOCABULARY_FILE}; JSON-LD checked without the "
                            "schema.org vocabulary")
    names = sorted(p.relative_to(options.out).as_posix() for p in root.rglob("*")
                   if p.suffix in (".jsonld", ".html"))
    for batch in batches(names, BATCH):
        result.tasks.append(Task(FORMAT, tuple(batch), check_files, (tuple(batch), use)))
    for extra in ("all.ndjson",):
        if (root / extra).is_file():
            result.tasks.append(Task(FORMAT, (f"{FORMAT}/{extra}",), check_ndjson,
                                     (f"{FORMAT}/{extra}",)))
    sitemaps = sorted(root.glob("sitemap*.xml"))
    if sitemaps:
        result.tasks.append(Task(FORMAT, tuple(f"{FORMAT}/{p.name}" for p in sitemaps),
                                 check_sitemaps, (tuple(p.name for p in sitemaps),)))
    return result


def check_files(options: Options, names: tuple[str, ...], use_vocabulary: bool) -> list[Problem]:
    folder = options.schemaorg if use_vocabulary else None
    found = []
    for name in names:
        path = options.out / name
        if path.suffix == ".html":
            messages = [("snippet", m) for m in snippet_problems(path)]
        else:
            messages = document_problems(path.read_bytes(), folder, options.skip)
        found += [Problem(name, FORMAT, check, m) for check, m in messages
                  if options.wants(check)]
    return found


def document_problems(data: bytes, folder: Path | None,
                      skip: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(check, message) for one JSON-LD document; `folder` holds the schema.org vocabulary (None:
    no expansion or vocabulary check)."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        return [("parse", f"not JSON: {exc}")]
    if not isinstance(doc, dict) or "@context" not in doc:
        return [("parse", "not a JSON-LD object with an @context")]
    found = [("reference", m) for m in reference_problems(doc)]
    found += [("required", m) for m in required_problems(doc)]
    if folder is not None:
        if "expand" not in skip:
            try:
                expanded = schemaorg.expand_offline(doc, folder)
            except ImportError:
                found.append(("expand", "not run: pyld is not installed "
                                        "(pip install 'qtconvert[verify]')"))
            except Exception as exc:  # pyld raises JsonLdError, wrapping FetchRefused
                found.append(("expand", f"does not expand offline: {type(exc).__name__}: "
                                        f"{str(exc).splitlines()[0]}"))
            else:
                graph = doc.get("@graph", doc)
                found += [("expand", m) for m in
                          schemaorg.dropped_terms(graph, expanded, "@graph" if "@graph" in doc
                                                  else "document")]
        if "vocabulary" not in skip:
            found += [("vocabulary", m) for m in schemaorg.vocabulary(folder).problems(doc)]
    return found


def _nodes(doc: dict) -> list[dict]:
    graph = doc.get("@graph", [doc])
    return [n for n in graph if isinstance(n, dict)]


def reference_problems(doc: dict) -> list[str]:
    """Every `{"@id": ...}` reference names a node of the graph."""
    ids = {n.get("@id") for n in _nodes(doc)}

    def refs(value) -> list[str]:
        if isinstance(value, list):
            return [r for v in value for r in refs(v)]
        if isinstance(value, dict):
            if set(value) == {"@id"}:
                return [value["@id"]]
            return [r for k, v in value.items() if k != "@id" for r in refs(v)]
        return []

    return [f"{r} is referred to but is not a node of the graph"
            for r in dict.fromkeys(refs(doc.get("@graph", doc))) if r not in ids]


def required_problems(doc: dict) -> list[str]:
    """The properties search engines require of each node's type (REQUIRED)."""
    by_id = {n.get("@id"): n for n in _nodes(doc)}
    found = []
    for node in schemaorg._typed_nodes(doc.get("@graph", doc)):
        node_types = schemaorg.types(node)
        where = node.get("@id") or "/".join(node_types)
        for t in node_types:
            for key in REQUIRED.get(t, ()):
                if node.get(key) in (None, "", []):
                    found.append(f"{where}: {t} without {key}")
        if "Question" in node_types:
            if not (node.get("acceptedAnswer") or node.get("suggestedAnswer")):
                found.append(f"{where}: Question without acceptedAnswer or suggestedAnswer")
            answer = node.get("acceptedAnswer")
            answer = by_id.get(answer.get("@id"), answer) if isinstance(answer, dict) else None
            if answer is not None and not answer.get("text"):
                found.append(f"{where}: its accepted Answer has no text")
    return found


class _Snippet(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: list[tuple[str, list]] = []
        self.outside: list[str] = []
        self.inside: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self.depth += tag == "script"

    def handle_endtag(self, tag):
        self.depth -= tag == "script"

    def handle_data(self, data):
        (self.inside if self.depth else self.outside).append(data)

    def handle_comment(self, data):
        self.outside.append(f"<!--{data}-->")


def snippet_problems(path: Path) -> list[str]:
    """The snippet is one `<script type="application/ld+json">` and nothing else, and holds
    the same graph as the `.jsonld` beside it."""
    parsed = _Snippet()
    parsed.feed(path.read_text(encoding="utf-8", errors="replace"))
    parsed.close()
    found = []
    if [t for t, _ in parsed.tags] != ["script"] or parsed.depth:
        found.append(f"holds {len(parsed.tags)} elements ({', '.join(t for t, _ in parsed.tags)}"
                     "), not one script element")
    elif dict(parsed.tags[0][1]).get("type") != "application/ld+json":
        found.append("the script element's type is not application/ld+json")
    if "".join(parsed.outside).strip():
        found.append("text outside the script element")
    try:
        graph = json.loads("".join(parsed.inside))
    except ValueError as exc:
        return found + [f"the script is not JSON: {exc}"]
    twin = path.with_suffix(".jsonld")
    if twin.is_file() and json.loads(twin.read_bytes()) != graph:
        found.append(f"the graph differs from {twin.name}")
    return found


def check_ndjson(options: Options, name: str) -> list[Problem]:
    found = []
    with open(options.out / name, "rb") as lines:
        for n, line in enumerate(lines, 1):
            try:
                doc = json.loads(line)
            except ValueError as exc:
                found.append(Problem(name, FORMAT, "parse", f"line {n}: not JSON: {exc}"))
                continue
            if not isinstance(doc, dict) or "@context" not in doc:
                found.append(Problem(name, FORMAT, "parse", f"line {n}: not a JSON-LD object"))
    return found


def base_address(options: Options) -> str | None:
    """The base every sitemap loc must be under: --base-url, else the WebSite node's url."""
    if options.base_url:
        return options.base_url
    for path in sorted((options.out / FORMAT).rglob("*.jsonld")):
        try:
            doc = json.loads(path.read_bytes())
        except ValueError:
            continue
        for node in _nodes(doc):
            if "WebSite" in schemaorg.types(node) and isinstance(node.get("url"), str):
                return node["url"].rstrip("/")
        break
    return None


def check_sitemaps(options: Options, names: tuple[str, ...]) -> list[Problem]:
    if not options.wants("sitemap"):
        return []
    base = base_address(options)
    found = [Problem(f"{FORMAT}/{name}", FORMAT, "sitemap", m)
             for name in names for m in sitemap_problems(options.out / FORMAT / name, base)]
    if base is None:
        found.append(Problem(f"{FORMAT}/{names[0]}", FORMAT, "sitemap",
                             "no base address to check the locs against (give --base-url)",
                             WARNING))
    return found
