"""Shared test fixtures. Tests that need the real corpus (../shared beside the checkout) skip
with a reason when it is absent, so that a fresh clone still passes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml


ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
SHARED = Path(os.environ.get("QTCONVERT_SHARED", ROOT.parent / "shared"))  # a worktree sets it
CORPUS = SHARED / "corpus"
SCHEMAORG = SHARED / "schemaorg"

needs_corpus = pytest.mark.skipif(not (CORPUS / "learn").is_dir(),
                                  reason=f"the shared corpus is not at {CORPUS}")
needs_schemaorg = pytest.mark.skipif(not SCHEMAORG.is_dir(),
                                     reason=f"the schema.org vocabulary is not at {SCHEMAORG}")


@pytest.fixture(scope="session")
def content():
    """The sample articles in content/, read and filtered (cross-references resolved)."""
    from qtconvert.build import prepare

    return prepare(CONTENT)


@pytest.fixture(scope="session")
def corpus():
    """The whole shared corpus, read and filtered (about 3 s)."""
    if not (CORPUS / "learn").is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    from qtconvert.build import prepare

    return prepare(CORPUS)


def article_text(**fields: object) -> str:
    """A site-layout article file with sensible defaults, for small fixtures.

    Give `answer` in its stored form: newlines as the two characters backslash-n.
    A field set to None is left out.
    """
    meta = {
        "_schema": "default", "id": 1, "date": "2024-11-21", "title": "What is x?",
        "question": "What is x?", "answer": "x is a letter.", "subject": "Mathematics",
        "url": "/learn/mathematics/questions/what-is-x",
    }
    meta.update(fields)
    meta = {k: v for k, v in meta.items() if v is not None}
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n&nbsp;"


def write_article(folder: Path, name: str = "a.md", **fields: object) -> Path:
    """Write `article_text(**fields)` to `folder/name` and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(article_text(**fields), encoding="utf-8")
    return path
