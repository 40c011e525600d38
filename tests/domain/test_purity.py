"""The domain is pure: importing it loads no web framework, ORM or queue."""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_market_domain_loads_no_flask_sqlalchemy_or_rq():
    """The batch allocator may use OR-Tools' solver (computation), nothing of the web, ORM or queue."""
    code = (
        "import json, sys\n"
        "import market.domain, market.domain.geo, market.domain.capacity, market.domain.matching, "
        "market.domain.states, market.domain.allocation, market.domain.workload\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in json.loads(out.stdout)}
    assert not loaded & {"flask", "sqlalchemy", "rq", "redis", "werkzeug", "marshmallow", "psycopg"}
    assert "ortools" in loaded  # the allocator's solver, allowed
