"""`article_digest`: equal articles give equal digests in any process, whatever objects they
share; any field an output shows changes it; where the file was read from does not."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys

import pytest

from qtconvert.model.articles import Article, RelatedLink
from qtconvert.model.keys import article_digest

WORD = "Accounting"


def article(**changes) -> Article:
    fields = dict(id=7, title="What is a ledger?", question="What is a ledger?",
                  answer="A **ledger** holds accounts: $a + b$.\n\n<b>raw</b>",
                  subject=WORD, subject_key="accounting", slug="what-is-a-ledger",
                  url="/learn/accounting/questions/what-is-a-ledger",
                  canonical_url="https://example.com/learn/accounting/questions/what-is-a-ledger",
                  date=dt.date(2024, 5, 1), keywords=(WORD, WORD, "ledger"),
                  description="Ledgers.",
                  related=(RelatedLink(3, "Journal", WORD, "/learn/accounting/questions/j",
                                       target_url="/learn/accounting/questions/j"),),
                  source_path="a/what-is-a-ledger.md")
    fields.update(changes)
    return Article(**fields)


def test_shared_objects_do_not_change_the_digest():
    shared = article()
    # the same values, none of them shared: each string a fresh object
    fresh = article(subject="".join(WORD), keywords=("".join(WORD), "".join(WORD), "ledger"),
                    related=(RelatedLink(3, "Journal", "".join(WORD),
                                         "/learn/accounting/questions/j",
                                         target_url="/learn/accounting/questions/j"),))
    assert fresh.keywords[0] is not fresh.keywords[1]
    assert article_digest(fresh) == article_digest(shared)
    assert article_digest(pickle.loads(pickle.dumps(shared))) == article_digest(shared)


def test_where_it_was_read_from_does_not_change_the_digest():
    assert article_digest(article(source_path="elsewhere/x.md")) == article_digest(article())


@pytest.mark.parametrize("change", [
    {"answer": "A **ledger** holds accounts: $a + b$."},
    {"title": "What is a Ledger?"},
    {"keywords": (WORD, "ledger")},
    {"keywords": (WORD, WORD, "ledger", "")},
    {"date": dt.date(2024, 5, 2)},
    {"no_index": True},
    {"id": 8},
    {"related": ()},
    {"related": (RelatedLink(3, "Journals", WORD, "/learn/accounting/questions/j"),)},
    {"description": ""},
])
def test_every_field_an_output_shows_changes_the_digest(change):
    assert article_digest(article(**change)) != article_digest(article())


def test_two_strings_cannot_pass_for_one():
    """Each piece is framed: moving text between neighbouring fields changes the digest."""
    assert (article_digest(article(title="ab", question="c"))
            != article_digest(article(title="a", question="bc")))


def test_the_digest_is_the_same_in_another_process():
    code = ("import datetime as dt; from tests.model.test_keys import article; "
            "from qtconvert.model.keys import article_digest; print(article_digest(article()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONHASHSEED": "12345", "PATH": ""},
                         cwd=__file__.rsplit("/tests/", 1)[0])
    assert out.stdout.strip() == article_digest(article())
