"""The site's front matter read without libyaml: YAML's own value, or None (then libyaml reads
it). libyaml is the oracle: whenever `block_mapping.read` answers, it answers what
`yaml.load(..., CSafeLoader)` does, with the same types."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import yaml
from conftest import CONTENT, CORPUS, needs_corpus

from qtconvert.read import block_mapping, front_matter

SITE = """\
_schema: default
id: 135138
date: 2024-12-18
title: >-
    Are there any exceptions?
date_format: MMM DD, YYYY
seo:
  title: QuickTakes | Medicine
  page_keywords: >-
    GI bleeding, transfusion
author: QuickTakes
answer: >-
    Yes: there are, # not a comment\\n\\n1. **One**: $x: y$ 'quoted' "too" [a] {b} &c *d
subject: Medicine
url: /learn/medicine/questions/are-there-any-exceptions
score: -1.0
related_article1:
    id: 135119
    title: >-
        What is it?
    subject: Medicine
    url: /learn/medicine/questions/what-is-it

"""


def typed(value):
    """`value` with the type of every part spelled out (True == 1 == 1.0 in Python)."""
    if isinstance(value, dict):
        return [(k, typed(v)) for k, v in value.items()]
    return type(value).__name__, value


def oracle(front: str):
    try:
        return yaml.load(front, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, ValueError, OverflowError):
        return "error"


def check(front: str) -> bool:
    """True when `front` was read here (and then as YAML reads it)."""
    found = block_mapping.read(front)
    if found is None:
        return False
    assert typed(found) == typed(oracle(front)), front
    return True


def test_the_site_layout_is_read_here_as_yaml_reads_it():
    assert check(SITE)
    value = block_mapping.read(SITE)
    assert value["id"] == 135138 and value["date"] == dt.date(2024, 12, 18)
    assert value["score"] == -1.0 and value["seo"]["title"] == "QuickTakes | Medicine"
    assert value["related_article1"]["id"] == 135119
    assert value["answer"].startswith("Yes: there are, # not a comment\\n")


@pytest.mark.parametrize("line, value", [
    ("k: 12", 12), ("k: 0x1F", 31), ("k: 012", 10), ("k: 1_000", 1000), ("k: 1:30", 90),
    ("k: 1.5", 1.5), ("k: 1e3", "1e3"), ("k: .inf", float("inf")), ("k: -1", -1), ("k: +1", 1),
    ("k: yes", True), ("k: Off", False), ("k: ~", None), ("k: null", None), ("k:", None),
    ("k: 2024-01-02 10:00:00", dt.datetime(2024, 1, 2, 10)), ("k: 2024-1-2", "2024-1-2"),
    ("k: a:b", "a:b"), ("k: a#b", "a#b"), ("k: x]", "x]"), ("k: -x", "-x"), ("k: ---", "---"), ("k:   x  ", "x"),
    ("k: >-\n    one\n    two", "one two"), ("k: é ✓ 𝑥", "é ✓ 𝑥"),
])
def test_plain_values_are_typed_as_yaml_types_them(line, value):
    assert check(line + "\n")
    assert typed(block_mapping.read(line + "\n")["k"]) == typed(value)


@pytest.mark.parametrize("front", [
    "k: 'quoted'\n", 'k: "quoted"\n', "k: [1, 2]\n", "k: {a: 1}\n", "k: &a 1\nj: *a\n",
    "k: !!str 1\n", "k: |\n  x\n", "k: >\n  x\n", "k: >-\n  x \n", "k: >-\n  x\n   y\n",
    "k: >-\n  x\n\n  y\n", "k: >-\n", "k: a # comment\n", "# comment\nk: 1\n", "k: a:\n",
    "k: a: b\n", "- a\n", "k:\n- a\n", "k:\n  - a\n", "k: 1\nk: 2\n", "yes: 1\n", "null: 1\n",
    "k: 1\n  j: 2\n", "k:\n  j:\n    i: 1\n", " k: 1\n", "k: a\n  b\n", "k:\tv\n", "k: a\rb\n",
    "k: a\x85b\n", "k: a\u2028b\n", "k: \ufeffa\n", "k: a\x00\n", "k: a\x7f\n", "k: 2024-02-30\n",
    "k: 1" + "0" * 5000 + "\n", "k: <<\n", "k: =\n", "k: -\n", "", "\n\n", "...\n",
    "k: 1\n...\n", "%YAML 1.1\n---\nk: 1\n", "k : 1\n", "k:1\n", "k: @x\n", "k: `x`\n", "k: %x\n",
])
def test_anything_else_is_left_to_libyaml(front):
    assert block_mapping.read(front) is None


def test_blank_lines_before_the_end_are_read_and_inside_are_not():
    assert check("k: 1\nj: >-\n  x\n\n\n")
    assert block_mapping.read("k: 1\n\nj: 2\n") is None


def test_a_nested_mapping_ends_at_its_parent_column():
    assert check("a:\n  b: 1\n  c: >-\n      x\nd: 2\n")
    assert block_mapping.read("a:\n  b: 1\n c: 2\n") is None
    assert block_mapping.read("a:\n    b: 1\n  c: 2\n") is None


def test_mutations_of_real_front_matter_are_read_as_yaml_reads_them_or_left_to_it():
    """Thousands of small edits (indicators, breaks, indentation, typed words) to the site's
    layout: every one read here is read as libyaml reads it."""
    pieces = [" ", "  ", "\n", ": ", ":", "#", " #", "-", "- ", ">-", ">", "|", "'", '"', "&a",
              "*a", "!", "?", "[", "]", "{", "}", ",", "\t", "\r", "\x85", "\u2028", "\ufeff",
              "\x00", "yes", "no", "null", "~", "0x1F", "1_0", "12:30", "2024-02-30", "1e3",
              ".inf", "---", "...", "%", "@", "`", "<<", "=", "\n  ", "\n    ", "\nkey: ",
              "\n  x: 1", "\nid: 5", "\n\n", "\\n", "é", "\u00a0", "-1", "0o7", "On", "\n- a",
              " \n", "\n   ", "k:", "\n\tx", "\x7f", "\ufffe", " :", "|-", ">+", "\n#c\n"]
    fronts = [SITE] + [front_matter.split(p.read_text())[0] for p in sorted(CONTENT.rglob("*.md"))
                       if p.parent.name != "recipes"]
    rng = random.Random(10)
    read_here = 0
    for _ in range(2000):
        front = rng.choice(fronts)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(front) + 1)
            if rng.random() < 0.3:
                front = front[:i] + front[i + rng.randint(1, 5):]
            else:
                front = front[:i] + rng.choice(pieces) + front[i:]
        read_here += check(front)
    assert read_here > 1000  # the edits that keep the layout are read here


@needs_corpus
@pytest.mark.slow
def test_every_article_of_the_corpus_is_read_here_as_yaml_reads_it():
    for path in sorted((CORPUS / "learn").rglob("*.md")):
        assert check(front_matter.split(path.read_text(encoding="utf-8"))[0]), path
