"""The app on a real HTTP server on loopback, with its own new database, for the browser tests.

`serve(directory)` builds the real app (`create_app` with the configuration below), migrates a
new SQLite database in `directory` with Alembic, seeds it, and serves it with werkzeug's
threaded server on a free 127.0.0.1 port, in a thread of the test process, until the block
ends. Nothing here reads or changes os.environ: every setting is passed to create_app.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import flask_migrate
from flask import Flask
from werkzeug.serving import make_server

from helpdesk import canned_replies, create_app
from helpdesk.categories import seed_default_categories
from helpdesk.config import HELPDESK_SETTINGS, MAIL_SETTINGS
from helpdesk.database import db
from helpdesk.seed import DEFAULT_CANNED_REPLIES

from ..factories import make_user

T = TypeVar("T")


@dataclass
class LiveServer:
    url: str
    app: Flask

    def run(self, work: Callable[[], T]) -> T:
        """Run domain code in the server's app and commit, as a CLI command would."""
        with self.app.app_context():
            result = work()
            db.session.commit()
            return result


def config(directory: Path) -> dict:
    # Every setting at its default, whatever the developer's shell holds, then the test's own.
    defaults = {name: default for name, (default, _) in (HELPDESK_SETTINGS | MAIL_SETTINGS).items()}
    return defaults | {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'helpdesk.db'}",
        "SECRET_KEY": "browser-test-secret-key",
        "INSTANCE_PATH": str(directory / "instance"),
        "HELPDESK_ATTACHMENT_DIR": str(directory / "attachments"),
        # Cheap hashing keeps log-ins quick; production keeps the strong default.
        "HELPDESK_ARGON2_TIME_COST": 1,
        "HELPDESK_ARGON2_MEMORY_KIB": 1024,
    }


def seed_defaults() -> None:
    """The default categories, an admin, and the team's default canned replies."""
    seed_default_categories()
    admin = make_user("admin", display_name="Morgan Admin")
    for canned in DEFAULT_CANNED_REPLIES:
        canned_replies.save(admin, canned)


@contextmanager
def serve(directory: Path, seed: Callable[[], object] = seed_defaults) -> Iterator[LiveServer]:
    """The app on http://127.0.0.1:<free port>/ with a new migrated database, until the end."""
    app = create_app(config(directory))
    with app.app_context():
        flask_migrate.upgrade()
        seed()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.port}"
    app.config["HELPDESK_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server")
    thread.start()
    try:
        yield LiveServer(url, app)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
