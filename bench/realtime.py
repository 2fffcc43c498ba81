"""Live progress under load: N WebSocket clients on one realtime process following J jobs (run by hand).

    .venv/bin/python bench/realtime.py [--clients 1000] [--jobs 50] [--rounds 20] [--interval 1.0]

Serves the realtime process as production does (``pserve`` with the
``egg:novel_pyramid#realtime`` runner: granian, ASGI, one worker) on a fresh
SQLite file (or ``--database-url``), with a private redis-server (or
``--redis-url``). Signs in one user per job, then connects the clients with
python-socketio's asyncio client over WebSocket, each joining one job (the
clients are spread evenly over the jobs). A publisher in a process of its own,
as a Celery worker is, then moves every job on one chunk per round: it commits
the row and calls ``IProgressPublisher.job_changed``, which reads the job and
publishes it through Redis with the write-only manager. The delay is the time
from that call to a client's receipt of the state (one clock: same machine).

Prints the delay's p50/p99/max over every receipt, the events lost, and the
resident memory of the realtime process (granian's main process and worker)
idle, with every client connected, and at the end.
"""

import argparse
import asyncio
import multiprocessing
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402

from tests.fakes import servers  # noqa: E402
from tests.fakes.servers import free_port  # noqa: E402

JWT_SECRET = "bench-jwt-secret-0123456789abcdefghijklmnop"
INI = """\
[app:main]
use = egg:novel_pyramid
environment = testing
database_url = {database_url}
redis_url = {redis_url}
realtime.channel = {channel}
auth.dev_login = true
ratelimit.enabled = false
jwt.secret_key = {secret}
secret_key = bench-secret-key
log.level = warning
log.format = json
novel_pyramid.includes = novel_pyramid.realtime

[server:main]
use = egg:novel_pyramid#realtime
host = 127.0.0.1
port = {port}
workers = 1
backlog = 2048
"""


def create_schema(database_url):
    from novel_pyramid.db import make_engine
    from novel_pyramid.models import ModelBase

    engine = make_engine({"database_url": database_url, "database.pool_size": 5})
    ModelBase.metadata.create_all(engine)
    engine.dispose()


def create_jobs(database_url, user_ids):
    """One running job per user; their ids, in the order of ``user_ids``."""
    from novel_pyramid.db import make_engine, make_session_factory
    from novel_pyramid.jobs.models import Job

    engine = make_engine({"database_url": database_url, "database.pool_size": 5})
    db = make_session_factory(engine)()
    jobs = [
        Job(
            user_id=user_id,
            status="processing",
            step="normalizing",
            original_filename=f"livre-{n}.pdf",
            sentence_length_limit=8,
            normalizer="local",
            chunks_total=1000,
        )
        for n, user_id in enumerate(user_ids)
    ]
    db.add_all(jobs)
    db.commit()
    ids = [job.id for job in jobs]
    db.close()
    engine.dispose()
    return ids


def process_memory(pid):
    """``{name: RSS in MiB}`` of the process and its children (granian's worker)."""
    process = psutil.Process(pid)
    found = {"main": process.memory_info().rss}
    for n, child in enumerate(process.children(recursive=True)):
        found[f"worker-{n + 1}"] = child.memory_info().rss
    return {name: round(rss / 2**20, 1) for name, rss in found.items()}


def publish_rounds(database_url, redis_url, channel, job_ids, rounds, interval, sent):
    """The worker's side, in a process of its own: one chunk more per job per round; ``(job, round, time)`` out."""
    from pyramid.config import Configurator

    from novel_pyramid.config import load_settings
    from novel_pyramid.db import make_engine, make_session_factory
    from novel_pyramid.jobs.models import Job
    from novel_pyramid.realtime.interfaces import IProgressPublisher
    from novel_pyramid.tasks import blank_request

    settings = load_settings(
        {
            "environment": "testing",
            "database_url": database_url,
            "redis_url": redis_url,
            "realtime.channel": channel,
            "log.keep_handlers": True,
        },
        environ={},
    )
    config = Configurator(settings=settings)
    for include in ("pyramid_services", "novel_pyramid.db", "novel_pyramid.credits", "novel_pyramid.realtime"):
        config.include(include)
    config.commit()
    publisher = blank_request(config.registry).find_service(IProgressPublisher)
    engine = make_engine({"database_url": database_url, "database.pool_size": 5})
    db = make_session_factory(engine)()
    for done in range(1, rounds + 1):
        started = time.monotonic()
        for job_id in job_ids:
            db.get(Job, job_id).chunks_done = done
            db.commit()
            emitted = time.time()
            publisher.job_changed(job_id)
            sent.put((job_id, done, emitted, time.time()))
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
    sent.put(None)


class Clients:
    """The clients, on one asyncio loop: each records ``(job, processed_chunks, time)`` of every state it gets."""

    def __init__(self, url, counter=None):
        self.url = url
        self.counter = counter
        self.closing = False
        self.received = []
        self.joined = 0
        self.errors = []
        self.clients = []

    async def connect_one(self, job_id, token):
        client = socketio.AsyncClient(reconnection=False)
        joined = asyncio.Event()

        @client.on("job_progress")
        async def progress(state):
            self.received.append((state["id"], state["processed_chunks"], time.time()))
            if self.counter is not None:
                with self.counter.get_lock():
                    self.counter.value += 1

        @client.on("joined_room")
        async def room(data):
            self.joined += 1
            joined.set()

        @client.on("error")
        async def error(data):
            self.errors.append(data)

        @client.on("disconnect")
        async def disconnected(reason=None):
            if not self.closing:
                self.errors.append({"disconnected": str(reason)})

        await client.connect(self.url, socketio_path="/socket.io/", transports=["websocket"], wait_timeout=30)
        await client.emit("join_job", {"job_id": job_id, "token": token})
        await asyncio.wait_for(joined.wait(), 30)
        self.clients.append(client)

    async def connect_all(self, assignments, batch=50):
        for start in range(0, len(assignments), batch):
            await asyncio.gather(*(self.connect_one(job, token) for job, token in assignments[start : start + batch]))

    async def close(self):
        self.closing = True
        await asyncio.gather(*(client.disconnect() for client in self.clients), return_exceptions=True)


def wait_for_deliveries(counter, expected, quiet=3.0, longest=60.0):
    """Wait until every state arrived, or none for ``quiet`` seconds; how long after the call the last one came."""
    started = time.monotonic()
    last, last_change = counter.value, started
    while counter.value < expected and time.monotonic() - last_change < quiet and time.monotonic() - started < longest:
        time.sleep(0.05)
        if counter.value != last:
            last, last_change = counter.value, time.monotonic()
    return last_change - started


def busy(times):
    return times.user + times.system


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def follow(url, assignments, ready, stop, results, counter):
    """One client process: connect and join its share, record until ``stop`` is set, hand back what it got."""

    async def run_clients():
        clients = Clients(url, counter)
        await clients.connect_all(assignments)
        ready.put(len(clients.clients))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, stop.wait)
        await clients.close()
        return clients

    clients = asyncio.run(run_clients())
    results.put((clients.received, clients.errors))


def run(args, url, database_url, redis_url, channel, server_pid):
    tokens, user_ids = [], []
    for n in range(args.jobs):
        response = requests.post(f"{url}/api/v1/auth/dev-login", json={"email": f"bench{n}@example.com"}, timeout=30)
        response.raise_for_status()
        user_ids.append(response.json()["user"]["id"])
        tokens.append(response.json()["access_token"])
    job_ids = create_jobs(database_url, user_ids)
    assignments = [(job_ids[n % args.jobs], tokens[n % args.jobs]) for n in range(args.clients)]

    idle = process_memory(server_pid)
    ready, stop, results = multiprocessing.Queue(), multiprocessing.Event(), multiprocessing.Queue()
    counter = multiprocessing.Value("q", 0)
    followers = [
        multiprocessing.Process(target=follow, args=(url, share, ready, stop, results, counter))
        for share in (assignments[n :: args.client_processes] for n in range(args.client_processes))
    ]
    started = time.monotonic()
    for process in followers:
        process.start()
    joined = sum(ready.get(timeout=600) for _ in followers)
    connected_in = time.monotonic() - started
    connected = process_memory(server_pid)
    print(f"{joined} clients connected and joined in {connected_in:.1f} s", flush=True)

    worker = ([psutil.Process(server_pid)] + psutil.Process(server_pid).children(recursive=True))[-1]
    cpu_before, since = worker.cpu_times(), time.monotonic()
    sent = multiprocessing.Queue()
    publisher = multiprocessing.Process(
        target=publish_rounds,
        args=(database_url, redis_url, channel, job_ids, args.rounds, args.interval, sent),
    )
    publisher.start()
    emitted, publishing = {}, []
    while (item := sent.get()) is not None:
        job_id, done, at, published = item
        emitted[(job_id, done)] = at
        publishing.append((published - at) * 1000)
    publisher.join()
    settled = wait_for_deliveries(counter, args.clients * (args.rounds + 1))
    print(f"last delivery {settled:.1f} s after the last publish", flush=True)
    worker_cpu = 100 * (busy(worker.cpu_times()) - busy(cpu_before)) / (time.monotonic() - since)
    peak = process_memory(server_pid)
    stop.set()
    received, errors = [], []
    for _ in followers:
        got, refused = results.get(timeout=120)
        received += got
        errors += refused
    for process in followers:
        process.join()

    delays = [(at - emitted[(job_id, done)]) * 1000 for job_id, done, at in received if (job_id, done) in emitted]
    expected = args.clients * args.rounds
    print(
        f"\n{args.clients} clients ({args.client_processes} processes), {args.jobs} jobs, {args.rounds} rounds of "
        f"one chunk per job every {args.interval} s: {len(emitted)} emits, {len(delays)} of {expected} states received"
    )
    if delays:
        print(
            f"delay emit -> receipt: p50 {percentile(delays, 0.5):.1f} ms, p99 {percentile(delays, 0.99):.1f} ms, "
            f"max {max(delays):.1f} ms, mean {statistics.fmean(delays):.1f} ms"
        )
    print(
        f"of which in the publisher (read the job, publish to Redis): p50 {percentile(publishing, 0.5):.1f} ms, "
        f"p99 {percentile(publishing, 0.99):.1f} ms"
    )
    print(f"errors and lost connections: {len(errors)} {errors[:3]}")
    print(f"realtime worker CPU while publishing: {worker_cpu:.0f} %")
    print(f"realtime process RSS (MiB): idle {idle}, {args.clients} connected {connected}, end {peak}")
    # Other work on the machine shows in the tail: say how busy it was.
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--client-processes", type=int, default=4, help="processes the clients are spread over")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between rounds (throttle: 0.5 s)")
    parser.add_argument(
        "--server", choices=("granian", "uvicorn"), default="granian", help="granian: production's realtime runner"
    )
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--redis-url", help="default: a private redis-server")
    args = parser.parse_args()

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="bench-realtime-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    create_schema(database_url)
    redis = None
    if args.redis_url:
        redis_url = args.redis_url
    else:
        redis = servers.RedisServer().start()
        redis_url = redis.url
    channel = f"bench.socketio.{uuid.uuid4().hex[:8]}"
    port = free_port()
    ini = workdir / "realtime.ini"
    ini.write_text(
        INI.format(database_url=database_url, redis_url=redis_url, channel=channel, secret=JWT_SECRET, port=port)
    )
    bin_dir = pathlib.Path(sys.executable).parent
    if args.server == "granian":
        command = [str(bin_dir / "pserve"), str(ini)]
    else:
        command = [
            str(bin_dir / "uvicorn"), "--factory", "novel_pyramid.server:realtime_application", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning", "--ws", "websockets-sansio",
        ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "NOVEL_PYRAMID_INI": str(ini)})
    try:
        servers.wait_for_port(port, 60)
        time.sleep(1)
        run(args, f"http://127.0.0.1:{port}", database_url, redis_url, channel, server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if redis is not None:
            redis.stop()


if __name__ == "__main__":
    main()
