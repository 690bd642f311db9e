"""Help-center articles: writing and publishing rules, sanitised Markdown, and who may write."""

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from helpdesk import articles
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db
from helpdesk.errors import InvalidInput, NotAllowed
from helpdesk.markdown import render
from helpdesk.models import Article, ArticleState, AuditEvent, HelpSection, User

from .conftest import csrf_token, submit
from .factories import make_user


def make_section(slug: str = "trust-and-safety", title: str = "Trust & Safety") -> HelpSection:
    section = db.session.scalar(select(HelpSection).where(HelpSection.slug == slug))
    if section is None:
        section = HelpSection(slug=slug, title=title, description="", sort_order=1)
        db.session.add(section)
        db.session.flush()
    return section


def make_article(
    author: User | None = None,
    title: str = "How to report harassment",
    body: str = "Stop replying, keep the evidence, and **report it**.",
    published: bool = True,
    section: str = "trust-and-safety",
    report_category: str | None = None,
    **fields,
) -> Article:
    author = author or make_user("agent")
    category = active_category_by_slug(report_category) if report_category else None
    article = articles.save_article(
        author,
        articles.ArticleInput(
            title=title,
            body=body,
            section_id=make_section(section).id,
            report_category_id=category.id if category else None,
            **fields,
        ),
    )
    if published:
        articles.publish(author, article)
    return article


def create(app, **fields) -> str:
    """An article, committed; returns its slug."""
    with app.app_context():
        article = make_article(**fields)
        db.session.commit()
        return article.slug


# --- publishing rules -------------------------------------------------------------------------


def test_a_new_article_is_a_draft_that_members_never_see(app, client, login_as):
    slug = create(app, published=False, title="Payments outside the marketplace")
    login_as("member")
    assert client.get(f"/help/articles/{slug}").status_code == 404
    assert "Payments outside" not in client.get("/help/").get_data(as_text=True)
    assert "Payments outside" not in client.get("/help/trust-and-safety").get_data(as_text=True)
    assert "Payments outside" not in client.get("/help/search?q=payments").get_data(as_text=True)
    assert client.get("/help/suggestions?subject=payments outside").json == {"articles": []}


def test_publishing_shows_an_article_and_unpublishing_hides_it_again(app, client, login_as):
    slug = create(app, published=False)
    login_as("agent")
    with app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.slug == slug))
    page = f"/admin/articles/{article_id}/edit"

    response = submit(client, f"/admin/articles/{article_id}/publish", {}, page=page)
    assert response.status_code == 302
    anonymous = app.test_client()
    assert anonymous.get(f"/help/articles/{slug}").status_code == 200
    assert "How to report harassment" in anonymous.get("/help/").get_data(as_text=True)

    submit(client, f"/admin/articles/{article_id}/unpublish", {}, page=page)
    assert anonymous.get(f"/help/articles/{slug}").status_code == 404
    assert "How to report harassment" not in anonymous.get("/help/").get_data(as_text=True)
    assert anonymous.get("/help/search?q=harassment").get_data(as_text=True).count("<mark>") == 0
    assert anonymous.get("/help/suggestions?subject=report harassment").json["articles"] == []
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target == f"article:{article_id}")
        ).all()
    assert actions == ["article.created", "article.published", "article.unpublished"]


def test_editing_a_published_article_keeps_it_published(app_context):
    agent = make_user("agent")
    article = make_article(agent)
    published_at = article.published_at
    data = articles.ArticleInput(title="New title", body="New body", section_id=article.section_id)
    articles.save_article(agent, data, article)
    assert article.state is ArticleState.PUBLISHED
    assert article.published_at == published_at
    assert article.slug == "how-to-report-harassment"  # the address stays unless changed


def test_members_cannot_write_or_publish(app_context):
    member = make_user("member")
    agent = make_user("agent")
    section = make_section()
    with pytest.raises(NotAllowed):
        articles.save_article(
            member, articles.ArticleInput(title="T", body="B", section_id=section.id)
        )
    article = make_article(agent, published=False)
    with pytest.raises(NotAllowed):
        articles.publish(member, article)
    articles.publish(agent, article)
    with pytest.raises(NotAllowed):
        articles.unpublish(member, article)
    assert article.state is ArticleState.PUBLISHED


def test_bad_input_is_refused_with_a_message_per_field(app_context):
    agent = make_user("agent")
    with pytest.raises(InvalidInput) as refused:
        articles.save_article(agent, articles.ArticleInput(title="", body="", section_id=None))
    assert set(refused.value.errors) == {"title", "body", "section_id"}


def test_two_articles_cannot_share_an_address(app_context):
    agent = make_user("agent")
    make_article(agent, title="Staying safe")
    with pytest.raises(InvalidInput) as refused:
        make_article(agent, title="Staying safe!")
    assert "already uses" in refused.value.errors["slug"][0]
    assert db.session.scalar(select(func.count()).select_from(Article)) == 1


# --- sanitising -------------------------------------------------------------------------------

ATTACKS = [
    "<script>alert('x')</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">click</a>',
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    "[click me](  javascript:alert(1))",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">raw link</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<iframe src='https://evil.example'></iframe>",
    '<div style="position:fixed">overlay</div>',
    "![img](https://evil.example/x.png)",
]


class _Elements(HTMLParser):
    """Every real element in a piece of HTML, with its attributes (escaped text is not one)."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_cannot_smuggle_html_or_scripts(attack):
    html = str(render(f"Hello\n\n{attack}\n").html)
    for tag, attrs in _Elements(html).found:
        assert tag in {"p", "a", "em", "strong", "code"}, html
        assert not [name for name in attrs if name.startswith("on") or name == "style"], html
        if tag == "a":
            assert attrs["href"].startswith(("https://", "http://", "mailto:", "/", "#")), html


def test_raw_html_in_markdown_is_shown_as_text():
    html = str(render("Use <b>bold</b> and <script>alert(1)</script> here").html)
    assert "<b>" not in html and "<script>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_keeps_what_articles_need():
    html = str(
        render(
            "## Where to report\n\n- **bold** and *em*\n\n1. one\n\n"
            "[form](/tickets/new?category=harassment) [site](https://example.org)\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n"
        ).html
    )
    assert '<h2 id="section-where-to-report">Where to report</h2>' in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert '<a href="/tickets/new?category=harassment"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<table>" in html and "<td>1</td>" in html


def test_long_articles_get_a_table_of_contents():
    short = render("## One\n\ntext\n\n## Two\n\ntext")
    assert not short.has_toc
    long = render("# Start\n\n## One\n\n### Detail\n\n## One\n\n#### Small")
    assert long.has_toc
    assert long.toc == [
        (2, "section-start", "Start"),
        (2, "section-one", "One"),
        (3, "section-detail", "Detail"),
        (2, "section-one-2", "One"),
    ]


def test_the_article_page_shows_the_sanitised_body(app, client):
    slug = create(app, body="## Steps\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    html = client.get(f"/help/articles/{slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


# --- the writers' pages -----------------------------------------------------------------------

ADMIN_PAGES = ["/admin/articles/", "/admin/articles/new"]


def test_anonymous_visitors_are_sent_to_log_in(app, client):
    for page in ADMIN_PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/login" in response.location


def test_members_get_403_on_every_writers_page(app, client, login_as):
    slug = create(app, published=False)
    with app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.slug == slug))
    login_as("member")
    for page in [*ADMIN_PAGES, f"/admin/articles/{article_id}/edit"]:
        assert client.get(page).status_code == 403, page
    token = csrf_token(client, "/help/")
    for action in ("publish", "unpublish"):
        response = client.post(f"/admin/articles/{article_id}/{action}", data={"csrf_token": token})
        assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Article, article_id).state is ArticleState.DRAFT


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_agents_and_admins_write_preview_and_publish(app, client, login_as, role):
    with app.app_context():
        section_id = make_section().id
        category_id = active_category_by_slug("fraud").id
        db.session.commit()
    login_as(role)
    assert client.get("/admin/articles/").status_code == 200
    form = {
        "title": "Recognise a scam",
        "section_id": str(section_id),
        "summary": "The usual tricks.",
        "body": "## Fake payment notices\n\n<script>x</script> Never log in from a link.",
        "report_category_id": str(category_id),
        "sort_order": "1",
    }
    preview = submit(client, "/admin/articles/new", {**form, "action": "preview"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Preview (not saved)" in html and '<h2 id="section-fake-payment-notices">' in html
    assert "<script>x</script>" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Article)) == 0

    saved = submit(client, "/admin/articles/new", {**form, "action": "save"})
    assert saved.status_code == 302
    with app.app_context():
        article = db.session.scalar(select(Article))
        assert article.state is ArticleState.DRAFT
        assert (article.slug, article.report_category.slug) == ("recognise-a-scam", "fraud")
        assert article.author.role.value == role
        article_id = article.id
    assert client.get("/help/articles/recognise-a-scam").status_code == 404  # drafts: 404 for all

    submit(client, f"/admin/articles/{article_id}/publish", {}, page=saved.location)
    page = client.get("/help/articles/recognise-a-scam").get_data(as_text=True)
    assert 'href="/tickets/new?category=fraud"' in page


def test_the_form_shows_the_domains_messages(app, client, login_as):
    login_as("agent")
    response = submit(client, "/admin/articles/new", {"title": "", "body": "", "action": "save"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give the article a title." in html and "Choose a section." in html


def test_the_list_puts_the_least_helpful_articles_first(app, client, login_as):
    with app.app_context():
        agent = make_user("agent")
        good = make_article(agent, title="Good article")
        bad = make_article(agent, title="Bad article")
        unrated = make_article(agent, title="Unrated article")
        articles.vote(good, "browser:a", True)
        articles.vote(good, "browser:b", True)
        articles.vote(bad, "browser:a", False)
        articles.vote(bad, "browser:b", True)
        db.session.commit()
        titles = [row.article.title for row in articles.overview()]
        assert titles == ["Bad article", "Good article", unrated.title]
    login_as("agent")
    html = client.get("/admin/articles/").get_data(as_text=True)
    assert html.index("Bad article") < html.index("Good article") < html.index("Unrated article")
    assert "1 of 2 (50%)" in html and "2 of 2 (100%)" in html
