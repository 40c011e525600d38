"""The application factory, in small named steps."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, jsonify, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter, Map

from . import config as config_module
from . import errors
from .api.parsing import SafeJSONProvider
from .extensions import api, db, limiter, migrate
from .schemas.common import MAX_ID, ErrorOut


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides what the environment says (tests pass theirs here).

    :raises ConfigError: for a configuration that cannot work (e.g. RQ jobs without REDIS_URL).
    """
    app = Flask(__name__, instance_path=str(config_module.INSTANCE_DIR), instance_relative_config=False)
    cfg = config_module.load(**(config or {}))
    config_module.check(cfg)
    app.config.update(cfg)
    app.json = SafeJSONProvider(app)  # no JSON body, however malformed, is a 500
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep fields in the contract's order
    init_extensions(app)
    register_security(app)
    register_api(app)
    register_web(app)
    register_errors(app)
    register_health(app)
    register_metrics(app)
    register_sweeps(app)
    register_cli(app)
    return app


def init_extensions(app: Flask) -> None:
    from . import auth
    from .services import outbox

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            private_sqlite_file(db.engine)
            configure_sqlite(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(config_module.INSTANCE_DIR.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    limiter.init_app(app)
    auth.init_app(app)
    outbox.init_app(app)


def private_sqlite_file(engine: Engine) -> None:
    """Create the SQLite file 0600 before SQLite does (it would honour the umask, often 0644:
    every local user could read the accounts). Its -wal and -shm files copy its mode."""
    name = engine.url.database
    if name and name != ":memory:" and not name.startswith("file:"):
        config_module.private_file(Path(name))


def register_security(app: Flask) -> None:
    from . import security

    security.init_app(app)


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite transactions take the write lock up front (BEGIN IMMEDIATE).

    SQLAlchemy's ``with_for_update()`` compiles to nothing on SQLite, so the matching transaction
    would otherwise read capacity that another writer is about to take. With every transaction
    immediate, writers run one at a time and the embedded mode cannot overbook either. The
    pysqlite driver's own transaction handling is turned off so that our BEGIN is the one used.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route, bounded by MAX_ID: a bigger id is a 404 like any other missing
    one instead of a driver overflow (a 500), and the OpenAPI document shows the bound."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_api(app: Flask) -> None:
    from .api import BLUEPRINTS

    app.url_map.converters["int"] = IdConverter
    api.ERROR_SCHEMA = ErrorOut  # document the error body we send, not flask-smorest's own
    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)


def register_web(app: Flask) -> None:
    from . import web
    from .api import BLUEPRINTS

    web.init_app(app, BLUEPRINTS)


def register_errors(app: Flask) -> None:
    errors.register(app)


def register_health(app: Flask) -> None:
    from .tasks import queue_health

    @app.get("/healthz")
    @limiter.exempt
    def healthz() -> Any:
        body: dict[str, str] = {"status": "ok"}
        status = 200
        try:
            db.session.execute(text("SELECT 1"))
            body["database"] = "ok"
        except Exception:
            body["database"] = "unavailable"
            status = 503
            g.database_unavailable = True  # the watchdog will not wait for it again
        finally:
            db.session.rollback()
        try:
            body["queue"] = queue_health()
        except Exception:
            body["queue"] = "unavailable"
            status = 503
            if body["database"] == "ok":
                tell_queue_unhealthy()
        if status != 200:
            body["status"] = "unavailable"
            body["message"] = "Unavailable: " + ", ".join(k for k, v in body.items() if v == "unavailable")
        response = jsonify(body)
        response.status_code = status
        if status == 503:
            response.headers["Retry-After"] = str(app.config["RETRY_AFTER_SECONDS"])
        return response

    # a plain Flask route, so flask-smorest cannot see it; API.md wants every endpoint documented
    part = {"type": "string", "enum": ["ok", "unavailable"]}
    queue = {"type": "string", "enum": ["ok", "inline", "unavailable"]}
    health = {"type": "object", "properties": {"status": part, "database": part, "queue": queue}}
    api.spec.path(
        rule=next(r for r in app.url_map.iter_rules() if r.endpoint == healthz.__name__),
        operations={
            "get": {
                "summary": "Whether the database and the job queue answer",
                "responses": {
                    str(code): {"description": text_, "content": {"application/json": {"schema": health}}}
                    for code, text_ in ((200, "All is well"), (503, "The failing part is named"))
                },
            }
        },
    )


def register_metrics(app: Flask) -> None:
    from . import metrics

    metrics.init_app(app)


def tell_queue_unhealthy() -> None:
    """The admins hear of it (once an hour at most); the health answer never fails for it."""
    from .services import reminders

    try:
        reminders.queue_unhealthy()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("could not tell the admins that the queue is down")


def register_sweeps(app: Flask) -> None:
    """In the embedded mode there is no scheduler: expiry and the waiting-order sweep run lazily,
    at most once per SWEEP_INTERVAL_SECONDS, after a request has been answered. In the scaled mode
    the RQ scheduler runs them, and a request looks (at most once an interval) whether they still
    do: the watchdog queues a sweep when none has run for three intervals."""
    if app.config["JOBS_MODE"] != "inline":

        @app.teardown_request
        def look_after_sweep(_exc: BaseException | None) -> None:
            if g.get("database_unavailable"):
                return  # the request already waited for the database once
            from .services import watchdog

            watchdog.check()

        return
    state = {"last": 0.0}

    @app.teardown_request
    def maybe_sweep(_exc: BaseException | None) -> None:
        if request.path == "/healthz" or app.config.get("TESTING_NO_LAZY_SWEEP"):
            return
        if time.monotonic() - state["last"] < app.config["SWEEP_INTERVAL_SECONDS"]:
            return
        state["last"] = time.monotonic()
        from .services.sweeps import sweep

        try:
            sweep()
        except Exception:
            app.logger.exception("lazy sweep failed")
            db.session.rollback()


def register_cli(app: Flask) -> None:
    from . import cli

    cli.register(app)
