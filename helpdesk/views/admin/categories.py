"""Categories at /admin/categories: list, create, edit, reorder, deactivate. Admins only."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from ... import categories
from ...database import db
from ...errors import InvalidInput
from ...models import Category, Priority
from ..access import admin_required, show_errors
from ..transactions import act_and_flash, transaction
from . import bp

SPARE_QUESTION_ROWS = 2  # empty rows the form offers for new questions


class QuestionForm(Form):
    """One question row; read its fields on `row.form`, as a FormField has a `label` of its own."""

    key = HiddenField()
    label = StringField("Question")
    kind = SelectField(
        "Kind of answer",
        choices=[
            SelectChoice(kind.value, label) for kind, label in categories.QUESTION_KINDS.items()
        ],
        validate_choice=False,  # the domain names the allowed kinds
    )
    options = TextAreaField("Options", description="For a choice: one option per line.")
    required = BooleanField("An answer is required")
    help = StringField("Help text (optional)", description="Shown under the question.")
    remove = BooleanField("Remove this question")


class CategoryForm(FlaskForm):
    name = StringField("Name", description="What members choose, e.g. “Fraud or scam”.")
    slug = StringField(
        "Slug",
        description="Lower-case letters, digits and hyphens, as in /tickets/new?category=fraud. "
        "Links and API clients use it: change it with care. Made from the name when empty.",
    )
    description = TextAreaField(
        "Description for members", description="Shown under the name on the report form."
    )
    is_interaction = BooleanField("Concerns an interaction between the two members")
    interaction_notice = TextAreaField(
        "Notice before submitting",
        description="Required for an interaction category: the report form tells the reporter "
        "that the other member may be able to tell the report came from their interaction.",
    )
    default_priority = SelectField(
        "Default priority",
        choices=[
            SelectChoice(priority.value, priority.value.capitalize()) for priority in Priority
        ],
        validate_choice=False,
    )
    first_response_hours = IntegerField(
        "First-response target (hours)",
        validators=[Optional()],
        description="The inbox marks a ticket overdue when no one has replied by then.",
    )
    retention_days = IntegerField(
        "Keep closed tickets for (days)",
        validators=[Optional()],
        description="Then the retention job removes what they hold about people and keeps an "
        "anonymised record. Empty: the desk-wide period.",
    )
    questions = FieldList(FormField(QuestionForm))


@bp.get("/categories", endpoint="categories")
@admin_required
def categories_page():
    return render_template(
        "admin/categories.html",
        categories=categories.all_categories(),
        ticket_counts=categories.ticket_counts(),
    )


@bp.route("/categories/new", methods=["GET", "POST"], endpoint="category_new")
@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"], endpoint="category_edit")
@admin_required
def category_form(category_id: int | None = None):
    category = db.get_or_404(Category, category_id) if category_id else None
    form = CategoryForm(data=_form_data(category))
    status = 200
    if form.validate_on_submit():
        rows = _question_rows(form)
        with transaction() as done:
            saved = categories.save_category(current_user, _input(form, rows), category)
        if done.ok:
            flash(f"Saved “{saved.name}”.", "success")
            return redirect(url_for(".categories"))
        _show_category_errors(form, done.refusal, rows)
        status = 422
    elif form.is_submitted():  # a missing CSRF token, or hours that are not a number
        status = 422
    else:
        spare = min(SPARE_QUESTION_ROWS, categories.MAX_QUESTIONS - len(form.questions))
        for _ in range(spare):
            form.questions.append_entry()
    return render_template("admin/category_form.html", form=form, category=category), status


def _form_data(category: Category | None) -> dict:
    """The form's first values: the category's, or a new category's defaults."""
    if category is None:
        return {
            "interaction_notice": categories.SHARED_INTERACTION_NOTICE,
            "default_priority": Priority.NORMAL.value,
            "first_response_hours": 24,
        }
    return {
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "is_interaction": category.is_interaction,
        # Ticking the box on a category without a notice starts from the shared text.
        "interaction_notice": category.interaction_notice or categories.SHARED_INTERACTION_NOTICE,
        "default_priority": category.default_priority.value,
        "first_response_hours": category.first_response_hours,
        "retention_days": category.retention_days,
        "questions": [
            question | {"options": "\n".join(question["options"])}
            for question in category.questions
        ],
    }


def _question_rows(form: CategoryForm) -> list[int]:
    """The indexes of the question rows that hold a question: not removed, not left empty."""
    return [
        index
        for index, row in enumerate(form.questions)
        if not row.form.remove.data
        and any((row.form.label.data, row.form.help.data, row.form.options.data))
    ]


def _texts(form, *names: str) -> dict[str, str]:
    """The named text fields of a form, empty when left out."""
    return {name: form[name].data or "" for name in names}


def _input(form: CategoryForm, rows: list[int]) -> categories.CategoryInput:
    texts = _texts(form, "name", "slug", "description", "interaction_notice", "default_priority")
    return categories.CategoryInput(
        **texts,
        is_interaction=form.is_interaction.data,
        first_response_hours=form.first_response_hours.data,
        retention_days=form.retention_days.data,
        questions=[_question_input(form.questions[index].form) for index in rows],
    )


def _question_input(row: QuestionForm) -> categories.QuestionInput:
    return categories.QuestionInput(
        **_texts(row, "key", "label", "kind", "help"),
        required=row.required.data,
        options=(row.options.data or "").splitlines(),
    )


def _show_category_errors(form: CategoryForm, invalid: InvalidInput, rows: list[int]) -> None:
    """The category's messages beside its fields, a question's beside that question's field.

    The domain numbers the questions it was given, `rows`, which skip removed and empty rows.
    """
    category_errors = {}
    for name, messages in invalid.errors.items():
        if name.startswith("questions."):  # questions.<position>.<field>
            _, position, field_name = name.split(".")
            field = form.questions[rows[int(position)]].form[field_name]
            field.errors = list(field.errors) + messages
        elif name == "questions":  # about all of them: shown above the form
            form.form_errors.extend(messages)
        else:
            category_errors[name] = messages
    show_errors(form, InvalidInput(category_errors))
    if len(category_errors) < len(invalid.errors):
        form.form_errors.append("Please correct the fields marked below.")


@bp.post("/categories/<int:category_id>/move")
@admin_required
def category_move(category_id: int):
    category = db.get_or_404(Category, category_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    act_and_flash(lambda: categories.move_category(current_user, category, step))
    return redirect(url_for(".categories", _anchor=f"category-{category.id}"))


@bp.post("/categories/<int:category_id>/active")
@admin_required
def category_active(category_id: int):
    category = db.get_or_404(Category, category_id)
    active = request.form.get("active") == "1"
    done = (
        f"Reactivated “{category.name}”: it is back on the report form."
        if active
        else f"Deactivated “{category.name}”: it is off the report form and the API; its "
        "tickets stay."
    )
    act_and_flash(lambda: categories.set_active(current_user, category, active), done)
    return redirect(url_for(".categories"))
