"""Web passwords: stored as a KDF hash, checked without telling which part was wrong, set from the CLI."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from app.cli import cli
from app.errors import ValidationFailed
from app.services.users import authenticate, set_password
from models import Role
from tests.factories import make_user


def test_a_password_is_stored_as_a_salted_hash_and_checked(session: Session) -> None:
    user, _ = make_user(session, Role.AUDITOR)
    set_password(session, user, "correct horse battery")
    assert user.password_hash.startswith("scrypt:") and "correct" not in user.password_hash
    assert authenticate(session, user.name, "correct horse battery") is user


@pytest.mark.parametrize("name, password", [("known", "wrong password!"), ("nobody", "correct horse battery"),
                                            ("tokens-only", "correct horse battery")])
def test_a_wrong_password_an_unknown_name_and_a_token_only_user_all_fail_alike(
        session: Session, name: str, password: str) -> None:
    user, _ = make_user(session, Role.AUDITOR)
    token_only, _ = make_user(session, Role.AUDITOR)
    set_password(session, user, "correct horse battery")
    names = {"known": user.name, "nobody": "no-such-user", "tokens-only": token_only.name}
    assert authenticate(session, names[name], password) is None


def test_an_inactive_user_cannot_sign_in(session: Session) -> None:
    user, _ = make_user(session, Role.AUDITOR)
    set_password(session, user, "correct horse battery")
    user.active = False
    assert authenticate(session, user.name, "correct horse battery") is None


def test_a_short_password_is_refused(session: Session) -> None:
    user, _ = make_user(session, Role.AUDITOR)
    with pytest.raises(ValidationFailed) as refused:
        set_password(session, user, "short")
    assert "password" in refused.value.errors and user.password_hash is None


def test_the_cli_sets_a_password_read_twice_from_stdin(fresh_database_url: str) -> None:
    runner = CliRunner()
    base = ["--database-url", fresh_database_url]
    created = runner.invoke(cli, [*base, "users", "create", "--name", "ops", "--role", "auditor", "--password"],
                            input="first password\nfirst password\n", catch_exceptions=False)
    assert created.exit_code == 0, created.output
    changed = runner.invoke(cli, [*base, "users", "set-password", "ops"], input="second password\nsecond password\n",
                            catch_exceptions=False)
    assert changed.exit_code == 0 and "password of ops set" in changed.output
    refused = runner.invoke(cli, [*base, "users", "set-password", "ops"], input="short\nshort\n")
    assert refused.exit_code == 2 and "10 to 200 characters" in refused.output
    unknown = runner.invoke(cli, [*base, "users", "set-password", "nobody"], input="third password\nthird password\n")
    assert unknown.exit_code == 2

    from app import create_app
    from app.extensions import db

    app = create_app({"DATABASE_URL": fresh_database_url})
    with app.app_context():
        assert authenticate(db.session, "ops", "second password") is not None
        assert authenticate(db.session, "ops", "first password") is None
    db.dispose(app)
