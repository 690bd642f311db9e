"""The reports' daily roll-ups equal a full recount, whatever happened to the tickets: a random
workload of reports, replies, solving, reopening, closing, new categories, decisions, merges and
retention's purge, with refused changes rolled back among them."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from helpdesk import decisions, retention, tickets, workflow
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db, utcnow
from helpdesk.errors import DomainError
from helpdesk.models import Category, Decision, DecisionAction, Role, Source, Status, Ticket, User
from helpdesk.reports import rollups

from .factories import make_ticket, make_user

# Far from UTC, and with a quarter-hour offset, so that local days are not UTC days.
ZONE = "Pacific/Chatham"


@pytest.fixture
def desk(app):
    app.config["HELPDESK_TIME_ZONE"] = ZONE
    with app.app_context():
        yield make_user("agent")


def _report(rng: random.Random, categories: list[Category]) -> Ticket:
    # Few reporters: a merge of two of one member's reports carries its replies over as replies.
    reporters = list(db.session.scalars(select(User).where(User.role == Role.MEMBER)))
    ticket = make_ticket(
        reporters[rng.randrange(len(reporters))] if len(reporters) > 2 else None,
        category=rng.choice(categories).slug,
        source=rng.choice(list(Source)),
        reported=f"member_{rng.randrange(8)}",
    )
    # Reports of the past weeks, at any hour: each local day gets some.
    ticket.created_at = utcnow() - timedelta(minutes=rng.randrange(60 * 24 * 21))
    return ticket


def _step(rng, agent, categories, actions) -> None:
    """One random change to one random ticket, committed; a refused one is rolled back."""
    everything = list(db.session.scalars(select(Ticket)))
    ticket = rng.choice(everything)
    change = rng.choice(
        ["report", "reply", "solve", "reopen", "close", "category", "decide", "merge", "purge"]
        + ["backdate"]
    )
    try:
        if change == "report":
            _report(rng, categories)
        elif change == "reply":
            tickets.post_reply(agent, ticket, "Thank you, we are looking into it.")
        elif change in ("solve", "reopen", "close"):
            to = {"solve": Status.SOLVED, "reopen": Status.OPEN, "close": Status.CLOSED}[change]
            tickets.set_status(agent, ticket, to)
        elif change == "category":
            tickets.set_category(agent, ticket, rng.choice(categories))
        elif change == "decide":
            policy = rng.choice([*categories, None])
            decisions.record(
                agent, ticket, policy=policy, action=rng.choice(actions), reason="Seen."
            )
        elif change == "merge":
            tickets.merge(agent, ticket, rng.choice(everything))
        elif change == "backdate":  # as the demo seed tells a ticket's story over days
            decided = db.session.scalars(select(Decision).where(Decision.ticket_id == ticket.id))
            for row in [*ticket.messages[-2:], *decided]:
                row.created_at -= timedelta(hours=rng.randrange(1, 72))
        elif ticket.status is Status.CLOSED and ticket.purged_at is None:
            retention.purge_ticket(ticket)
        db.session.commit()
    except DomainError:
        db.session.rollback()


def test_the_roll_ups_equal_a_recount_after_a_random_workload(desk):
    rng = random.Random(20261205)
    categories = [c for c in db.session.scalars(select(Category)) if c.active]
    actions = list(db.session.scalars(select(DecisionAction).where(DecisionAction.active)))
    for _ in range(12):
        _report(rng, categories)
    db.session.commit()
    for step in range(1, 241):
        _step(rng, desk, categories, actions)
        if step % 60 == 0:
            assert rollups.stored() == rollups.recount(ZONE), f"after {step} changes"
    counted = rollups.recount(ZONE)
    assert {key[0] for key in counted} == {"received", "solved", "closed", "decided", "replied"}
    assert len({key[1] for key in counted}) > 7  # the counts spread over many local days


def test_a_refused_change_moves_no_count(desk):
    ticket = make_ticket()
    workflow.change_status(desk, ticket, Status.SOLVED)
    db.session.commit()
    before = rollups.stored()
    solved = {key[2]: n for key, n in before.items() if key[0] == "solved"}
    assert solved == {ticket.category_id: 1}
    tickets.set_category(desk, ticket, active_category_by_slug("fraud"))
    tickets.set_status(desk, ticket, Status.OPEN)
    db.session.rollback()
    assert rollups.stored() == before


def test_a_bulk_change_is_found_by_check_and_mended_by_rebuild(app, runner):
    with app.app_context():
        make_ticket()
        db.session.commit()
    assert runner.invoke(args=["reports", "check"]).exit_code == 0
    with app.app_context():
        # Written around the session, as a bulk load would: no count follows.
        db.session.execute(update(Ticket).values(solved_at=utcnow()))
        db.session.commit()
    checked = runner.invoke(args=["reports", "check"])
    assert checked.exit_code == 1
    assert "measure solved, day" in checked.output and "stored 0, counted 1" in checked.output
    rebuilt = runner.invoke(args=["reports", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Recounted 2 daily counts in UTC." in rebuilt.output
    assert runner.invoke(args=["reports", "check"]).exit_code == 0


def test_after_a_time_zone_change_reports_wait_for_a_recount(app, client, login_as, runner):
    with app.app_context():
        make_ticket()
        db.session.commit()
    assert runner.invoke(args=["reports", "rebuild"]).exit_code == 0
    app.config["HELPDESK_TIME_ZONE"] = "America/New_York"
    login_as("agent")
    for path in ("/agent/reports", "/agent/reports/transparency"):
        refused = client.get(path)
        assert refused.status_code == 503
        assert "run `flask reports rebuild`" in refused.get_data(as_text=True)
    stale = runner.invoke(args=["reports", "check"])
    assert stale.exit_code == 1 and "in UTC" in stale.output
    assert runner.invoke(args=["reports", "rebuild"]).exit_code == 0
    page = client.get("/agent/reports")
    assert page.status_code == 200
    assert "America/New_York" in page.get_data(as_text=True)


def test_the_demo_seed_leaves_counts_that_agree_with_a_recount(app, runner):
    """The seed backdates each ticket's story (replies, decisions, solving) after telling it."""
    seeded = runner.invoke(args=["seed", "demo"])
    assert seeded.exit_code == 0, seeded.output
    checked = runner.invoke(args=["reports", "check"])
    assert checked.exit_code == 0, checked.output
    assert "daily counts agree with a recount" in checked.output
    with app.app_context():
        first = select(Decision.ticket_id, func.min(Decision.created_at))
        stamped = select(Ticket.id, Ticket.first_decision_at).where(
            Ticket.first_decision_at.is_not(None)
        )
        firsts = dict(db.session.execute(first.group_by(Decision.ticket_id)).all())
        assert firsts and dict(db.session.execute(stamped).all()) == firsts


def test_a_merge_carries_replies_over_without_counting_them_twice(desk):
    reporter = make_user()
    duplicate, survivor = make_ticket(reporter), make_ticket(reporter)
    tickets.post_reply(desk, duplicate, "Thank you, we are looking into it.")
    tickets.merge(desk, duplicate, survivor)  # one reporter: the reply is carried as a reply
    db.session.commit()
    assert rollups.stored() == rollups.recount(ZONE)
    assert sum(n for key, n in rollups.stored().items() if key[0] == rollups.REPLIED) == 1
