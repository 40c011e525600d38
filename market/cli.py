"""Command-line tasks: ``flask --app wsgi create-admin``, ``seed-demo``, ``sweep``."""

from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--name", default="Administrator")
    def create_admin(email: str, password: str, name: str) -> None:
        """Create an admin account (or make an existing account admin)."""
        from .services import accounts

        if len(password) < 12:
            raise click.BadParameter("use at least 12 characters", param_hint="--password")
        from .services.passwords import weakness

        reason = weakness(password, [email, name])
        if reason is not None:
            raise click.BadParameter(reason, param_hint="--password")
        user = accounts.create_admin(email, password, name)
        click.echo(f"admin {user.email} (id {user.id}) ready")

    @app.cli.command("seed-demo")
    @click.option("--force", is_flag=True, help="load it even beside accounts that are not the demo's")
    @click.option(
        "--if-embedded-and-empty",
        "auto",
        is_flag=True,
        help="what `make run` says: load only in the embedded mode into a database without accounts",
    )
    def seed_demo(force: bool, auto: bool) -> None:
        """Load the demo marketplace (idempotent) and print the demo logins.

        Refused on a database holding accounts that are not the demo's, unless --force.
        """
        from . import demo
        from .config import is_scaled

        if auto:
            if is_scaled(app.config):
                click.echo("scaled mode: the demo is never loaded (`flask seed-demo` loads it by hand)")
                return
            if demo.foreign_users():
                click.echo("this database holds real accounts: the demo is not loaded")
                return
        try:
            for line in demo.seed(force=force):
                click.echo(line)
        except demo.DemoRefused as refused:
            raise click.ClickException(str(refused)) from None

    @app.cli.command("sweep")
    def sweep_command() -> None:
        """Expire unanswered offers and match every waiting order now."""
        from .services.sweeps import sweep

        click.echo(str(sweep()))
