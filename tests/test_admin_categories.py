"""Categories at /admin/categories, and their extra questions on the report form, the API and
the agent's ticket page."""

import json
import re

import pytest
from sqlalchemy import func, select

from helpdesk import api_tokens, categories
from helpdesk.categories import CategoryInput, QuestionInput
from helpdesk.database import db
from helpdesk.errors import NotAllowed
from helpdesk.models import AuditEvent, Category, Ticket

from .conftest import csrf_token, log_in, submit
from .factories import make_ticket, make_user

QUESTIONS = [
    QuestionInput("Contract ID", "short_text", required=True, help="It is on the contract page."),
    QuestionInput(
        "Where did it happen?", "choice", required=True, options=["Messages", "Workroom"]
    ),
    QuestionInput("Link to the message", "url"),
]
ANSWERS = {
    "contract-id": "C-20931",
    "where-did-it-happen": "Workroom",
    "link-to-the-message": "https://marketplace.example/workrooms/48213",
}
API_REPORT = {
    "marketplace_member_id": "mkt-1001",
    "member_email": "amara@members.example",
    "member_name": "Amara Okafor",
    "category": "harassment",
    "subject": "Threats in the workroom",
    "description": "The client wrote that he would find me if I kept asking to be paid.",
}


def _form(**fields) -> dict:
    """A valid new category, as the form posts it."""
    return {
        "name": "Spam or unsolicited ads",
        "slug": "spam",
        "description": "Bulk messages, advertising or links nobody asked for.",
        "interaction_notice": "",
        "default_priority": "low",
        "first_response_hours": "48",
        **fields,
    }


def _row(index: int, label: str = "", kind: str = "short_text", **fields) -> dict:
    """One question row of the category form; required=True and remove=True tick the boxes."""
    row = {
        f"questions-{index}-label": label,
        f"questions-{index}-kind": kind,
        f"questions-{index}-options": fields.get("options", ""),
        f"questions-{index}-help": fields.get("help", ""),
        f"questions-{index}-key": fields.get("key", ""),
    }
    for box in ("required", "remove"):
        if fields.get(box):
            row[f"questions-{index}-{box}"] = "y"
    return row


def _field_error(html: str, field_id: str) -> str:
    """The text of the errors shown beside a field."""
    match = re.search(rf'<ul class="field-errors" id="{field_id}-error">(.*?)</ul>', html, re.S)
    assert match, f"no error beside {field_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def _category(slug: str) -> Category:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def _category_id(app, slug: str) -> int:
    with app.app_context():
        return _category(slug).id


def _category_events(app) -> list[tuple[str, str, dict]]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("category.")).order_by("id")
        )
        return [(event.action, event.target, event.changes) for event in events]


def _ask(app, slug: str, questions=QUESTIONS) -> int:
    """Give a category extra questions, as an admin does; returns its id."""
    with app.app_context():
        category = _category(slug)
        data = CategoryInput(
            name=category.name,
            slug=category.slug,
            description=category.description,
            is_interaction=category.is_interaction,
            interaction_notice=category.interaction_notice or "",
            default_priority=category.default_priority.value,
            first_response_hours=category.first_response_hours,
            questions=questions,
        )
        categories.save_category(make_user("admin"), data, category)
        db.session.commit()
        return category.id


def _member_report(app, category_id: int, answers: dict[str, str], **fields) -> dict:
    return {
        "category": str(category_id),
        "subject": "Threats after I asked to be paid",
        "description": "On 3 November the client wrote that he would 'find me' if I kept asking.",
        "submission_key": "key-1",
        **{f"answers-{category_id}-{key}": value for key, value in answers.items()},
        **fields,
    }


def _token(app, *scopes: str) -> dict:
    with app.app_context():
        _, secret = api_tokens.create_token(None, "Marketplace", list(scopes))
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


# ---------- Who may use it ----------


@pytest.mark.parametrize("role", ["member", "agent"])
def test_members_and_agents_are_refused_every_page_and_action(app, client, login_as, role):
    login_as(role)
    fraud = _category_id(app, "fraud")
    for page in ("/admin/categories", "/admin/categories/new", f"/admin/categories/{fraud}/edit"):
        assert client.get(page).status_code == 403, page
    token = csrf_token(client, "/tickets/new")
    actions = [
        ("/admin/categories/new", _form()),
        (f"/admin/categories/{fraud}/edit", _form(name="Renamed", slug="fraud")),
        (f"/admin/categories/{fraud}/move", {"direction": "up"}),
        (f"/admin/categories/{fraud}/active", {"active": "0"}),
    ]
    for url, data in actions:
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    with app.app_context():
        fraud_category = _category("fraud")
        assert (fraud_category.name, fraud_category.active) == ("Fraud or scam", True)
        assert fraud_category.sort_order == 1
        assert _category("spam") is None
    assert _category_events(app) == []


def test_the_domain_refuses_a_non_admin_too(app_context):
    agent = make_user("agent")
    with pytest.raises(NotAllowed):
        categories.set_active(agent, _category("fraud"), False)


# ---------- The list ----------


def test_the_list_shows_every_category_in_order_with_its_tickets(app, client, login_as):
    with app.app_context():
        make_ticket(category="fraud")
        make_ticket(category="fraud")
        _category("other").active = False
        db.session.commit()
    login_as("admin")
    html = client.get("/admin/categories").get_data(as_text=True)
    names = re.findall(r'<a href="/admin/categories/\d+/edit">([^<]+)</a>', html)
    assert names[:3] == [
        "Harassment or abusive language",
        "Fraud or scam",
        "Off-platform payment request",
    ]
    assert len(names) == len(categories.DEFAULT_CATEGORIES)
    fraud_row = html.split(f'id="category-{_category_id(app, "fraud")}"', 1)[1].split("</tr>")[0]
    assert '<td class="number">2</td>' in fraud_row
    other_row = html.split(f'id="category-{_category_id(app, "other")}"', 1)[1].split("</tr>")[0]
    assert "deactivated" in other_row and "Reactivate" in other_row
    assert "/admin/categories" in client.get("/admin/").get_data(as_text=True)


# ---------- Creating and editing ----------


def test_create_a_category_with_questions(app, client, login_as):
    login_as("admin")
    data = _form(
        **_row(
            0, "Where did you see it?", "choice", options="Messages\n\n Job post \n", required=True
        ),
        **_row(1),  # an empty row is no question
        **_row(2, "Link to the ad", "url", help="Copy it from the address bar."),
    )
    response = submit(client, "/admin/categories/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Saved “Spam or unsolicited ads”" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        spam = _category("spam")
        assert spam.active and spam.sort_order == len(categories.DEFAULT_CATEGORIES)
        assert (spam.default_priority.value, spam.first_response_hours) == ("low", 48)
        assert (spam.is_interaction, spam.interaction_notice) == (False, None)
        assert spam.questions == [
            {
                "key": "where-did-you-see-it",
                "label": "Where did you see it?",
                "kind": "choice",
                "required": True,
                "help": "",
                "options": ["Messages", "Job post"],
            },
            {
                "key": "link-to-the-ad",
                "label": "Link to the ad",
                "kind": "url",
                "required": False,
                "help": "Copy it from the address bar.",
                "options": [],
            },
        ]
        spam_id = spam.id
    assert _category_events(app) == [("category.created", f"category:{spam_id}", {"slug": "spam"})]
    form = client.get("/tickets/new").get_data(as_text=True)
    assert "Spam or unsolicited ads" in form and "Where did you see it?" in form
    listed = client.get("/api/v1/categories", headers=_token(app, "reports:read")).get_json()
    [spam_out] = [category for category in listed if category["slug"] == "spam"]
    assert [q["key"] for q in spam_out["questions"]] == ["where-did-you-see-it", "link-to-the-ad"]
    assert spam_out["questions"][0]["options"] == ["Messages", "Job post"]


def test_an_empty_slug_is_made_from_the_name(app, client, login_as):
    login_as("admin")
    response = submit(client, "/admin/categories/new", _form(name="Spam & ads!", slug=""))
    assert response.status_code == 302
    with app.app_context():
        assert _category("spam-ads") is not None


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"slug": "fraud"}, "slug", "Another category already uses “fraud”"),
        ({"slug": "Bad Slug!"}, "slug", "lower-case letters, digits and single hyphens"),
        ({"slug": "double--hyphen"}, "slug", "single hyphens"),
        ({"name": "  "}, "name", "Give the category a name"),
        ({"description": ""}, "description", "Tell members what this category is for"),
        ({"is_interaction": "y"}, "interaction_notice", "must warn the reporter"),
        ({"default_priority": "whenever"}, "default_priority", "Choose a priority"),
        ({"first_response_hours": "0"}, "first_response_hours", "from 1 to 720"),
        ({"first_response_hours": ""}, "first_response_hours", "from 1 to 720"),
        ({"first_response_hours": "soon"}, "first_response_hours", "Not a valid integer"),
        (_row(0, "Agree?", "checkbox"), "questions-0-kind", "Choose the kind of answer"),
        (_row(0, "Which?", "choice"), "questions-0-options", "at least 2 options"),
        (_row(0, "Which?", "choice", options="Yes\nYes"), "questions-0-options", "different"),
        (_row(0, "Name?", options="A\nB"), "questions-0-options", "Only a choice has options"),
        (_row(0, "", help="Some help"), "questions-0-label", "Write the question"),
        # The error lands on its own row, past an empty and a removed one.
        (
            _row(0) | _row(1, "Gone", key="gone", remove=True) | _row(2, "Which?", "choice"),
            "questions-2-options",
            "at least 2 options",
        ),
    ],
)
@pytest.mark.p5
def test_each_invalid_field_is_shown_beside_it_and_nothing_changes(
    app, client, login_as, fields, field_id, message
):
    login_as("admin")
    response = submit(client, "/admin/categories/new", _form(**fields))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in _field_error(html, field_id)
    assert "Please correct the fields marked below." in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Category)) == len(
            categories.DEFAULT_CATEGORIES
        )
    assert _category_events(app) == []


def test_edit_records_what_changed_and_refuses_a_taken_slug(app, client, login_as):
    login_as("admin")
    fraud = _category_id(app, "fraud")
    url = f"/admin/categories/{fraud}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Fraud or scam"' in page and "New question" in page
    taken = submit(client, url, _form(name="Scams", slug="harassment"))
    assert taken.status_code == 422
    assert "Another category already uses “harassment”" in _field_error(
        taken.get_data(as_text=True), "slug"
    )
    with app.app_context():
        assert _category("fraud").name == "Fraud or scam"

    changed = _form(
        name="Fraud, scams and phishing",
        slug="fraud",
        description=categories.DEFAULT_CATEGORIES[1].description,
        default_priority="urgent",
        first_response_hours="8",
    )
    assert submit(client, url, changed).status_code == 302
    assert _category_events(app) == [
        (
            "category.updated",
            f"category:{fraud}",
            {
                "name": ["Fraud or scam", "Fraud, scams and phishing"],
                "default_priority": ["high", "urgent"],
            },
        )
    ]
    audit_page = client.get("/admin/audit?action=category.updated").get_data(as_text=True)
    assert f"category:{fraud}" in audit_page and "Fraud, scams and phishing" in audit_page


@pytest.mark.p5
def test_an_interaction_category_keeps_its_notice(app, client, login_as):
    login_as("admin")
    notice = "The other member may guess that this report is about your workroom."
    data = _form(is_interaction="y", interaction_notice=notice)
    assert submit(client, "/admin/categories/new", data).status_code == 302
    page = client.get("/tickets/new").get_data(as_text=True)
    shown = re.search(
        r'id="category-spam-notice">\s*<strong>Before you submit:</strong> (.*?)\s*</p>', page
    )
    assert shown and shown.group(1) == notice
    new_form = client.get("/admin/categories/new").get_data(as_text=True)
    assert categories.SHARED_INTERACTION_NOTICE in new_form  # the starting text


# ---------- Order and deactivation ----------


def _form_order(client) -> list[str]:
    return re.findall(
        r'id="category-([a-z0-9-]+)" name="category"',
        client.get("/tickets/new").get_data(as_text=True),
    )


def test_move_up_and_down_changes_the_report_forms_order(app, client, login_as):
    login_as("admin")
    fraud = _category_id(app, "fraud")
    assert _form_order(client)[:3] == ["harassment", "fraud", "off-platform-payment"]
    submit(client, f"/admin/categories/{fraud}/move", {"direction": "up"}, "/admin/categories")
    assert _form_order(client)[:3] == ["fraud", "harassment", "off-platform-payment"]
    submit(client, f"/admin/categories/{fraud}/move", {"direction": "up"}, "/admin/categories")
    assert _form_order(client)[0] == "fraud"  # already first: nothing moves
    submit(client, f"/admin/categories/{fraud}/move", {"direction": "down"}, "/admin/categories")
    submit(client, f"/admin/categories/{fraud}/move", {"direction": "down"}, "/admin/categories")
    assert _form_order(client)[:3] == ["harassment", "off-platform-payment", "fraud"]
    assert [changes for action, _, changes in _category_events(app)] == [
        {"position": [2, 1]},
        {"position": [1, 2]},
        {"position": [2, 3]},
    ]


def test_deactivation_hides_it_from_reports_but_keeps_tickets_and_the_filter(app, client, login_as):
    with app.app_context():
        reference = make_ticket(category="fraud").reference
        db.session.commit()
    login_as("admin")
    fraud = _category_id(app, "fraud")
    response = submit(
        client, f"/admin/categories/{fraud}/active", {"active": "0"}, "/admin/categories"
    )
    assert "Deactivated “Fraud or scam”" in client.get(response.location).get_data(as_text=True)

    assert "fraud" not in _form_order(client)
    api = _token(app, "reports:create")
    assert "fraud" not in {
        c["slug"] for c in client.get("/api/v1/categories", headers=api).get_json()
    }
    refused = client.post("/api/v1/reports", json=API_REPORT | {"category": "fraud"}, headers=api)
    assert refused.status_code == 422
    assert "category" in {error["field"] for error in refused.get_json()["errors"]}
    forged = submit(client, "/tickets/new", _member_report(app, fraud, {}))
    assert forged.status_code == 422

    assert client.get(f"/agent/tickets/{reference}").status_code == 200
    inbox = client.get(f"/agent/?view=all&category={fraud}").get_data(as_text=True)
    assert f'<option value="{fraud}" selected>Fraud or scam</option>' in inbox
    assert reference in inbox

    submit(client, f"/admin/categories/{fraud}/active", {"active": "1"}, "/admin/categories")
    assert "fraud" in _form_order(client)
    assert [action for action, _, _ in _category_events(app)] == [
        "category.deactivated",
        "category.reactivated",
    ]


def test_the_last_active_category_stays_active(app, client, login_as):
    with app.app_context():
        for category in db.session.scalars(select(Category).where(Category.slug != "other")):
            category.active = False
        db.session.commit()
    login_as("admin")
    other = _category_id(app, "other")
    response = submit(
        client, f"/admin/categories/{other}/active", {"active": "0"}, "/admin/categories"
    )
    assert "last active category" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        assert _category("other").active
    assert _category_events(app) == []


# ---------- Questions on the report form ----------


def test_the_form_asks_the_chosen_categorys_questions_and_validates_them(app, client, login_as):
    harassment = _ask(app, "harassment")
    fraud = _ask(app, "fraud", [QuestionInput("Amount lost", "short_text", required=True)])
    login_as("member")
    form = client.get("/tickets/new").get_data(as_text=True)
    assert f'name="answers-{harassment}-contract-id"' in form
    assert f'name="answers-{fraud}-amount-lost"' in form  # each category's, in its own fieldset

    missing = submit(client, "/tickets/new", _member_report(app, harassment, {}))
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert _field_error(html, "category-harassment-q-contract-id") == "Answer this question."
    assert (
        _field_error(html, "category-harassment-q-where-did-it-happen") == "Answer this question."
    )
    assert 'id="category-harassment-q-link-to-the-message-error"' not in html  # optional
    assert 'id="category-fraud-q-amount-lost-error"' not in html  # another category: not read

    wrong = ANSWERS | {"where-did-it-happen": "Email", "link-to-the-message": "workroom 48213"}
    invalid = submit(client, "/tickets/new", _member_report(app, harassment, wrong))
    html = invalid.get_data(as_text=True)
    assert (
        _field_error(html, "category-harassment-q-where-did-it-happen")
        == "Choose one of the options."
    )
    assert "https://" in _field_error(html, "category-harassment-q-link-to-the-message")
    assert 'value="C-20931"' in html  # what the member typed stays
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_answers_are_stored_and_shown_to_the_agent_and_the_reporter(app, client, login_as):
    harassment = _ask(app, "harassment")
    login_as("member")
    response = submit(client, "/tickets/new", _member_report(app, harassment, ANSWERS))
    assert response.status_code == 302, response.get_data(as_text=True)
    reference = response.location.rsplit("/", 1)[1]
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket.answers == [
            {
                "key": "contract-id",
                "label": "Contract ID",
                "kind": "short_text",
                "answer": "C-20931",
            },
            {
                "key": "where-did-it-happen",
                "label": "Where did it happen?",
                "kind": "choice",
                "answer": "Workroom",
            },
            {
                "key": "link-to-the-message",
                "label": "Link to the message",
                "kind": "url",
                "answer": "https://marketplace.example/workrooms/48213",
            },
        ]
    own_page = client.get(response.location).get_data(as_text=True)
    assert "Your answers" in own_page and "C-20931" in own_page
    agent = app.test_client()
    with app.app_context():
        email = make_user("agent").email
        db.session.commit()
    log_in(agent, email)
    agent_page = agent.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert "<dt>Contract ID</dt><dd>C-20931</dd>" in agent_page
    assert "<dt>Where did it happen?</dt><dd>Workroom</dd>" in agent_page


def test_a_channel_that_cannot_ask_the_questions_records_no_answers(app):
    _ask(app, "harassment")
    with app.app_context():  # mail intake, the seed: no answers given, none required
        assert make_ticket(category="harassment").answers == []


# ---------- Questions through the API ----------


def test_the_api_validates_and_stores_answers(app, client):
    _ask(app, "harassment")
    headers = _token(app, "reports:create", "tickets:read")
    missing = client.post("/api/v1/reports", json=API_REPORT, headers=headers)
    assert missing.status_code == 422 and missing.mimetype == "application/problem+json"
    fields = {error["field"] for error in missing.get_json()["errors"]}
    assert fields == {"answers.contract-id", "answers.where-did-it-happen"}
    unknown = client.post(
        "/api/v1/reports", json=API_REPORT | {"answers": ANSWERS | {"nope": "x"}}, headers=headers
    )
    assert {e["field"] for e in unknown.get_json()["errors"]} == {"answers.nope"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0

    created = client.post(
        "/api/v1/reports", json=API_REPORT | {"answers": ANSWERS}, headers=headers
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    reference = created.get_json()["reference"]
    detail = client.get(f"/api/v1/tickets/{reference}", headers=headers).get_json()
    assert {a["key"]: a["answer"] for a in detail["answers"]} == ANSWERS
    assert [a["label"] for a in detail["answers"]] == [q.label for q in QUESTIONS]


def test_a_multipart_report_carries_its_answers_as_json(app, client):
    _ask(app, "harassment")
    headers = _token(app, "reports:create")
    data = API_REPORT | {"answers": json.dumps(ANSWERS)}
    created = client.post(
        "/api/v1/reports", data=data, content_type="multipart/form-data", headers=headers
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalar(select(Ticket)).answers) == 3
    broken = client.post(
        "/api/v1/reports",
        data=API_REPORT | {"answers": "{not json"},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert broken.status_code == 422
    assert {e["field"] for e in broken.get_json()["errors"]} == {"answers"}


# ---------- Old tickets keep what they recorded ----------


def test_editing_questions_never_rewrites_an_old_tickets_answers(app, client, login_as):
    harassment = _ask(app, "harassment")
    with app.app_context():
        ticket = make_ticket(category="harassment", answers=ANSWERS)
        db.session.commit()
        reference, recorded = ticket.reference, ticket.answers
    login_as("admin")
    url = f"/admin/categories/{harassment}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="contract-id"' in page  # each existing question carries its key
    edited = _form(
        name="Harassment or abusive language",
        slug="harassment",
        is_interaction="y",
        interaction_notice=categories.SHARED_INTERACTION_NOTICE,
        **_row(0, "Contract number", key="contract-id", required=True),
        **_row(1, "Where did it happen?", "choice", key="where-did-it-happen", remove=True),
        **_row(2, "Link to the message", "url", key="link-to-the-message"),
    )
    assert submit(client, url, edited).status_code == 302
    with app.app_context():
        questions = _category("harassment").questions
        assert [(q["key"], q["label"]) for q in questions] == [
            ("contract-id", "Contract number"),
            ("link-to-the-message", "Link to the message"),
        ]
        old = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert old.answers == recorded
    agent_page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert "<dt>Contract ID</dt>" in agent_page and "Contract number" not in agent_page
    assert "<dt>Where did it happen?</dt><dd>Workroom</dd>" in agent_page
    action, _, changes = _category_events(app)[-1]
    assert action == "category.updated"
    assert set(changes) == {"description", "default_priority", "first_response_hours", "questions"}
