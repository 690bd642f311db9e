"""The factory, settings, health check and the headers every page carries."""

import stat

import pytest
from sqlalchemy import select, text

from helpdesk import create_app
from helpdesk.config import ConfigError, build_config, database_url
from helpdesk.database import db

from .conftest import log_in
from .factories import make_user


def test_health_check_answers_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_check_reports_an_unreachable_database(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db",
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_a_secret_key_is_generated_once_for_the_owner_only(tmp_path):
    first = build_config(tmp_path, {}, None)["SECRET_KEY"]
    second = build_config(tmp_path, {}, None)["SECRET_KEY"]
    assert first == second and len(first) == 64
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_environment_settings_are_read_and_checked(tmp_path):
    environ = {
        "SECRET_KEY": "from-env",
        "DATABASE_URL": "postgresql://u@db.example/helpdesk",
        "HELPDESK_MAX_ATTACHMENTS": "3",
        "HELPDESK_SECURE_COOKIES": "yes",
    }
    config = build_config(tmp_path, environ, None)
    assert config["SECRET_KEY"] == "from-env"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/helpdesk"
    assert config["HELPDESK_MAX_ATTACHMENTS"] == 3
    assert config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value"), [("HELPDESK_SECURE_COOKIES", "maybe"), ("HELPDESK_MAX_ATTACHMENTS", "five")]
)
def test_unclear_settings_are_refused(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        build_config(tmp_path, {"SECRET_KEY": "x", name: value}, None)


def test_the_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    config = build_config(tmp_path, {"SECRET_KEY": "x"}, None)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'helpdesk.db'}"
    assert database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    else:
        pytest.skip("SQLite settings; this run uses PostgreSQL")


def test_pages_carry_security_headers(client):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_errors_answer_json_to_json_clients(client):
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["status"] == 404
    page = client.get("/nowhere")
    assert "There is nothing here" in page.get_data(as_text=True)


def test_the_landing_page_lists_the_categories(client):
    page = client.get("/").get_data(as_text=True)
    assert "Report a Code of Conduct violation" in page
    assert "/tickets/new?category=harassment" in page


@pytest.mark.parametrize(("hops", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_the_client_address_is_the_proxys_word_only_when_configured(
    app, database_url, tmp_path, hops, seen
):
    """Log-in throttling counts per client address: behind a proxy, the forwarded one."""
    from helpdesk.models import LoginFailure

    from .conftest import _test_config, submit

    proxied = create_app(_test_config(database_url, tmp_path) | {"HELPDESK_PROXY_HOPS": hops})
    client = proxied.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    submit(
        client, "/login", {"email": "nobody@example.com", "password": "wrong"}, headers=forwarded
    )
    with proxied.app_context():
        assert db.session.scalars(select(LoginFailure.address)).all() == [seen]


@pytest.mark.parametrize("page", ["/tickets", "/tickets/new", "/account", "/help/"])
def test_pages_behind_a_log_in_are_never_stored(app, client, page):
    with app.app_context():
        member = make_user()
        db.session.commit()
        email = member.email
    log_in(client, email)

    assert client.get(page).headers["Cache-Control"] == "no-store"


def test_api_answers_are_never_stored_and_public_pages_may_be(client):
    assert client.get("/api/v1/categories").headers["Cache-Control"] == "no-store"
    assert client.get("/api/openapi.json").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/static/style.css").headers.get("Cache-Control", "")


def test_the_admin_console_is_one_blueprint_and_the_agents_original_mail_is_theirs(app):
    rules = list(app.url_map.iter_rules())
    admin = [rule.endpoint for rule in rules if rule.rule.startswith("/admin")]
    assert len(admin) > 20
    assert all(endpoint.startswith("admin.") for endpoint in admin), admin
    original = next(rule for rule in rules if rule.rule.endswith("/original.eml"))
    assert (original.rule, original.endpoint) == (
        "/agent/mail/<int:inbound_id>/original.eml",
        "agent.original_mail",
    )
