"""Split an article file into YAML front matter and body, and read the front matter safely.

The front matter is composed by libyaml (in C) and checked before any value is built: an alias
(`*name`, which can expand a 4 KB file into gigabytes), nesting deeper than the site's few
levels, or a key written twice is refused or reported here, for the cost of one walk over the
nodes. A value YAML cannot build (`date: 2024-02-30`, an integer of 5,000 digits) becomes a
`FrontMatterError` naming its field instead of a `ValueError`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import block_mapping

__all__ = ["FrontMatterError", "split", "parse", "shown", "MAX_DEPTH"]

MAX_DEPTH = 8  # the site's front matter nests 2 deep (related_article1 -> id)
_STR, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map"
_HANDLER = YAMLHandler()


class FrontMatterError(Exception):
    """The front matter cannot be read; `field` names the field when one is to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def split(text: str) -> tuple[str, str]:
    """(front matter, body) of a file that begins with a `---` line (after an optional BOM).

    CRLF line ends are read as LF, so YAML's line numbers count the file's lines: the front
    matter starts on line 2.
    """
    if text.startswith("---\n"):  # the site's layout, and qtconvert's own
        end = text.find("\n---\n", 3)
        if end > 0:
            return text[4:end + 1], text[end + 5:]
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not _HANDLER.detect(text):
        raise FrontMatterError("(front matter)", "no YAML front matter (the file must begin "
                                                 "with a '---' line)")
    try:
        front, body = _HANDLER.split(text)  # python-frontmatter's reading of the boundaries
    except ValueError:
        raise FrontMatterError("(front matter)", "the front matter has no closing '---' "
                                                 "line") from None
    return front.removeprefix("\n"), body.removeprefix("\n")


class _Loader(yaml.CSafeLoader):  # type: ignore[misc]
    """libyaml's C loader whose int, float and timestamp constructors report a bad value
    with its node (so that the error can name the field) instead of a bare ValueError.

    The composer asks the Python resolver about every node; the answers that need no work are
    given here without it (what `Resolver` answers when no path resolvers are registered).
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode and not implicit[0]:
            return _STR  # quoted or block scalars without a tag are strings
        return super().resolve(kind, value, implicit)


class _BadValue(Exception):
    def __init__(self, node: Node, reason: str) -> None:
        super().__init__(reason)
        self.node = node


def _guarded(construct: Any) -> Any:
    def run(loader: _Loader, node: Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, OverflowError) as exc:
            raise _BadValue(node, str(exc).split(";")[0]) from None
    return run


for _tag in ("int", "float", "timestamp"):
    _full = "tag:yaml.org,2002:" + _tag
    _Loader.add_constructor(_full, _guarded(SafeConstructor.yaml_constructors[_full]))


def parse(front: str) -> tuple[Any, list[str]]:
    """(value, keys written twice) of the front matter, built by libyaml's C loader.

    Raises `FrontMatterError` for invalid YAML, aliases, deep nesting and values YAML cannot
    build. A key written twice is named by its path (`url`, `seo.page_keywords`); YAML keeps
    its last value. The plain block mappings the site writes are read without libyaml
    (`block_mapping`), to the same value.
    """
    simple = block_mapping.read(front)
    if simple is not None:
        return simple, []
    loader = _Loader(front)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise FrontMatterError("(front matter)", _yaml_problem(exc)) from None
        if node is None:
            return None, []
        duplicates = _check(node)
        try:
            return _construct(loader, node), duplicates
        except _BadValue as exc:
            raise FrontMatterError(_field_of(node, exc.node),
                                   f"{shown(exc.node.value)} cannot be read: {exc}") from None
        except yaml.YAMLError as exc:
            raise FrontMatterError("(front matter)", _yaml_problem(exc)) from None
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 2}" if mark is not None else ""  # line 1 is the `---`
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"invalid YAML{where}: {problem}"


def _check(root: Node) -> list[str]:
    """Refuse aliases and deep nesting; return the paths of keys written twice.

    An alias gives back the node of its anchor, so an alias is a node met twice. The walk only
    steps into lists and mappings, and never into one it has met, so it stops at the first
    alias, before any expansion; the nodes inside are counted in bulk, which keeps the check
    cheap for the ordinary files that have none.
    """
    seen = {id(root)}
    duplicates: list[str] = []
    stack: list[tuple[Node, int, str]] = [(root, 0, "")]
    while stack:
        node, depth, path = stack.pop()
        if node.__class__ is MappingNode:
            keys = [k for k, _ in node.value]
            children = [v for _, v in node.value]
            names = [k.value if k.__class__ is ScalarNode else "(key)" for k in keys]
            if len(set(names)) < len(names):
                duplicates += [_join(path, n) for i, n in enumerate(names) if n in names[:i]]
            labels = [_join(path, n) for n in names] * 2
            children += keys
        elif node.__class__ is SequenceNode:
            children = node.value
            labels = [f"{path}[{n}]" for n in range(1, len(children) + 1)]
        else:
            continue
        count = len(seen)
        seen.update(map(id, children))
        if len(seen) != count + len(children):
            _refuse_alias(root)
        for child, label in zip(children, labels):
            if child.__class__ is not ScalarNode:
                if depth + 1 >= MAX_DEPTH:
                    raise FrontMatterError(label, f"nested more than {MAX_DEPTH} levels deep")
                stack.append((child, depth + 1, label))
    return duplicates


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _refuse_alias(root: Node) -> None:
    """Raise for the first alias under `root` (one is there), naming where it is."""
    seen = {id(root)}
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if node.__class__ is MappingNode:
            labels = [_join(path, k.value if k.__class__ is ScalarNode else "(key)")
                      for k, _ in node.value]
            pairs = [(v, label) for (_, v), label in zip(node.value, labels)]
            pairs += [(k, label) for (k, _), label in zip(node.value, labels)]
        elif node.__class__ is SequenceNode:
            pairs = [(v, f"{path}[{n}]") for n, v in enumerate(node.value, 1)]
        else:
            continue
        for child, label in pairs:
            if id(child) in seen:
                raise FrontMatterError(label or "(front matter)", "YAML aliases (*name) are not "
                                       "allowed in front matter; write the value out")
            seen.add(id(child))
            stack.append((child, label))


def _construct(loader: _Loader, node: Node) -> Any:
    """What `loader.construct_document(node)` gives, made cheap for the common case: a mapping
    whose keys are plain strings is built here, taking each string as it is (all YAML's str
    constructor does); any other node is built by YAML's constructors."""
    if node.__class__ is MappingNode and node.tag == _MAP and all(
            k.__class__ is ScalarNode and k.tag == _STR for k, _ in node.value):
        return {k.value: v.value if v.__class__ is ScalarNode and v.tag == _STR
                else _construct(loader, v) for k, v in node.value}
    if node.__class__ is ScalarNode and node.tag == _STR:
        return node.value
    return loader.construct_object(node, deep=True)


def _field_of(root: Node, target: Node) -> str:
    """The key path (`date`, `related_article1.id`) of the node at `target`, by position."""
    path: list[str] = []
    node = root
    at = target.start_mark.index
    while node.__class__ is MappingNode:
        for key, value in node.value:
            if value.start_mark.index <= at <= value.end_mark.index:
                path.append(str(key.value) if key.__class__ is ScalarNode else "(key)")
                node = value
                break
        else:
            break
        if node is target:
            break
    return ".".join(path) or "(front matter)"


def shown(value: object, width: int = 40) -> str:
    """A value for a message, never longer than about `width` characters (a list or mapping is
    named by its type, never formatted: it may hold millions of items)."""
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an integer of {value.bit_length() * 3 // 10:,} digits or so"
    if isinstance(value, (int, float, _dt.date)):
        return str(value)
    text = value if isinstance(value, str) else type(value).__name__
    return repr(text[:width] + "...") if len(text) > width else repr(text)
