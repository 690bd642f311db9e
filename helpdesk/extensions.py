"""Flask extensions, created unbound; create_app binds them with init_app."""

from pathlib import Path

from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from .database import db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

csrf = CSRFProtect()
# No default limits: the API sets its own, per token (helpdesk.views.api).
limiter = Limiter(key_func=lambda: "unkeyed")
mail = Mail()  # used by helpdesk.mail.sender alone: no other code sends mail (P3)
migrate = Migrate(directory=str(Path(__file__).resolve().parent.parent / "migrations"))

__all__ = ["csrf", "db", "limiter", "login_manager", "mail", "migrate"]
