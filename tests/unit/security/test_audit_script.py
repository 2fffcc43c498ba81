"""The dependency audit's judgement of pip-audit's report (.ci/audit), without the network."""

import importlib.machinery
import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def audit():
    path = ROOT / ".ci" / "audit"
    loader = importlib.machinery.SourceFileLoader("ci_audit", str(path))
    spec = importlib.util.spec_from_loader("ci_audit", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def dependency(name, version="1.0", vulns=(), skip_reason=None):
    if skip_reason:
        return {"name": name, "skip_reason": skip_reason}
    return {"name": name, "version": version, "vulns": list(vulns)}


def vuln(identifier, aliases=(), fixes=("2.0",)):
    return {"id": identifier, "aliases": list(aliases), "fix_versions": list(fixes), "description": ""}


def test_clean_report_passes(audit):
    report = {"dependencies": [dependency("requests"), dependency("novel-pyramid", skip_reason=audit.EDITABLE_REASON)]}
    findings = audit.evaluate(report, {})
    assert findings["audited"] == 1 and not findings["unaudited"]
    assert audit.exit_status(findings, tool_failed=False, in_ci=True) == audit.OK


def test_vulnerability_fails_everywhere(audit):
    report = {"dependencies": [dependency("jinja2", "2.4", [vuln("PYSEC-1", ["CVE-9"])])]}
    findings = audit.evaluate(report, {})
    assert findings["vulnerable"] == [("jinja2", "2.4", "PYSEC-1", ["2.0"])]
    assert audit.exit_status(findings, tool_failed=False, in_ci=False) == audit.VULNERABLE


def test_ignored_vulnerability_matches_by_alias(audit):
    report = {"dependencies": [dependency("jinja2", "2.4", [vuln("PYSEC-1", ["CVE-9"])])]}
    findings = audit.evaluate(report, {"CVE-9": "not reachable from our code"})
    assert not findings["vulnerable"] and findings["ignored"]
    assert findings["used_ignores"] == {"CVE-9"}
    assert audit.exit_status(findings, tool_failed=False, in_ci=True) == audit.OK


def test_unaudited_packages_fail_in_ci_and_warn_locally(audit):
    # What this machine's mirror produces: every per-version JSON lookup answers 404.
    reason = "Dependency not found on PyPI and could not be audited: requests (2.32.3)"
    report = {"dependencies": [dependency("requests", skip_reason=reason)]}
    findings = audit.evaluate(report, {})
    assert findings["audited"] == 0 and findings["unaudited"]
    assert audit.exit_status(findings, tool_failed=False, in_ci=True) == audit.INCOMPLETE
    assert audit.exit_status(findings, tool_failed=False, in_ci=False) == audit.OK


def test_private_package_may_be_listed_as_unauditable(audit):
    reason = "Dependency not found on PyPI and could not be audited: inhouse (1.0)"
    report = {"dependencies": [dependency("requests"), dependency("inhouse", skip_reason=reason)]}
    findings = audit.evaluate(report, {"package:inhouse": "our own wheel, not on PyPI"})
    assert audit.exit_status(findings, tool_failed=False, in_ci=True) == audit.OK


def test_tool_failure_is_incomplete(audit):
    findings = audit.evaluate({}, {})
    assert audit.exit_status(findings, tool_failed=True, in_ci=True) == audit.INCOMPLETE


def test_ignore_list_needs_reasons(audit):
    assert audit.parse_ignore_list("# comment\n\nGHSA-1 reviewed: see issue #12\n") == {
        "GHSA-1": "reviewed: see issue #12"
    }
    with pytest.raises(audit.IgnoreListError, match="no reason"):
        audit.parse_ignore_list("GHSA-1\n")
    with pytest.raises(audit.IgnoreListError, match="twice"):
        audit.parse_ignore_list("GHSA-1 a\nGHSA-1 b\n")


def test_the_repository_ignore_list_is_valid(audit):
    audit.parse_ignore_list((ROOT / ".ci" / "pip-audit-ignore.txt").read_text())
