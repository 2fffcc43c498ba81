"""``pserve`` with the production server runner (``egg:novel_pyramid#granian``): serves, then stops on SIGTERM."""

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.fakes.servers import free_port, wait_for_port

INI = """\
[app:main]
use = egg:novel_pyramid
environment = testing
database_url = {database_url}
jwt.secret_key = test-jwt-key-0123456789abcdefghijklmnop
secret_key = test-secret-key
log.format = json

[server:main]
use = egg:novel_pyramid#granian
host = 127.0.0.1
port = {port}
workers = 2
threads = 2
"""


def test_pserve_serves_with_granian_workers_and_stops_cleanly_on_sigterm(tmp_path, database_url, engine):
    port = free_port()
    ini = tmp_path / "server.ini"
    ini.write_text(INI.format(database_url=database_url, port=port))
    pserve = Path(sys.executable).parent / "pserve"
    server = subprocess.Popen([str(pserve), str(ini)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port, timeout=30)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/live", timeout=10) as response:
            assert response.status == 200
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Request-ID"]
            # granian would name itself; the answer names no part of the stack.
            assert response.headers.get_all("Server") == ["api"]
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    # The server's own lines come out as our JSON lines, beside the application's access line.
    server_lines = [line["message"] for line in lines if line["logger"].startswith("_granian")]
    assert len([message for message in server_lines if message.startswith("Started worker")]) == 2
    assert any("shutdown completed" in message for message in server_lines)
    assert any(line.get("path") == "/api/v1/health/live" and line.get("status") == 200 for line in lines)
