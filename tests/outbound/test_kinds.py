"""Every mail kind is declared once, with templates for each part it sends (P3's list)."""

import pytest

from helpdesk.mail import kinds
from helpdesk.models import MailKind


@pytest.mark.parametrize("kind", list(MailKind))
def test_every_kind_has_a_spec_and_its_templates(app, kind):
    assert kind in kinds.SPECS, f"{kind} has no entry in kinds.SPECS"
    names = kinds.spec(kind).templates(kind)
    assert f"mail/{kind.value}.subject.txt" in names and f"mail/{kind.value}.txt" in names
    known = set(app.jinja_env.list_templates())
    missing = [name for name in names if name not in known]
    assert not missing, f"{kind} lacks {missing}"


def test_only_reporter_mail_is_about_a_ticket_and_people_are_never_held_back():
    reporter_kinds = {k for k, s in kinds.SPECS.items() if s.audience is kinds.Audience.REPORTER}
    assert reporter_kinds == {
        MailKind.REPORT_RECEIVED,
        MailKind.FOLLOWUP_RECEIVED,
        MailKind.AGENT_REPLY,
    }
    assert kinds.spec(MailKind.AGENT_REPLY).hourly_family is None
    assert kinds.spec(MailKind.AGENT_REPLY).headers == {}
