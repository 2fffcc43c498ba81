"""API throughput and latency under a production-like server (run by hand; see bench/README.md).

Recreates the ``novel_bench`` PostgreSQL database, starts a private redis-server,
serves production.ini with the chosen WSGI server, drives it with ``wrk`` (another
process, 16 connections), prints a table and saves JSON to bench/results/.
"""

import argparse
import datetime
import functools
import http.client
import json
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_cpu import CpuMeter  # noqa: E402
from bench.api_data import explain_first_page, recreate_database, seed  # noqa: E402
from novel_pyramid.history.services import history_key  # noqa: E402
from tests.fakes import servers  # noqa: E402
from tests.fakes.servers import free_port  # noqa: E402

JWT_SECRET = "bench-jwt-secret-0123456789abcdefghijklmnop"
ENDPOINTS = {
    "history": ("/api/v1/history?limit=50", "light"),
    "settings": ("/api/v1/settings", "light"),
    "health": ("/api/v1/health", None),
}
SERVERS = {
    # name: command, formatted with the workers, threads and port. No server access
    # log: the application already writes one line per request.
    # production.ini's server: granian (novel_pyramid/server.py), with the same
    # application factory its workers use.
    "granian": [
        "granian", "--interface", "wsgi", "--factory", "--workers", "{workers}", "--blocking-threads", "{threads}",
        "--no-ws", "--no-log", "--host", "127.0.0.1", "--port", "{port}", "novel_pyramid.server:application",
    ],
    # The others need installing first (pip install gunicorn).
    "gunicorn-gthread": [
        "gunicorn", "-k", "gthread", "--workers", "{workers}", "--threads", "{threads}",
        "--bind", "127.0.0.1:{port}", "bench.wsgi:application",
    ],
    "gunicorn-sync": [
        "gunicorn", "-k", "sync", "--workers", "{workers}", "--bind", "127.0.0.1:{port}", "bench.wsgi:application",
    ],
    "waitress": ["waitress-serve", "--threads={threads}", "--listen=127.0.0.1:{port}", "bench.wsgi:application"],
}  # fmt: skip


def wait_for_port(port, timeout=30):
    try:
        servers.wait_for_port(port, timeout)
    except TimeoutError as error:
        raise SystemExit(str(error)) from None


def server_command(server, workers, threads, port):
    venv_bin = pathlib.Path(sys.executable).parent
    program, *arguments = SERVERS[server]
    return [str(venv_bin / program)] + [part.format(workers=workers, threads=threads, port=port) for part in arguments]


def start_process(command, env, log_path):
    log = open(log_path, "w")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_process(process):
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def parse_wrk(output):
    def latency_ms(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency_ms("50"),
        "p99_ms": latency_ms("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def run_wrk(url, token, connections, duration):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return " ".join(command).replace(token or "\0", "$TOKEN"), parse_wrk(output)


def percentiles(timings):
    timings = sorted(timings)
    return {"p50_ms": round(statistics.median(timings), 2), "p99_ms": round(timings[int(len(timings) * 0.99)], 2)}


def server_durations(log_path, request_id_prefix):
    """The application's own duration_ms of the requests whose id starts with the prefix."""
    durations = []
    for line in log_path.read_text().splitlines():
        if request_id_prefix in line and '"duration_ms"' in line:
            durations.append(json.loads(line)["duration_ms"])
    return durations


def sequential_latency(port, path, token, request_id_prefix, before_each=None, requests=300):
    """One keep-alive connection, one request at a time: close to the server's own time."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    timings = []
    for number in range(requests):
        if before_each:
            before_each()
        headers = {"Authorization": f"Bearer {token}", "X-Request-ID": f"{request_id_prefix}{number}"}
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        timings.append((time.perf_counter() - started) * 1000)
    return percentiles(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/novel_bench")
    parser.add_argument("--server", choices=sorted(SERVERS), default="granian")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--ratelimit", choices=("off", "on"), default="off")
    parser.add_argument("--endpoints", nargs="+", choices=sorted(ENDPOINTS), default=sorted(ENDPOINTS))
    parser.add_argument("--keep-data", action="store_true", help="reuse the database of the last run")
    args = parser.parse_args()

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    engine_url = args.database_url
    if args.keep_data and (results_dir / "api-tokens.json").exists():
        from sqlalchemy import create_engine

        from novel_pyramid.db.urls import with_installed_driver

        engine = create_engine(with_installed_driver(engine_url))
        tokens = json.loads((results_dir / "api-tokens.json").read_text())
    else:
        engine = recreate_database(engine_url)
        tokens = seed(engine, JWT_SECRET)
        (results_dir / "api-tokens.json").write_text(json.dumps(tokens))
    plan, explain_ms = explain_first_page(engine, tokens["heavy_user_id"])

    redis_server = servers.RedisServer().start()  # private: never the shared one
    redis_url = redis_server.url
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": engine_url,
        "REDIS_URL": redis_url,
        "JWT_SECRET_KEY": JWT_SECRET,
        "SECRET_KEY": JWT_SECRET,
        "RATELIMIT_ENABLED": "true" if args.ratelimit == "on" else "false",
        # Counted but never exhausted: the cost of limiting, without 429s.
        "RATELIMIT_LIMITS": "default=100000000/hour",
        "PYTHONPATH": str(ROOT),
        "NOVEL_PYRAMID_INI": str(ROOT / "production.ini"),
    }
    command = server_command(args.server, args.workers, args.threads, port)
    server_log = results_dir / "api-server.log"
    server = start_process(command, env, server_log)
    meter = CpuMeter(server.pid, redis_server.process.pid, engine, engine.url.database)
    rows = []
    try:
        wait_for_port(port)
        for name in args.endpoints:
            path, user = ENDPOINTS[name]
            token = tokens[user] if user else None
            url = f"http://127.0.0.1:{port}{path}"
            run_wrk(url, token, args.connections, 2)  # warm-up: caches, pools, imports
            before, wrk_before = meter.snapshot(), os.times()
            wrk_command, figures = run_wrk(url, token, args.connections, args.duration)
            cpu = CpuMeter.ms_per_request(before, meter.snapshot(), figures["requests"])
            wrk_after = os.times()
            cpu["load_generator"] = round(
                (
                    wrk_after.children_user
                    + wrk_after.children_system
                    - wrk_before.children_user
                    - wrk_before.children_system
                )
                * 1000
                / max(figures["requests"], 1),
                3,
            )
            rows.append({"endpoint": f"GET {path}", "wrk": wrk_command, **figures, "cpu_ms_per_request": cpu})
        heavy = sequential_latency(port, "/api/v1/history?limit=50", tokens["heavy"], "sequential-heavy-")
        # The same with the cached list deleted before each request: the database path every time.
        cached_list = f"novel_pyramid:cache:{history_key(tokens['heavy_user_id'])}"
        forget = functools.partial(redis_server.client().delete, cached_list)
        heavy_uncached = sequential_latency(
            port, "/api/v1/history?limit=50", tokens["heavy"], "sequential-uncached-", before_each=forget
        )
        time.sleep(1)  # let the workers flush their log lines
        heavy["server_time"] = percentiles(server_durations(server_log, "sequential-heavy-"))
        heavy_uncached["server_time"] = percentiles(server_durations(server_log, "sequential-uncached-"))
    finally:
        stop_process(server)
        redis_server.stop()

    report = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "server": {
            "name": args.server,
            "command": " ".join(command),
            "workers": args.workers,
            "threads": args.threads,
        },
        "ratelimit": args.ratelimit,
        "connections": args.connections,
        "duration_s": args.duration,
        "endpoints": rows,
        "history_first_page_100k_rows": {
            "postgres_execution_ms": explain_ms,
            "sequential_http": heavy,
            "sequential_http_cache_deleted_before_each": heavy_uncached,
            "plan": plan,
        },
    }
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = results_dir / f"api-{args.server}-rl{args.ratelimit}-{stamp}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"\nserver: {report['server']['command']}  ratelimit: {args.ratelimit}  connections: {args.connections}")
    print(
        f"{'endpoint':30} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7}  CPU ms/request: "
        "web + postgres + redis = total (+ wrk)"
    )
    for row in rows:
        cpu = row["cpu_ms_per_request"]
        print(
            f"{row['endpoint']:30} {row['requests_per_second']:7.0f} {row['p50_ms']:7.2f} "
            f"{row['p99_ms']:7.2f} {row['non_2xx']:7d}  {cpu['web']:.2f} + {cpu['postgres']:.2f} + "
            f"{cpu['redis']:.2f} = {cpu['total']:.2f} (+ {cpu['load_generator']:.2f})"
        )
    print(
        f"history first page, 100,000 rows: PostgreSQL execution {explain_ms:.3f} ms; server time "
        f"p50 {heavy['server_time']['p50_ms']} ms, p99 {heavy['server_time']['p99_ms']} ms; "
        f"HTTP round trip p50 {heavy['p50_ms']} ms, p99 {heavy['p99_ms']} ms"
    )
    print(
        f"  the same, cache deleted before each request: server time p50 {heavy_uncached['server_time']['p50_ms']} "
        f"ms, p99 {heavy_uncached['server_time']['p99_ms']} ms"
    )
    print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
