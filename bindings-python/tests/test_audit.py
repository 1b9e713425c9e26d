"""The audit log from Python: the shared vectors verify (and their tampered
variants fail) exactly as in Rust, and a log written here verifies."""

from __future__ import annotations

import hashlib
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict

import pytest

import microgov
from microgov.errors import AuditError, MicrogovError, TamperedLogError

from conftest import FIXTURES, NOW

AUDIT = FIXTURES / "audit"
VECTORS = json.loads((AUDIT / "vectors.json").read_text(encoding="utf-8"))
HR = FIXTURES / "apps" / "hr-onboarding.yaml"


def _verify(case: Dict[str, Any], as_list: bool = True, **kw: Any) -> microgov.VerifyReport:
    # As the Rust suite does: the files in order (a path alone would also
    # pick up rotated segments beside it).
    files = [AUDIT / f for f in case["files"]]
    return microgov.verify_audit(
        files if as_list else files[0],
        checkpoint=AUDIT / case["checkpoint"] if case["checkpoint"] else None,
        public_key=AUDIT / case["public_key"] if case["public_key"] else None,
        **kw,
    )


def test_there_are_vectors() -> None:
    assert len(VECTORS) >= 30
    assert {c["expected"]["status"] for c in VECTORS} == {"intact", "tampered", "unattested"}


@pytest.mark.parametrize("case", VECTORS, ids=lambda c: c["name"])
def test_vector(case: Dict[str, Any]) -> None:
    exp = case["expected"]
    report = _verify(case, raise_on_tamper=False)
    if len(case["files"]) == 1:
        assert _verify(case, as_list=False, raise_on_tamper=False).to_dict() == report.to_dict()
    assert report.status == exp["status"], report.to_dict()
    assert report.records == exp["records"]
    assert report.ok == bool(report) == (exp["status"] != "tampered")
    if exp["status"] == "tampered":
        assert report.kind == exp["kind"]
        assert report.seq == exp["seq"]
        assert report.reason
        with pytest.raises(TamperedLogError) as info:
            _verify(case)
        e = info.value
        assert isinstance(e, AuditError) and isinstance(e, MicrogovError)
        assert e.code == "audit.tampered"
        assert (e.seq, e.kind) == (exp["seq"], exp["kind"])
        assert e.report is not None and e.report.to_dict() == report.to_dict()
    else:
        assert report.root == exp["root"]
        assert report.kind is None and report.seq is None
        if exp["status"] == "unattested":
            assert (report.checkpoint_size, report.unattested) == (exp["checkpoint_size"], exp["unattested"])
        assert report.signature_verified == (case["public_key"] is not None)


def test_key_and_checkpoint_as_text() -> None:
    key = (AUDIT / "test-key.vkey").read_text(encoding="utf-8")
    note = (AUDIT / "good.checkpoint").read_text(encoding="utf-8")
    r = microgov.verify_audit(str(AUDIT / "good.jsonl"), note, key)
    assert r.status == "intact" and r.signature_verified
    assert r.checkpoint is not None and r.checkpoint["size"] == 10
    assert repr(r) == "<VerifyReport status='intact' records=10>"


def test_verify_arguments() -> None:
    with pytest.raises(FileNotFoundError):
        microgov.verify_audit(AUDIT / "good.jsonl", checkpoint="no-such.checkpoint")
    with pytest.raises(AuditError) as info:
        microgov.verify_audit(AUDIT / "good.jsonl", public_key=AUDIT / "test-key.vkey")
    assert info.value.code == "audit.invalid_argument"
    with pytest.raises(TypeError):
        microgov.verify_audit(42)  # type: ignore[arg-type]


def test_write_then_verify(tmp_path: Path, engine: microgov.Engine) -> None:
    keys = microgov.generate_audit_key("acme.example/audit")
    assert keys["signing_key"].startswith("PRIVATE+KEY+acme.example/audit+")
    path = tmp_path / "audit.jsonl"
    d = engine.evaluate(HR, now=NOW)
    with microgov.AuditLog.open(path, signing_key=keys["signing_key"], log_id="acme.example/audit") as log:
        assert log.recovery["created"] is True
        r0 = log.append({"action": "app.register", "tenant_id": "acme", "app_id": "hr-onboarding", "outcome": "success"})
        assert r0["seq"] == 0 and len(r0["hash"]) == 64
        r1 = log.append_decision(d, {"tenant_id": "acme", "principal_id": "ci", "principal_type": "service", "attrs": {"ticket": "SEC-1"}})
        rs = log.append_batch([{"action": "approval.grant", "app_id": "hr-onboarding"}] * 3)
        assert [r["seq"] for r in rs] == [2, 3, 4] and r1["seq"] == 1
        assert log.record_count == 5 and log.log_id == "acme.example/audit"
        proof = log.prove(1)
        assert proof["leaf_index"] == 1 and proof["tree_size"] == 5
        cp = log.checkpoint()
        assert cp["size"] == 5 and cp["origin"] == "acme.example/audit"
        assert log.latest_note() is not None
        checkpoints = log.checkpoints_path
    with pytest.raises(AuditError) as info:
        log.append({"action": "app.register"})
    assert info.value.code == "audit.closed"
    log.close()  # closing twice is fine

    lines = path.read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[1])
    assert rec["action"] == "policy.evaluate" and rec["decision_id"] == d.decision_id
    assert rec["tenant_id"] == "acme" and rec["attrs"]["ticket"] == "SEC-1"
    report = microgov.verify_audit(path, checkpoints, keys["verifier_key"])
    assert report.status == "intact" and report.records == 5

    # Edit one record: verification names it, and the log refuses to open.
    lines[3] = lines[3].replace("approval.grant", "approval.revok")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(TamperedLogError) as bad:
        microgov.verify_audit(path, checkpoints, keys["verifier_key"])
    # The edit breaks the link from record 4 to record 3.
    assert bad.value.seq in (3, 4) and bad.value.kind in ("edited_record", "bad_prev")
    with pytest.raises(TamperedLogError) as on_open:
        microgov.AuditLog.open(path, signing_key=keys["signing_key"])
    assert on_open.value.seq == bad.value.seq and on_open.value.code == "audit.tampered"


def test_reopen_appends_to_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    with microgov.AuditLog.open(path, sync="on-flush") as log:
        log.append({"action": "app.register"})
    with microgov.AuditLog.open(path, sync=0.01) as log:
        assert log.recovery["records"] == 1 and log.recovery["created"] is False
        assert log.append({"action": "app.retire"})["seq"] == 1
    assert microgov.verify_audit(path).records == 2


def test_bad_events_and_options(tmp_path: Path) -> None:
    with microgov.AuditLog.open(tmp_path / "a.jsonl") as log:
        with pytest.raises(AuditError) as info:
            log.append({"action": "Not Dotted"})
        assert info.value.code == "audit.bad_event"
        with pytest.raises(AuditError) as info:
            log.append({"action": "x.y", "attrs": {"ratio": 0.5}})
        assert info.value.code in ("audit.bad_value", "audit.bad_event")  # floats are not allowed
        with pytest.raises(TypeError):
            log.append(["not", "a", "dict"])  # type: ignore[arg-type]
        assert log.record_count == 0
    with pytest.raises(ValueError):
        microgov.AuditLog.open(tmp_path / "b.jsonl", sync="sometimes")  # type: ignore[arg-type]
    with pytest.raises(AuditError) as info:
        microgov.AuditLog.open(tmp_path / "c.jsonl", signing_key="PRIVATE+KEY+nonsense")
    assert info.value.code == "audit.bad_key"
    with pytest.raises(AuditError) as info:
        microgov.generate_audit_key("has space")
    assert info.value.code == "audit.bad_key"


def test_log_id_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    with microgov.AuditLog.open(path, log_id="one.example/log") as log:
        log.append({"action": "app.register"})
    with pytest.raises(AuditError) as info:
        microgov.AuditLog.open(path, log_id="two.example/log")
    assert info.value.code == "audit.log_id_mismatch"


def test_many_threads_append(tmp_path: Path, engine: microgov.Engine) -> None:
    path = tmp_path / "a.jsonl"
    d = engine.evaluate(HR, now=NOW)
    with microgov.AuditLog.open(path) as log:
        with ThreadPoolExecutor(max_workers=8) as pool:
            seqs = list(pool.map(lambda _: log.append_decision(d)["seq"], range(64)))
    assert sorted(seqs) == list(range(64))
    assert microgov.verify_audit(path).records == 64


def test_verifies_a_copy_of_the_rotated_vector(tmp_path: Path) -> None:
    # A path finds its rotated segments (<path>.1 ...) by itself.
    shutil.copy(AUDIT / "rotated.jsonl", tmp_path / "rotated.jsonl")
    shutil.copy(AUDIT / "rotated.jsonl.1", tmp_path / "rotated.jsonl.1")
    r = microgov.verify_audit(tmp_path / "rotated.jsonl", AUDIT / "good.checkpoint", AUDIT / "test-key.vkey")
    assert r.status == "intact" and r.records == 10


_OPEN_ELSEWHERE = """
import sys
import microgov
try:
    log = microgov.AuditLog.open(sys.argv[1])
except microgov.errors.AuditError as e:
    print(e.code)
else:
    log.append({"action": "app.register", "app_id": "from-elsewhere"})
    log.close()
    print("appended")
"""


def test_a_second_writer_is_refused_even_in_another_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "audit.jsonl"
    other = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-c", _OPEN_ELSEWHERE, str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()
    log = microgov.AuditLog.open(path)
    log.append({"action": "app.register", "app_id": "first"})
    assert other() == "audit.locked"
    with pytest.raises(AuditError) as info:
        microgov.AuditLog.open(path)
    assert info.value.code == "audit.locked"
    assert log.append({"action": "app.register", "app_id": "still-first"})["seq"] == 1
    log.close()
    assert other() == "appended"
    report = microgov.verify_audit(path)
    assert report.ok and report.records == 3


# --- SIEM export: the core's mapping, reached from Python --------------------------------


def test_export_ocsf_events_carry_the_chain() -> None:
    lines = (AUDIT / "good.jsonl").read_text(encoding="utf-8").splitlines()
    events = microgov.export_audit(AUDIT / "good.jsonl", "ocsf", raw_data=True)
    assert len(events) == len(lines)
    for event, line in zip(events, lines):
        record = json.loads(line)
        assert event["class_uid"] == (2003 if record["action"] == "policy.evaluate" else 3004)
        assert event["type_uid"] == event["class_uid"] * 100 + event["activity_id"]
        assert event["metadata"]["version"] == "1.8.0"
        assert event["metadata"]["sequence"] == record["seq"]
        assert event["unmapped"]["microgov"]["log_id"] == record["log_id"]
        assert event["raw_data"] == line
        digest = hashlib.sha256(b"\x00" + line.encode("utf-8")).hexdigest()
        assert event["metadata"]["uid"] == digest == event["unmapped"]["microgov"]["hash"]


def test_export_otlp_and_jsonl_and_to_a_file(tmp_path: Path) -> None:
    (request,) = microgov.export_audit(AUDIT / "good.jsonl", "otlp")
    records = request["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    assert len(records) == 10
    assert all(isinstance(r["timeUnixNano"], str) for r in records)
    assert microgov.export_audit(AUDIT / "good.jsonl", "jsonl") == (AUDIT / "good.jsonl").read_text(
        encoding="utf-8"
    ).splitlines()
    out = tmp_path / "out.ndjson"
    report = microgov.export_audit(AUDIT / "good.jsonl", "ocsf", output=out)
    assert report["records"] == 10 and report["format"] == "ocsf" and not report["torn_tail"]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 10


def test_export_refuses_a_tampered_log_and_a_bad_format() -> None:
    with pytest.raises(TamperedLogError) as e:
        microgov.export_audit(AUDIT / "edited_record.jsonl", "ocsf")
    assert e.value.code == "audit.tampered"
    with pytest.raises(ValueError):
        microgov.export_audit(AUDIT / "good.jsonl", "csv")  # type: ignore[call-overload]
