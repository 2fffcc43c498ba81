"""How a run appears in the credits ledger.

A run is charged like a job: its price is reserved when it is asked for,
settled at that price when it completes, refunded when it fails. The ledger
names it by this key where a job's entries carry the job's id.
"""

LEDGER_PREFIX = "coverage-run-"


def ledger_key(run_id):
    return f"{LEDGER_PREFIX}{int(run_id)}"
