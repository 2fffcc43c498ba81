"""CPU seconds spent by the processes that serve the benchmark, read from /proc.

On a shared machine throughput says little; CPU milliseconds per request, split by
process (web workers, PostgreSQL backends, Redis), say where the time goes and
what two cores could serve at best.
"""

import os

from sqlalchemy import text

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # utime and stime are fields 14 and 15 of stat(5); index 11 and 12 after the name.
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def _children_of(pid):
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        children.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return children


def bench_database_backends(engine, database):
    with engine.connect() as conn:
        return [
            row[0] for row in conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database})
        ]


class CpuMeter:
    """Snapshot CPU seconds of the web server (master and workers), Redis and PostgreSQL backends."""

    def __init__(self, server_pid, redis_pid, engine, database):
        self.server_pid, self.redis_pid = server_pid, redis_pid
        self.engine, self.database = engine, database

    def snapshot(self):
        web = [self.server_pid, *_children_of(self.server_pid)]
        postgres = bench_database_backends(self.engine, self.database)
        return {
            "web": {pid: _cpu_seconds(pid) for pid in web},
            "postgres": {pid: _cpu_seconds(pid) for pid in postgres},
            "redis": {self.redis_pid: _cpu_seconds(self.redis_pid)},
        }

    @staticmethod
    def ms_per_request(before, after, requests):
        """CPU ms per request by process group (processes that appeared count from zero)."""
        spent = {}
        for group, pids in after.items():
            seconds = sum(value - before[group].get(pid, 0.0) for pid, value in pids.items())
            spent[group] = round(seconds * 1000 / max(requests, 1), 3)
        spent["total"] = round(sum(spent.values()), 3)
        return spent
