"""Multiprocess mode: worker processes write their metrics to files of one directory; a scrape adds them up.

granian's workers and a prefork Celery pool are processes forked from a parent
that already loaded the application, so the server runner (or the worker's
start-up) switches the parent into multiprocess mode before it forks:
``enter`` sets ``PROMETHEUS_MULTIPROC_DIR``, empties the directory (values of
an earlier run would otherwise be added in), and makes ``prometheus_client``
and our ``registry`` build values backed by files from then on. Each forked
process then writes files named after its pid.

Gauges of live state (checked-out connections, connected clients) are
``livesum`` gauges: the files of a process that died must be dropped, or its
last value would count for ever. granian has no child-exit hook, so every
scrape drops the live-gauge files of processes that no longer exist
(``reap_dead_processes``); counters and histograms of dead processes are kept,
as they must be.
"""

import glob
import logging
import os
import re
import shutil
import tempfile

from novel_pyramid.metrics import registry

log = logging.getLogger(__name__)

ENVIRONMENT_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live[a-z]+_(\d+)\.db$")


def directory():
    """The multiprocess directory of this process, or None in single-process mode."""
    return os.environ.get(ENVIRONMENT_VARIABLE) or None


def enter(path):
    """Switch this process (and the processes it will fork) to multiprocess mode over ``path``, emptied."""
    os.makedirs(path, exist_ok=True)
    for name in glob.glob(os.path.join(path, "*.db")):
        os.remove(name)
    os.environ[ENVIRONMENT_VARIABLE] = path
    # prometheus_client chose its value class when it was imported: choose again.
    from prometheus_client import values

    values.ValueClass = values.get_value_class()
    registry.forget()
    return path


def make_private_directory():
    """A directory of this server's own, for when the deployment names none; ``remove_private_directory`` at exit."""
    return tempfile.mkdtemp(prefix="novel_pyramid_metrics_")


def remove_private_directory(path):
    shutil.rmtree(path, ignore_errors=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_dead_processes(path):
    """Drop the live-gauge files of processes that have exited (``mark_process_dead``); the pids dropped."""
    from prometheus_client import multiprocess

    dead = set()
    for name in os.listdir(path):
        match = _LIVE_GAUGE_FILE.match(name)
        if match and int(match.group(1)) not in dead and not _alive(int(match.group(1))):
            dead.add(int(match.group(1)))
    for pid in dead:
        multiprocess.mark_process_dead(pid, path)
    if dead:
        log.info("Metrics: dropped the live gauges of exited process(es) %s", sorted(dead))
    return dead


def mark_this_process_dead():
    """Drop this process's live gauges as it exits (a Celery pool child); a no-op in single-process mode."""
    path = directory()
    if path:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), path)
