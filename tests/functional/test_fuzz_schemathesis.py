"""Schemathesis fuzzes every documented operation of both API versions, in process.

Each operation gets a bounded, derandomised run of positive and negative cases
(no shrinking, no example database) so the whole test stays well under two
minutes. Every response must be documented: no 5xx, a documented status code,
the documented content type and body schema; valid data must be accepted and
invalid data refused. Failures are collected per operation rather than stopping
at the first, and a summary line is printed for the record, e.g.::

    schemathesis /api/v1: 13 operations, 390 examples, 0 failures

Upload bodies (multipart ``format: binary`` fields) are fuzzed as schemathesis
generates them: random bytes, which the views must refuse with a 4xx. Real PDF
processing is covered by the jobs tests, not here.
"""

import collections

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode

from tests.functional.conftest import bearer

EXAMPLES_PER_MODE = 15  # positive + negative: 30 cases per operation
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_MODE,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
LOGOUT_OPERATIONS = {"v1_auth_logout_post"}


class FreshTokens:
    """A signed-in session for authenticated cases, renewed after a case signs it out."""

    def __init__(self, testapp):
        self.testapp = testapp
        self.token = None

    def headers(self):
        if self.token is None:
            login = self.testapp.post_json("/api/v1/auth/dev-login", {"email": "fuzz@example.com"})
            self.token = login.json["access_token"]
        return bearer(self.token)

    def forget(self):
        self.token = None


class FuzzReport:
    def __init__(self):
        self.examples = 0
        self.unsatisfiable = []
        self.failures = collections.defaultdict(list)

    def record(self, label, error):
        first_lines = "\n".join(str(error).strip().splitlines()[:40])
        self.failures[label].append(first_lines)

    def summary(self, prefix, operations):
        count = sum(len(found) for found in self.failures.values())
        return f"schemathesis {prefix}: {operations} operations, {self.examples} examples, {count} failures"


def fuzz_operation(operation, tokens, report):
    label = operation.label
    needs_auth = bool(operation.definition.raw.get("security"))
    signs_out = operation.definition.raw.get("operationId") in LOGOUT_OPERATIONS

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @FUZZ_SETTINGS
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def run(case, mode=mode):
            report.examples += 1
            headers = tokens.headers() if needs_auth else None
            try:
                case.call_and_validate(headers=headers)
            # Schemathesis raises its failures as an exception group; every one is
            # recorded so that one failing case does not hide the others.
            except (Exception, BaseExceptionGroup) as error:
                report.record(f"{label} [{mode.value}]", error)
            finally:
                if signs_out:
                    tokens.forget()

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            # Nothing in the operation can be made invalid (no parameters, no body).
            report.unsatisfiable.append(f"{label} [{mode.value}]")


@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["/api/v1", "/api/v2"])
def test_every_operation_survives_fuzzing(testapp, prefix):
    schema = schemathesis.openapi.from_wsgi(f"{prefix}/openapi.json", testapp.app)
    tokens, report = FreshTokens(testapp), FuzzReport()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        fuzz_operation(operation, tokens, report)

    print("\n" + report.summary(prefix, len(operations)))
    details = "\n\n".join(
        f"{label}: {len(errors)} failing cases; first:\n{errors[0]}"
        for label, errors in sorted(report.failures.items())
    )
    assert not report.failures, details
