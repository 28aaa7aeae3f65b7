"""``hazledger users``: accounts and API tokens."""
from __future__ import annotations

import click
from sqlalchemy import select

from app.cli import CliContext
from app.cli._common import echo_json, fail, writes
from app.services.users import check_password, create_user, issue_token, set_password
from models import Department, Enterprise, Role, User


@click.group("users")
def users() -> None:
    """Users and their API tokens."""


@users.command("create")
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--department", type=click.Choice([d.value for d in Department]),
              help="Required for a supervisor.")
@click.option("--enterprise", "uscc", help="USCC of the enterprise an enterprise user acts for.")
@click.option("--ttl-days", type=click.IntRange(0, 3650), default=None,
              help="Token lifetime in days; 0 for none (default from TOKEN_TTL_DAYS).")
@click.option("--password", "ask_password", is_flag=True,
              help="Also set a password for the web pages (asked for twice, never echoed; stdin when piped).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
@writes
def create(obj: CliContext, name: str, role: str, department: str | None, uscc: str | None,
           ttl_days: int | None, ask_password: bool, fmt: str) -> None:
    """Create a user and print its API token (shown once, stored hashed)."""
    password = _read_password() if ask_password else None
    with obj.session() as session:
        enterprise_id = None
        if uscc:
            enterprise_id = session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc))
            if enterprise_id is None:
                fail(f"no enterprise with USCC {uscc}")
        user = create_user(session, name, Role(role), department=Department(department) if department else None,
                           enterprise_id=enterprise_id)
        ttl = obj.settings["TOKEN_TTL_DAYS"] if ttl_days is None else ttl_days
        token = issue_token(session, user, ttl_days=ttl or None)
        if password is not None:
            set_password(session, user, password)
    if fmt == "json":
        echo_json({"user": str(user.id), "name": user.name, "role": user.role.value, "token": token})
    else:
        click.echo(f"user {user.name} ({user.role.value}) created; API token (shown once):\n{token}")


@users.command("set-password")
@click.argument("name")
@click.pass_obj
@writes
def set_password_command(obj: CliContext, name: str) -> None:
    """Set (or replace) the web password of user NAME (asked for twice, never echoed; stdin when piped)."""
    password = _read_password()
    with obj.session() as session:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            fail(f"no user named {name!r}")
        set_password(session, user, password)
    click.echo(f"password of {name} set")


def _read_password() -> str:
    # Never an option value: it would stay in the shell history and the process list.
    return check_password(click.prompt("Password", hide_input=True, confirmation_prompt=True))
