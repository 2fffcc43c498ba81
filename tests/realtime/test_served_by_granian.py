"""``pserve`` with the realtime runner (``egg:novel_pyramid#realtime``): granian serving the ASGI composition.

What ``make serve`` and production's realtime process run: the REST API (a
POST with a body, read through a2wsgi) and Socket.IO on one port; with Redis,
a worker's publish reaches a client of the granian process.
"""

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.fakes.servers import free_port, wait_for_port
from tests.realtime.conftest import Follower, publish_in_another_process, running_job

INI = """\
[app:main]
use = egg:novel_pyramid
environment = testing
database_url = {database_url}
auth.dev_login = true
jwt.secret_key = test-jwt-key-0123456789abcdefghijklmnop
secret_key = test-secret-key
log.format = json
novel_pyramid.includes = novel_pyramid.realtime
{extra}

[server:main]
use = egg:novel_pyramid#realtime
host = 127.0.0.1
port = {port}
workers = 1
"""


@pytest.fixture
def granian(tmp_path, database_url, engine):
    """``start(**settings)``: pserve on a free port; the URL. Stopped with SIGTERM at the end."""
    processes = []

    def start(**settings):
        port = free_port()
        extra = "\n".join(f"{key} = {value}" for key, value in settings.items())
        ini = tmp_path / f"realtime-{port}.ini"
        ini.write_text(INI.format(database_url=database_url, port=port, extra=extra))
        pserve = Path(sys.executable).parent / "pserve"
        process = subprocess.Popen([str(pserve), str(ini)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        processes.append(process)
        wait_for_port(port, timeout=60)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        assert process.returncode == 0, output


def sign_in(url, email="lea@example.com"):
    response = requests.post(f"{url}/api/v1/auth/dev-login", json={"email": email}, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["user"]["id"], body["access_token"]


def test_granian_serves_the_rest_api_and_socketio_on_one_port(granian, dbsession):
    url = granian()
    response = requests.get(f"{url}/api/v1/health/live", timeout=10)
    assert response.status_code == 200
    # The application's answer as the WSGI servers give it: its own headers, no server's name.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]
    assert response.raw.headers.getlist("Server") == ["api"]
    user_id, token = sign_in(url)
    job = running_job(dbsession, user_id, chunks_total=5)
    job.chunks_done = 2
    dbsession.commit()

    client = Follower(url).connect()
    try:
        client.join(job.id, token)
        assert client.expect("joined_room", timeout=20) == {"job_id": job.id}
        assert client.expect("job_progress")["progress_percent"] == 40
        client.join(job.id, "forged")
        assert client.expect("error") == {"message": "invalid_token"}
    finally:
        client.close()


def test_a_workers_publish_through_redis_reaches_a_client_of_granian(
    granian, dbsession, database_url, redis_url, channel
):
    url = granian(redis_url=redis_url, **{"realtime.channel": channel})
    user_id, token = sign_in(url)
    job = running_job(dbsession, user_id, chunks_total=2)
    client = Follower(url).connect()
    try:
        client.join(job.id, token)
        client.expect("joined_room", timeout=20)
        client.expect("job_progress")
        job.chunks_done, job.status, job.step = 2, "completed", "finished"
        dbsession.commit()
        publish_in_another_process(database_url, redis_url, channel, job.id)
        final = client.expect("job_progress")
        assert (final["status"], final["processed_chunks"]) == ("completed", 2)
    finally:
        client.close()
