"""The local executor: a pool of forked workers that hold the build's articles already."""

from __future__ import annotations

import datetime as dt
import pickle
from multiprocessing.reduction import ForkingPickler

import pytest

from qtconvert.executor import executor
from qtconvert.model import Article, RelatedLink


def _article(n: int, answer: str = "An answer.") -> Article:
    return Article(id=n, title=f"Question {n}?", question=f"Question {n}?", answer=answer,
                   subject="Mathematics", subject_key="mathematics", slug=f"q{n}",
                   url=f"/learn/mathematics/questions/q{n}",
                   canonical_url=f"https://example.org/learn/mathematics/questions/q{n}",
                   date=dt.date(2025, 1, 1),
                   related=(RelatedLink(1, "Question 1?", "Mathematics",
                                        "/learn/mathematics/questions/q1"),))


def _describe(article: Article) -> tuple[int, str, int]:
    """In a worker: what it was given, and whether it is the very object it was forked with."""
    from qtconvert.executor import _Shared

    return article.id, article.answer, sum(a is article for a in _Shared.articles)


def test_the_workers_are_given_the_build_s_articles_by_their_place():
    shared = tuple(_article(n, "x" * 10_000) for n in range(1, 4))
    other = _article(9, "an article the build did not read")
    with executor("local", jobs=2, shared=shared) as pool:
        # for the pool, an article of the build is a few bytes, another its fields
        assert len(ForkingPickler.dumps(shared[1])) < 100 < len(ForkingPickler.dumps(other))
        assert pool.submit(_describe, shared[1]).result() == (2, "x" * 10_000, 1)
        assert pool.submit(_describe, other).result() == (9, other.answer, 0)
        # an equal article that is another object goes by its fields
        copy = pickle.loads(pickle.dumps(shared[2]))
        assert copy == shared[2] and len(ForkingPickler.dumps(copy)) > 10_000
    # once the pool is gone, and anywhere but the pool, an article goes by its fields
    assert len(ForkingPickler.dumps(shared[1])) > 10_000
    assert len(pickle.dumps(shared[1])) > 10_000


def test_a_worker_forked_for_another_build_refuses_an_article_by_place():
    from qtconvert.executor import _shared_article

    with pytest.raises(RuntimeError, match="another build"):
        _shared_article(-1, 0)
