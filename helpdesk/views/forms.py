"""Form shapes and CSRF. The rules about what is valid live in the domain modules."""

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    MultipleFileField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import InputRequired


def answer_field(category_id: int, key: str) -> str:
    """The report form's name for the answer to a question of one category: each category's
    questions are in the page (no script needed), and only the chosen one's are read."""
    return f"answers-{category_id}-{key}"


def optional_int(value):
    """A select or radio value as an id, or None when it is not one (coerce= for WTForms)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RegisterForm(FlaskForm):
    display_name = StringField("Your name", validators=[InputRequired("Enter your name.")])
    email = EmailField(
        "Email address",
        validators=[InputRequired("Enter your email address.")],
        description="We send a link there to choose your password.",
    )


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])
    next = HiddenField()


class ReportForm(FlaskForm):
    category = RadioField("What are you reporting?", coerce=optional_int, validate_choice=False)
    subject = StringField("Subject", description="A short summary, like a mail subject.")
    description = TextAreaField(
        "What happened?",
        description="What was said or done, when and where. Include what you have already "
        "tried, and anything that helps us find it.",
    )
    reported = StringField(
        "Member you are reporting (optional)",
        description="Their username, or the address of their profile.",
    )
    context_url = URLField(
        "Where it happened (optional)",
        description="A link to the job posting, workroom, contract or message.",
    )
    attachments = MultipleFileField(
        "Evidence (optional)",
        description="Screenshots or documents: images (PNG, JPEG, GIF, WebP), PDF or text files.",
    )
    submission_key = HiddenField()
    follows_up = HiddenField()


class FollowupForm(FlaskForm):
    body = TextAreaField(
        "Your message",
        description="Anything new: what happened since, or what you forgot to tell us.",
    )
    attachments = MultipleFileField("Evidence (optional)")
