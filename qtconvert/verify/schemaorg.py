"""The schema.org vocabulary, offline: JSON-LD expansion against its context with nothing
dropped, and every type and property checked against the classes, domains and ranges.

The vocabulary is two files of a schema.org release (schemaorgcontext.jsonld and
schemaorg-current-https.jsonld) in a folder the user names; nothing is fetched.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

__all__ = ["CONTEXT_FILE", "VOCABULARY_FILE", "SCHEMA", "Vocabulary", "expand_offline",
           "dropped_terms", "types", "vocabulary", "context"]

CONTEXT_FILE = "schemaorgcontext.jsonld"
VOCABULARY_FILE = "schemaorg-current-https.jsonld"
SCHEMA = "http://schema.org/"  # what the context expands terms to


def types(node: dict) -> list[str]:
    t = node.get("@type", [])
    return t if isinstance(t, list) else [t]


@cache
def context(folder: Path) -> dict:
    return json.loads((folder / CONTEXT_FILE).read_text(encoding="utf-8"))


class FetchRefused(Exception):
    """Expansion asked for a document other than the schema.org context."""


_SCHEMA_URLS = ("https://schema.org", "http://schema.org", "https://schema.org/",
                "http://schema.org/")


def _words(value, found: set[str]) -> set[str]:
    """Every key and @type value in `value` (the terms expansion will look up)."""
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            if key == "@type":
                found.update(t for t in (item if isinstance(item, list) else [item])
                             if isinstance(t, str))
            _words(item, found)
    elif isinstance(value, list):
        for item in value:
            _words(item, found)
    return found


def _context_for(doc: dict, folder: Path) -> dict:
    """The schema.org context cut down to the terms `doc` uses, its keywords and its prefixes:
    expansion reads no other definition, and pyld processes a 3,000-term context four times
    slower (measured: 50 ms against 13 ms a document)."""
    full = context(folder)["@context"]
    used = _words(doc, set())
    return {k: v for k, v in full.items()
            if k.startswith("@") or k in used
            or (isinstance(v, str) and v.endswith(("/", "#")) and ":" not in k)}


def expand_offline(doc: dict, folder: Path) -> list:
    """`doc` expanded with pyld, the schema.org context served from `folder`; FetchRefused for
    any other remote context (nothing is fetched)."""
    from pyld import jsonld

    if doc.get("@context") in _SCHEMA_URLS:
        doc = {**doc, "@context": _context_for(doc, folder)}

    def loader(url: str, options=None) -> dict:
        if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
            return {"contentType": "application/ld+json", "contextUrl": None,
                    "documentUrl": url, "document": context(folder)}
        raise FetchRefused(f"expansion would fetch {url}")

    return jsonld.expand(doc, {"documentLoader": loader})


def dropped_terms(compact, expanded: list, where: str) -> list[str]:
    """What of the compact form is missing from the expanded form (a term the context does not
    define is silently dropped by expansion), as `where.key: reason`."""
    values = compact if isinstance(compact, list) else [compact]
    if len(values) != len(expanded):
        return [f"{where}: {len(values)} values became {len(expanded)}"]
    found = []
    for value, exp in zip(values, expanded):
        if not isinstance(value, dict):
            if exp.get("@value", exp.get("@id")) != value:
                found.append(f"{where}: value {value!r} changed")
            continue
        if "@type" in value and exp.get("@type") != [SCHEMA + t for t in types(value)]:
            found.append(f"{where}: @type {value['@type']!r} is not a schema.org term")
        if "@id" in value and exp.get("@id") != value["@id"]:
            found.append(f"{where}: @id {value['@id']!r} changed")
        for key, item in value.items():
            if key.startswith("@"):
                continue
            if SCHEMA + key not in exp:
                found.append(f"{where}.{key}: dropped (not a schema.org term)")
            else:
                found += dropped_terms(item, exp[SCHEMA + key], f"{where}.{key}")
    return found


class Vocabulary:
    """schema.org classes, their superclasses, and each property's domains and ranges."""

    def __init__(self, path: Path) -> None:
        graph = json.loads(path.read_text(encoding="utf-8"))["@graph"]

        def ids(v) -> set[str]:
            return {x["@id"].removeprefix("schema:")
                    for x in (v if isinstance(v, list) else [v] if v else [])}

        def kinds(n) -> list[str]:
            return n["@type"] if isinstance(n["@type"], list) else [n["@type"]]

        self.parents = {n["@id"].removeprefix("schema:"): ids(n.get("rdfs:subClassOf"))
                        for n in graph if "rdfs:Class" in kinds(n)}
        self.domains = {n["@id"].removeprefix("schema:"): ids(n.get("schema:domainIncludes"))
                        for n in graph if "rdf:Property" in kinds(n)}
        self.ranges = {n["@id"].removeprefix("schema:"): ids(n.get("schema:rangeIncludes"))
                       for n in graph if "rdf:Property" in kinds(n)}
        self._ancestors: dict[str, frozenset[str]] = {}

    def ancestors(self, cls: str) -> frozenset[str]:
        if cls not in self._ancestors:
            seen, todo = {cls}, [cls]
            while todo:
                for parent in self.parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            self._ancestors[cls] = frozenset(seen)
        return self._ancestors[cls]

    def problems(self, doc: dict) -> list[str]:
        """Every type that schema.org lacks, property it lacks or does not allow on the node's
        types, and node a property points at outside its range."""
        graph = doc.get("@graph", [doc])
        known = {n.get("@id"): types(n) for n in graph if isinstance(n, dict)}
        found = []
        for node in _typed_nodes(graph):
            node_types = types(node)
            where = node.get("@id") or "/".join(node_types)
            unknown = [t for t in node_types if t not in self.parents]
            if unknown:
                found.append(f"{where}: {', '.join(unknown)} is not a schema.org type")
                continue
            lineage = set().union(*(self.ancestors(t) for t in node_types))
            for key, value in node.items():
                if key.startswith("@"):
                    continue
                if key not in self.domains:
                    found.append(f"{where}: {key} is not a schema.org property")
                    continue
                if not self.domains[key] & lineage:
                    found.append(f"{where}: {key} is not allowed on {'/'.join(node_types)}")
                for item in value if isinstance(value, list) else [value]:
                    target = (types(item) or known.get(item.get("@id"), [])) \
                        if isinstance(item, dict) else []
                    reach = set().union(*(self.ancestors(t) for t in target)) if target else ()
                    if target and not self.ranges[key] & reach:
                        found.append(f"{where}: {key} cannot point at {'/'.join(target)}")
        return found


def _typed_nodes(value) -> list[dict]:
    if isinstance(value, list):
        return [n for v in value for n in _typed_nodes(v)]
    if isinstance(value, dict):
        inner = [n for v in value.values() for n in _typed_nodes(v)]
        return ([value] if "@type" in value else []) + inner
    return []


@cache
def vocabulary(folder: Path) -> Vocabulary:
    """The vocabulary in `folder`, read once per process."""
    return Vocabulary(folder / VOCABULARY_FILE)
