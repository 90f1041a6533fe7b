"""The schema.org graph of one article, in the shapes `--jsonld-profile` offers.

Every profile describes the same things, as one `@graph` of nodes linked by `@id` (the way
Yoast and Rank Math do): the web page, the Question with its accepted Answer, a
BreadcrumbList (Learn > subject > question), and the WebSite and Organization shared by every
page. Profiles differ only in the page's type and in what the page's `mainEntity` is:

- learning-resource (default): `["WebPage", "LearningResource"]`, mainEntity the Question.
  Honest for answers written by the publisher; no rich result is claimed.
- article: a WebPage whose mainEntity is an Article (headline, author, publisher, dates),
  itself about the Question; for Google's Article features.
- qapage: a QAPage; only where visitors can submit answers (Google's QAPage rule).
- faqpage: an FAQPage. Google stopped showing FAQ rich results on 7 May 2026; the profile stays
  for other consumers of schema.org data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ...errors import UsageError
from ...model import Article

__all__ = ["PROFILES", "DEFAULT_PROFILE", "Site", "check_profile", "article_graph"]

PROFILES: dict[str, str] = {
    "learning-resource": "WebPage + LearningResource, mainEntity Question (default; publisher-"
                         "written answers)",
    "article": "WebPage with an Article about the Question (Google Article features)",
    "qapage": "QAPage (only where visitors can post answers)",
    "faqpage": "FAQPage (Google has shown no FAQ rich results since 7 May 2026; for other "
               "consumers)",
}
DEFAULT_PROFILE = "learning-resource"
CONTEXT = "https://schema.org"


def check_profile(name: str) -> str:
    """`name` when it is a profile; else a UsageError listing the profiles."""
    if name not in PROFILES:
        raise UsageError(f"unknown JSON-LD profile {name!r} (profiles: "
                         f"{', '.join(PROFILES)}; the default is {DEFAULT_PROFILE}; "
                         "docs/jsonld.md says when each applies)")
    return name


@dataclass(frozen=True)
class Site:
    """The publisher and the web site every page belongs to (shared nodes of each graph)."""

    base_url: str
    name: str = "QuickTakes"
    language: str = "en"

    @property
    def organization_id(self) -> str:
        return self.base_url + "/#organization"

    @property
    def website_id(self) -> str:
        return self.base_url + "/#website"

    @cached_property
    def nodes(self) -> tuple[dict[str, Any], ...]:
        """The Organization and the WebSite (the same objects in every graph)."""
        home = self.base_url + "/"
        return (
            {"@type": "Organization", "@id": self.organization_id, "name": self.name,
             "url": home},
            {"@type": "WebSite", "@id": self.website_id, "url": home, "name": self.name,
             "inLanguage": self.language, "publisher": {"@id": self.organization_id}},
        )


def node_id(article: Article, part: str = "") -> str:
    """`<canonical>#<anchor>` for the page, `<canonical>#<anchor>-<part>` for its other nodes:
    the article's stable anchor (the same as in EPUB, PDF and Markdown) is the base of its ids."""
    base = f"{article.canonical_url}#{article.anchor}"
    return f"{base}-{part}" if part else base


def article_graph(article: Article, profile: str, site: Site, answer_text: str,
                  related: Sequence[str]) -> dict[str, Any]:
    """The JSON-LD document of one article: `{"@context", "@graph"}`.

    `answer_text` is the answer as Answer.text (the HTML subset search engines read);
    `related` are the web addresses of the related articles.
    """
    url = article.canonical_url
    page_id, question_id, answer_id = (node_id(article, p) for p in ("", "question", "answer"))
    date = article.date.isoformat()
    author = ({"@id": site.organization_id} if article.author == site.name
              else {"@type": "Person", "name": article.author})
    page: dict[str, Any] = {
        "@type": {"learning-resource": ["WebPage", "LearningResource"], "article": "WebPage",
                  "qapage": "QAPage", "faqpage": "FAQPage"}[profile],
        "@id": page_id, "url": url, "name": article.title,
    }
    if article.description:
        page["description"] = article.description
    page.update({
        "inLanguage": site.language, "isPartOf": {"@id": site.website_id},
        "publisher": {"@id": site.organization_id}, "datePublished": date,
        "breadcrumb": {"@id": node_id(article, "breadcrumb")},
        "about": {"@type": "Thing", "name": article.subject},
    })
    if article.keywords:
        page["keywords"] = list(article.keywords)
    if related:
        page["relatedLink"] = list(related)
    question = {
        "@type": "Question", "@id": question_id, "name": article.title, "text": article.question,
        "answerCount": 1, "dateCreated": date, "datePublished": date, "author": author,
        "inLanguage": site.language, "acceptedAnswer": {"@id": answer_id},
    }
    answer = {
        "@type": "Answer", "@id": answer_id, "text": answer_text, "url": url,
        "dateCreated": date, "datePublished": date, "author": author,
        "inLanguage": site.language, "parentItem": {"@id": question_id},
    }
    nodes = [page]
    if profile == "article":
        article_id = node_id(article, "article")
        page["mainEntity"] = {"@id": article_id}
        nodes.append({
            "@type": "Article", "@id": article_id, "headline": article.title,
            **({"description": article.description} if article.description else {}),
            "author": author, "publisher": {"@id": site.organization_id},
            "datePublished": date, "inLanguage": site.language,
            "articleSection": article.subject, "isPartOf": {"@id": page_id},
            "mainEntityOfPage": {"@id": page_id}, "mainEntity": {"@id": question_id},
        })
    elif profile == "faqpage":
        page["mainEntity"] = [{"@id": question_id}]
    else:
        page["mainEntity"] = {"@id": question_id}
    nodes += [question, answer, _breadcrumb(article, site), *site.nodes]
    return {"@context": CONTEXT, "@graph": nodes}


def _breadcrumb(article: Article, site: Site) -> dict[str, Any]:
    learn = site.base_url + "/learn"
    trail = [("Learn", learn), (article.subject, f"{learn}/{article.subject_key}"),
             (article.title, article.canonical_url)]
    return {
        "@type": "BreadcrumbList", "@id": node_id(article, "breadcrumb"),
        "itemListElement": [{"@type": "ListItem", "position": n, "name": name, "item": item}
                            for n, (name, item) in enumerate(trail, 1)],
    }
