"""The PostgreSQL audit log from Python, against the server of
``MICROGOV_TEST_POSTGRES`` (``scripts/with-postgres.sh`` starts one, as CI
does). Without it the test fails, unless ``MICROGOV_SKIP_POSTGRES=1`` asks to
skip it: a missing server never passes silently."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import microgov
from microgov.errors import AuditError


def _server() -> str:
    url = os.environ.get("MICROGOV_TEST_POSTGRES", "")
    if not url:
        if os.environ.get("MICROGOV_SKIP_POSTGRES") == "1":
            pytest.skip("MICROGOV_SKIP_POSTGRES=1 and no MICROGOV_TEST_POSTGRES")
        pytest.fail(
            "MICROGOV_TEST_POSTGRES is not set: run under `bash scripts/with-postgres.sh` "
            "or set MICROGOV_SKIP_POSTGRES=1 to skip the PostgreSQL tests locally"
        )
    return url


def test_a_postgres_url_is_a_log_path() -> None:
    server = _server()
    log_id = f"python-{os.getpid()}-{time.time_ns()}"
    url = f"{server}{'&' if '?' in server else '?'}log={log_id}"
    keys = microgov.generate_audit_key(log_id)
    with microgov.AuditLog.open(url, signing_key=keys["signing_key"]) as log:
        assert log.log_id == log_id
        assert "log=" + log_id in log.path
        with ThreadPoolExecutor(8) as pool:
            receipts = list(pool.map(lambda i: log.append({"action": "app.register", "app_id": f"a{i}"}), range(40)))
        assert sorted(r["seq"] for r in receipts) == list(range(40))
        assert log.record_count == 40
    # The key alone: the checkpoints stored with the log are checked.
    report = microgov.verify_audit(url, public_key=keys["verifier_key"])
    assert report.status == "intact" and report.records == 40 and report.signature_verified

    with pytest.raises(AuditError) as e:
        microgov.AuditLog.open("postgres://nobody@127.0.0.1:1/db?log=x&connect_timeout=2")
    assert e.value.code == "audit.store_unavailable"
