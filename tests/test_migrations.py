"""Migrations are the only way the schema is made: one head, and no drift from the models."""

from __future__ import annotations

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask

from .support import ROOT


def test_one_migration_head():
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_flask_db_check_finds_no_drift(app: Flask, capfd: pytest.CaptureFixture[str]):
    """``flask db check`` against the migrated database of each backend: models and migrations agree
    (alembic prints its verdict itself and exits non-zero on drift)."""
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "No new upgrade operations detected" in capfd.readouterr().out


def test_the_standard_kits_come_with_the_schema(app: Flask):
    with app.app_context():
        from market.services.catalog import kits

        assert [k.code for k in kits()] == ["ELDERLY-COVID", "PREGNANT-HYGIENE"]
        assert all(k.unit_price > 0 and len(k.contents) >= 8 for k in kits())
