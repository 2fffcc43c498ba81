"""The schemathesis CLI, with every check, against the app behind a real server: 0 failures.

Beside the in-process fuzzing (test_fuzz_schemathesis.py), this runs what an
outside probe runs: ``schemathesis run --checks all`` with every phase
(examples, coverage, fuzzing, stateful), so negative data, wrong content types,
missing headers, unsupported methods, ignored authentication and
use-after-free are all checked, over HTTP.

Positive-data acceptance is off for two kinds of input the OpenAPI document
cannot state: an upload must be a readable PDF (a schema can only say
"binary"), and a page cursor must be one the API issued (it is opaque by
design). The summary line of the CLI is printed for the record.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from webtest.http import StopableWSGIServer

from novel_pyramid.db import make_engine

EXAMPLES = 15
# The checks that cannot hold for these operations, and why (see the module docstring).
ACCEPTANCE_GAPS = {
    "/api/v1": {
        "/process-pdf": "an upload must be a readable PDF",
        "/process-pdf-async": "an upload must be a readable PDF; job_id must name a confirmed job",
        "/extract-pdf-text": "an upload must be a readable PDF",
        "/estimate-pdf": "an upload must be a readable PDF",
    },
    "/api/v2": {
        "/jobs": "an upload must be a readable PDF; a cursor must be one the API issued",
    },
}
# Every check the CLI has (what ``--checks all`` selects), enabled in the config
# file: a ``--checks`` option would override the per-operation settings below.
ALL_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
)
CONFIG = """\
[[operations]]
include-path = "{path}"
include-method = "{method}"
checks.positive_data_acceptance.enabled = false
"""


@pytest.fixture
def served(make_app, database_url):
    engine = make_engine({"database_url": database_url, "database.pool_size": 6})
    server = StopableWSGIServer.create(make_app(**{"db.engine": engine, "ratelimit.enabled": "false"}).app, threads=4)
    assert server.wait(), "the test server did not start"
    yield server.application_url.rstrip("/")
    server.shutdown()
    engine.dispose()


def _config(tmp_path, prefix):
    sections = [
        CONFIG.format(path=path, method=method) for path in ACCEPTANCE_GAPS[prefix] for method in ("GET", "POST")
    ]
    checks = "\n".join(f"checks.{name}.enabled = true" for name in ALL_CHECKS)
    config = tmp_path / "schemathesis.toml"
    config.write_text(checks + "\n\n" + "\n".join(sections))
    return config


@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["/api/v1", "/api/v2"])
def test_the_cli_with_every_check_finds_nothing(served, tmp_path, prefix):
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(_config(tmp_path, prefix)),
        "--no-color",
        "run",
        f"{served}{prefix}/openapi.json",
        "--max-examples",
        str(EXAMPLES),
        "--generation-deterministic",
        # Text holding NUL is refused everywhere, as the document's description says.
        "--generation-allow-x00",
        "false",
        "--workers",
        "1",
    ]
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.functional.schemathesis_hooks",
        "NOVEL_FUZZ_BASE_URL": served,
        "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=900, cwd=tmp_path)
    summary = [line for line in result.stdout.splitlines() if re.search(r"\d+ (generated|passed|failure)", line)]
    print(f"\nschemathesis {prefix}: " + " | ".join(summary))
    for path, reason in ACCEPTANCE_GAPS[prefix].items():
        print(f"  positive-data acceptance not checked on {prefix}{path}: {reason}")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
