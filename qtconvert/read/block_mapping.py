"""Read the plain block mappings the site writes without libyaml, with YAML's result.

The site's front matter uses a small part of YAML: `key: value` lines, nested mappings by
indentation, and `>-` folded scalars whose lines all start at one indentation. Read by libyaml,
each of its hundred nodes costs a few Python calls; read here, a file costs one pass over its
lines. Anything outside that part (quotes, flow collections, comments, tags, anchors, lists,
blank or more-indented lines inside a scalar, tabs, other line breaks, keys written twice, a
value YAML cannot build) makes `read` answer None, and the caller reads the text with libyaml,
which gives the same value or the error to report. Plain values are typed by YAML's own
resolver and built by its own constructors, so `2024-12-18`, `-1.0` or `no` mean what they
mean to YAML.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

__all__ = ["read"]

_STR = "tag:yaml.org,2002:str"

# Anything but a newline and the characters YAML reads as text on a line: other line breaks
# (CR, NEL, U+2028, U+2029), tabs, controls, DEL, C1 controls, surrogates and the BOM.
_UNSAFE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_ASCII_TEXT = b"\n" + bytes(range(0x20, 0x7f))
# One entry: indentation, key (a simple key is at most 1,024 characters long in YAML), then
# either `>-` and its lines (every line indented deeper than the key is the scalar's; here
# they all start at one column, with no blank line and no space at either end) or the rest
# of the line (trailing spaces dropped).
_ENTRY = re.compile(r"""
    ([ ]*) ([A-Za-z_][A-Za-z0-9_]{0,99}) :
    (?: [ ]+ >- [ ]* \n (\1[ ]+) ( [^ \n][^\n]*(?<![ ])\n (?: \3[^ \n][^\n]*(?<![ ])\n )* )
      | (?: [ ]+ ([^\n]*[^ \n]) )? [ ]* \n )
""", re.VERBOSE)
# what a plain scalar may not start with, in block context (`-` only before a space)
_INDICATORS = frozenset("?:,[]{}#&*!|>'\"%@`")

_RESOLVER = Resolver()
_TYPED_FIRST = frozenset(Resolver.yaml_implicit_resolvers)  # first letters YAML may type
_CONSTRUCTOR = SafeConstructor()
_BUILDERS = {tag: SafeConstructor.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")}


def read(front: str) -> dict[str, Any] | None:
    """The mapping YAML reads from `front`, or None when `front` is outside the part read
    here (the caller then asks libyaml)."""
    if front.isascii():
        if front.encode().translate(None, _ASCII_TEXT):
            return None
    elif _UNSAFE.search(front) is not None:
        return None
    text = front.rstrip("\n") + "\n"  # blank lines before the closing `---` say nothing
    end = len(text)
    entry = _ENTRY.match
    root: dict[str, Any] = {}
    mapping, indent = root, 0
    outer: dict[str, Any] | None = None  # the mapping `mapping` is nested in
    opened: str | None = None  # a key with nothing after it: a nested mapping may follow
    at = 0
    while at < end:
        m = entry(text, at)
        if m is None:
            return None
        at = m.end()
        spaces, key, block_indent, folded, value = m.groups()
        if opened is not None:
            if len(spaces) > indent:  # the first key of a mapping nested under `opened`
                if outer is not None:
                    return None  # deeper than the site's mappings go
                outer, mapping[opened] = mapping, {}
                mapping, indent = mapping[opened], len(spaces)
            else:
                mapping[opened] = None  # `key:` with nothing under it
            opened = None
        if len(spaces) != indent:
            if outer is None or spaces:  # only a nested mapping ends, back to column 0
                return None
            mapping, indent, outer = outer, 0, None
        if key in mapping or (key not in _STR_KEYS and not _string_key(key)):
            return None  # written twice, or a key YAML reads as a bool or null
        if folded is not None:
            mapping[key] = folded[:-1].replace("\n" + block_indent, " ")
        elif value is None:
            opened = key
        else:
            first = value[0]
            if (first in _INDICATORS or (first == "-" and value[1:2] in ("", " "))
                    or ": " in value or " #" in value or value[-1] == ":"):
                return None  # not a plain scalar, or one that ends where a mapping starts
            if first not in _TYPED_FIRST:
                mapping[key] = value
            elif first != "0" and value.isdigit() and value.isascii() and len(value) < 19:
                mapping[key] = int(value)  # what YAML's int constructor makes of it
            else:
                typed = _typed(value)
                if typed is _OUTSIDE:
                    return None
                mapping[key] = typed
    if opened is not None:
        mapping[opened] = None
    return root if root else None


_STR_KEYS: set[str] = set()  # keys known to be strings to YAML
_TYPED: dict[str, Any] = {}  # a short plain scalar that may not be a string -> its value
_OUTSIDE = object()


def _string_key(key: str) -> bool:
    if _RESOLVER.resolve(ScalarNode, key, (True, False)) != _STR:
        return False
    if len(_STR_KEYS) < 1_000:
        _STR_KEYS.add(key)
    return True


def _typed(value: str) -> Any:
    """A plain scalar that YAML may type (`12`, `2024-12-18`, `no`), as YAML builds it;
    `_OUTSIDE` for a tag not built here, or a value YAML cannot build."""
    found = _TYPED.get(value, _OUTSIDE)
    if found is not _OUTSIDE:
        return found
    tag = _RESOLVER.resolve(ScalarNode, value, (True, False))
    if tag == _STR:
        found = value
    else:
        build = _BUILDERS.get(tag)
        if build is None:
            return _OUTSIDE
        try:
            found = build(_CONSTRUCTOR, ScalarNode(tag, value))
        except Exception:  # libyaml's reading names the field in its error
            return _OUTSIDE
    if len(value) <= 40 and len(_TYPED) < 10_000:
        _TYPED[value] = found  # ints, floats, dates, bools and None are immutable
    return found
