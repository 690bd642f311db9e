"""Writing the help center at /admin/articles: agents and admins (members get 403)."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ... import articles
from ...categories import active_categories
from ...database import db
from ...markdown import render
from ...models import Article
from ..access import agent_required
from ..forms import optional_int
from ..transactions import act_and_flash, transaction
from . import bp


class ArticleForm(FlaskForm):
    title = StringField("Title")
    slug = StringField(
        "Address", description="The end of /help/articles/…; made from the title when empty."
    )
    section_id = SelectField("Section", coerce=optional_int, validate_choice=False)
    summary = StringField("Summary", description="One sentence, shown in lists and suggestions.")
    body = TextAreaField(
        "Article",
        description="Markdown: ## headings, **bold**, *italic*, lists, [links](https://…), "
        "tables. HTML is shown as text. Three or more headings give a table of contents.",
    )
    report_category_id = SelectField(
        "Report form it leads to",
        coerce=optional_int,
        validate_choice=False,
        description="Adds “Submit a report” with this category prefilled.",
    )
    sort_order = IntegerField("Order in its section", default=0, validators=[Optional()])


def _choices(form: ArticleForm) -> None:
    form.section_id.choices = [(s.id, s.title) for s in articles.sections()]
    form.report_category_id.choices = [("", "None")] + [(c.id, c.name) for c in active_categories()]


@bp.get("/articles/", endpoint="articles")
@agent_required
def articles_page():
    return render_template(
        "admin/articles.html", rows=articles.overview(), deflection=articles.deflection()
    )


@bp.route("/articles/new", methods=["GET", "POST"], endpoint="article_new")
@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"], endpoint="article_edit")
@agent_required
def article_form(article_id: int | None = None):
    """A new article, or one to edit; saving comes back to its page."""
    article = db.get_or_404(Article, article_id) if article_id else None
    form = ArticleForm(obj=article)
    _choices(form)
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = render(form.body.data or "")
        else:
            with transaction(form) as done:
                saved = articles.save_article(current_user, _input(form), article)
            if done.ok:
                flash(f"Saved “{saved.title}”.", "success")
                return redirect(url_for(".article_edit", article_id=saved.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "admin/article_form.html", form=form, article=article, preview=preview
    ), status


def _input(form: ArticleForm) -> articles.ArticleInput:
    return articles.ArticleInput(
        title=form.title.data or "",
        body=form.body.data or "",
        section_id=form.section_id.data,
        slug=form.slug.data or "",
        summary=form.summary.data or "",
        report_category_id=form.report_category_id.data,
        sort_order=form.sort_order.data or 0,
    )


PUBLICATION_DONE = {
    True: "Published “{title}”: members can read it now.",
    False: "Unpublished “{title}”: it is a draft again, hidden from members.",
}


@bp.post("/articles/<int:article_id>/publish", endpoint="article_publish")
@bp.post("/articles/<int:article_id>/unpublish", endpoint="article_unpublish")
@agent_required
def article_publication(article_id: int):
    article = db.get_or_404(Article, article_id)
    publish = request.endpoint == "admin.article_publish"
    change = articles.publish if publish else articles.unpublish
    done = PUBLICATION_DONE[publish].format(title=article.title)
    act_and_flash(lambda: change(current_user, article), done)
    return _back(article)


def _back(article: Article):
    """To the list when the button was on it, else to the article's page."""
    if request.form.get("back") == "list":
        return redirect(url_for(".articles"))
    return redirect(url_for(".article_edit", article_id=article.id))
