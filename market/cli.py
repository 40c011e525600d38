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
    def seed_demo() -> None:
        """Load the demo marketplace (idempotent) and print the demo logins."""
        from .demo import seed

        for line in seed():
            click.echo(line)

    @app.cli.command("sweep")
    def sweep_command() -> None:
        """Expire unanswered offers and match every waiting order now."""
        from .services.sweeps import sweep

        click.echo(str(sweep()))
