"""helpdesk: a Trust & Safety help desk for a freelance marketplace."""

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import build_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages and CLI; nothing else."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    instance_path = Path((config or {}).get("INSTANCE_PATH", app.instance_path))
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(build_config(instance_path, dict(os.environ), config))
    _log_state_changes(app.config["HELPDESK_LOG_LEVEL"])

    from . import models  # noqa: F401  (registers the tables on the metadata)
    from .cli import register_cli
    from .extensions import csrf, db, limiter, login_manager, mail, migrate
    from .views import register_blueprints
    from .views.error_pages import register_error_pages

    db.init_app(app)
    migrate.init_app(app, db)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    register_blueprints(app)
    register_error_pages(app)
    register_cli(app)
    if hops := app.config["HELPDESK_PROXY_HOPS"]:
        # Behind that many proxies, the client's address and scheme are the ones they forwarded;
        # log-in throttling and rate limits key on that address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def _log_state_changes(level: str) -> None:
    """Show the domain's log (at INFO, who changed what) wherever the app runs, at `level`."""
    logger = logging.getLogger("helpdesk")
    if not logger.handlers:  # one handler per process
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)
