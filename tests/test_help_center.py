"""The public help center: pages without an account, votes, search, suggestions, deflection,
and the demo content."""

import re

from sqlalchemy import func, select

from helpdesk import articles
from helpdesk.database import db
from helpdesk.markdown import sanitise
from helpdesk.models import Article, ArticleVote, Category, HelpSection, SuggestionOpen
from helpdesk.seed.help_center import ARTICLES, SECTIONS, seed_help_center
from helpdesk.views.help import VOTER_COOKIE

from .conftest import CSRF_INPUT, csrf_token, log_in, submit
from .factories import make_user
from .test_articles import create

LONG_BODY = """\
Stop replying and keep the evidence.

## Where to report

Use the form.

## What to include

Dates and links.

## What happens after

We review every report. We never tell the other member who reported them.
"""


# --- public pages -----------------------------------------------------------------------------


def test_the_help_center_is_readable_without_an_account(app, client):
    slug = create(app, body=LONG_BODY, report_category="harassment", summary="Do this first.")
    index = client.get("/help/").get_data(as_text=True)
    assert "Trust &amp; Safety" in index and f'href="/help/articles/{slug}"' in index

    section = client.get("/help/trust-and-safety")
    assert section.status_code == 200 and "Do this first." in section.get_data(as_text=True)

    page = client.get(f"/help/articles/{slug}").get_data(as_text=True)
    crumbs = re.search(r'<nav aria-label="Breadcrumb".*?</nav>', page, re.S).group(0)
    assert 'href="/help/"' in crumbs and 'href="/help/trust-and-safety"' in crumbs
    assert 'aria-current="page">How to report harassment<' in crumbs
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    assert 'href="#section-where-to-report"' in toc and 'href="#section-what-happens-after"' in toc
    assert '<a class="button" href="/tickets/new?category=harassment">Submit a report</a>' in page
    assert "Was this article helpful?" in page


def test_short_articles_have_no_table_of_contents(app, client):
    slug = create(app)
    assert 'class="toc"' not in client.get(f"/help/articles/{slug}").get_data(as_text=True)


def test_unknown_sections_and_articles_are_404(app, client):
    assert client.get("/help/no-such-section").status_code == 404
    assert client.get("/help/articles/no-such-article").status_code == 404


def test_the_landing_page_and_navigation_link_to_the_help_center(app, client):
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="/help/"') >= 2  # the navigation and the landing page


# --- "was this helpful?" ----------------------------------------------------------------------


def _vote(client, slug: str, answer: str):
    return submit(
        client, f"/help/articles/{slug}/vote", {"helpful": answer}, page=f"/help/articles/{slug}"
    )


def _counts(app, slug: str) -> tuple[int, int]:
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        counted = articles.votes([article.id]).get(article.id, articles.Votes())
        return counted.helpful, counted.total


def test_a_browser_votes_once_and_a_changed_mind_replaces_the_vote(app, client):
    slug = create(app)
    response = _vote(client, slug, "yes")
    assert response.status_code == 302 and response.location.endswith("#feedback")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{VOTER_COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert _counts(app, slug) == (1, 1)

    _vote(client, slug, "yes")
    assert _counts(app, slug) == (1, 1)
    _vote(client, slug, "no")
    assert _counts(app, slug) == (0, 1)
    page = client.get(f"/help/articles/{slug}").get_data(as_text=True)
    assert "0 out of 1 found this helpful" in page and "You answered No." in page

    other_browser = app.test_client()
    _vote(other_browser, slug, "yes")
    assert _counts(app, slug) == (1, 2)
    assert "1 out of 2 found this helpful" in client.get(f"/help/articles/{slug}").get_data(
        as_text=True
    )


def test_a_member_has_one_vote_whichever_browser_they_use(app, client, login_as):
    slug = create(app)
    email = login_as("member")
    _vote(client, slug, "yes")
    second_browser = app.test_client()
    log_in(second_browser, email)
    _vote(second_browser, slug, "no")
    assert _counts(app, slug) == (0, 1)
    with app.app_context():
        keys = db.session.scalars(select(ArticleVote.voter_key)).all()
    assert len(keys) == 1 and keys[0].startswith("user:")


def test_a_vote_without_the_forms_token_is_refused(app, client):
    slug = create(app)
    client.get(f"/help/articles/{slug}")
    response = client.post(f"/help/articles/{slug}/vote", data={"helpful": "yes"})
    assert response.status_code == 400
    assert _counts(app, slug) == (0, 0)


def test_replaying_a_vote_with_its_token_still_counts_once(app, client):
    slug = create(app)
    token = csrf_token(client, f"/help/articles/{slug}")
    first = client.post(f"/help/articles/{slug}/vote", data={"helpful": "yes", "csrf_token": token})
    assert first.status_code == 302
    for _ in range(5):
        client.post(f"/help/articles/{slug}/vote", data={"helpful": "yes", "csrf_token": token})
    assert _counts(app, slug) == (1, 1)


def test_a_forged_voter_cookie_is_not_someone_elses_vote(app, client):
    slug = create(app)
    _vote(client, slug, "yes")
    forger = app.test_client()
    forger.set_cookie(VOTER_COOKIE, "browser-id-of-someone-else.forged")
    response = _vote(forger, slug, "no")
    assert VOTER_COOKIE in response.headers.get("Set-Cookie", "")  # a new id of its own
    assert _counts(app, slug) == (1, 2)


def test_bad_answers_and_drafts_take_no_votes(app, client):
    slug = create(app)
    draft = create(app, title="A draft", published=False)
    token = csrf_token(client, f"/help/articles/{slug}")
    assert (
        client.post(
            f"/help/articles/{slug}/vote", data={"helpful": "maybe", "csrf_token": token}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/help/articles/{draft}/vote", data={"helpful": "yes", "csrf_token": token}
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ArticleVote)) == 0


# --- search -----------------------------------------------------------------------------------


def test_search_finds_published_articles_by_every_word_with_highlights(app, client):
    create(app, title="Payments outside the marketplace", body="Never pay by bank transfer.")
    create(app, title="Recognise a scam", body="Fake payment notices ask you to log in.")
    create(app, title="Draft about payments", body="Payment draft.", published=False)

    html = client.get("/help/search?q=payment").get_data(as_text=True)
    assert "2 articles" in html and "Draft about" not in html
    assert "<mark>Payments</mark> outside the marketplace" in html
    assert "Fake <mark>payment</mark> notices" in html

    html = client.get("/help/search?q=bank+payments").get_data(as_text=True)
    assert "1 article " in html and "Recognise a scam" not in html
    assert "<mark>bank</mark>" in html


def test_search_results_escape_what_articles_say(app, client):
    create(app, title="Codes <b>never</b>", body="Type `<script>` never.")
    html = client.get("/help/search?q=never").get_data(as_text=True)
    assert "<b>" not in html and "<script>" not in html
    assert "Codes &lt;b&gt;<mark>never</mark>&lt;/b&gt;" in html


def test_search_ignores_query_syntax(app, client):
    create(app, title="Staying safe", body="Keep payments on the marketplace.")
    for query in ['"', "safe OR", "NEAR(", "*", "payments:*", "a & b | !c"]:
        assert client.get("/help/search", query_string={"q": query}).status_code == 200


# --- suggestions and deflection ---------------------------------------------------------------


def test_suggestions_return_up_to_three_published_articles_for_a_subject(app, client):
    create(app, title="Payments outside the marketplace", body="Bank transfer requests.")
    create(app, title="Recognise a scam", body="Fake payment notices.")
    create(app, title="Protect your work", body="Deliver through the workroom, get payment.")
    create(app, title="Payment disputes", body="When a payment goes wrong.")
    create(app, title="Payment draft", body="payment", published=False)
    create(app, title="Cannot log in", body="Reset your password.")

    found = client.get("/help/suggestions?subject=He asked for payment by bank transfer").json
    titles = [article["title"] for article in found["articles"]]
    assert len(titles) == 3
    assert titles[0] == "Payments outside the marketplace"  # both words, one in the title
    assert "Payment draft" not in titles and "Cannot log in" not in titles
    first = found["articles"][0]
    assert first["url"] == "/help/articles/payments-outside-the-marketplace?from=suggestion"
    assert first["section"] == "Trust & Safety"

    for subject in ["", "the and of", "x"]:
        assert client.get("/help/suggestions", query_string={"subject": subject}).json == {
            "articles": []
        }


def test_the_report_form_carries_the_suggestions_hook(app, client, login_as):
    login_as("member")
    html = client.get("/tickets/new").get_data(as_text=True)
    assert 'data-suggest-url="/help/suggestions"' in html
    assert 'id="article-suggestions"' in html


def _report(app) -> dict:
    with app.app_context():
        category = db.session.scalar(select(Category.id).where(Category.slug == "harassment"))
    return {
        "category": str(category),
        "subject": "Threats in the workroom",
        "description": "He wrote that he would find me.",
        "submission_key": "key-1",
    }


def test_an_opened_suggestion_with_no_report_after_counts_as_deflected(app, client, login_as):
    slug = create(app)
    login_as("member")
    assert client.get(f"/help/articles/{slug}?from=suggestion").status_code == 200
    client.get(f"/help/articles/{slug}?from=suggestion")  # opened twice: one session, one row
    client.get(f"/help/articles/{slug}")  # not from a suggestion: not counted
    with app.app_context():
        assert articles.deflection() == articles.Deflection(sessions=1, deflected=1)
        assert db.session.scalar(select(func.count()).select_from(SuggestionOpen)) == 1


def test_a_report_after_an_opened_suggestion_is_not_a_deflection(app, client, login_as):
    slug = create(app)
    login_as("member")
    client.get(f"/help/articles/{slug}?from=suggestion")
    other = app.test_client()  # someone else, who found their answer
    make_user_and_log_in(app, other)
    other.get(f"/help/articles/{slug}?from=suggestion")

    response = submit(client, "/tickets/new", _report(app))
    assert response.status_code == 302 and "/tickets/HD-" in response.location
    with app.app_context():
        assert articles.deflection() == articles.Deflection(sessions=2, deflected=1)
        rows = articles.overview()
        assert (rows[0].opened, rows[0].deflected) == (2, 1)


def make_user_and_log_in(app, client) -> str:
    with app.app_context():
        email = make_user("member").email
        db.session.commit()
    log_in(client, email)
    return email


def test_admins_see_the_deflected_figure(app, client, login_as):
    slug = create(app)
    visitor = app.test_client()
    make_user_and_log_in(app, visitor)
    visitor.get(f"/help/articles/{slug}?from=suggestion")
    login_as("admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert "1 deflected" in html and 'href="/admin/articles/"' in html
    assert "1 deflected" in client.get("/admin/articles/").get_data(as_text=True)


# --- the second wall and the demo content -----------------------------------------------------


def test_the_sanitiser_cleans_html_whatever_produced_it():
    dirty = (
        '<p onclick="x()">Hi <a href="javascript:alert(1)">a</a> <a href="https://ok.example" '
        'onmouseover="x()">b</a><script>alert(1)</script><img src=x onerror=alert(1)></p>'
    )
    clean = sanitise(dirty)
    assert "onclick" not in clean and "onmouseover" not in clean and "onerror" not in clean
    assert "javascript:" not in clean and "<script" not in clean and "<img" not in clean
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">b</a>' in clean


def test_the_demo_help_center_has_five_sections_and_the_reporting_article(app, client):
    with app.app_context():
        admin = make_user("admin")
        assert seed_help_center(admin) == len(ARTICLES)
        assert seed_help_center(admin) == 0  # a second run adds nothing
        db.session.commit()
        titles = db.session.scalars(select(HelpSection.title).order_by(HelpSection.sort_order))
        assert list(titles) == [title for _, title, _ in SECTIONS]
    page = client.get("/help/articles/how-to-report-a-violation").get_data(as_text=True)
    assert "never tell the member you report who reported them" in page
    assert "do not share the results of an" in page
    assert 'href="/tickets/new?category=other"' in page
    assert CSRF_INPUT.search(page)
    index = client.get("/help/").get_data(as_text=True)
    for _, title, _ in SECTIONS:
        assert title.replace("&", "&amp;") in index
    found = client.get("/help/suggestions?subject=someone asked me to pay outside").json
    assert found["articles"][0]["title"] == "Requests to pay or be paid outside the marketplace"
