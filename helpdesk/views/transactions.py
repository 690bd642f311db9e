"""One request, one transaction: the block commits once, or a refusal rolls all of it back.

A view reads: validate the form, call the domain inside `with transaction(form) as done:`, then
redirect when `done.ok` or re-render with the refusal. The domain flushes and never commits;
this is the one place that does.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError

from ..database import db
from ..errors import DomainError, InvalidInput, StaleTicket
from .access import show_errors

SAME_MOMENT = "Another agent changed this ticket at the same moment. Review it and try again."


@dataclass
class Outcome:
    refusal: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


@contextmanager
def transaction(form: FlaskForm | None = None) -> Iterator[Outcome]:
    """Commit what the block changed; on a DomainError roll back and keep it on the outcome
    (with InvalidInput's messages put beside `form`'s fields). Anything else rolls back and
    propagates. Two requests that passed the same version check end here as StaleTicket."""
    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        outcome.refusal = StaleTicket(SAME_MOMENT)
    except DomainError as refusal:
        db.session.rollback()
        outcome.refusal = refusal
        if form is not None and isinstance(refusal, InvalidInput):
            show_errors(form, refusal)
    except BaseException:
        db.session.rollback()
        raise


def refusal_text(refusal: DomainError) -> str:
    """A refusal as one message for the person who asked."""
    return refusal.messages if isinstance(refusal, InvalidInput) else str(refusal)


def act_and_flash(action: Callable[[], object], success: str | None = None) -> bool:
    """A one-button action in its own transaction: flashes `success` when it is done, or why
    it was refused; True when done."""
    with transaction() as done:
        action()
    if not done.ok:
        flash(refusal_text(done.refusal), "error")
    elif success:
        flash(success, "success")
    return done.ok
