"""Pages anyone may see: the landing page and the health check."""

from flask import Blueprint, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..categories import active_categories
from ..database import db

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("public/index.html", categories=active_categories())


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
