// The audit log: same verdicts as the Rust and Python suites on
// fixtures/audit/vectors.json, and a write-verify round trip.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import {
  AuditLog,
  Engine,
  exportAudit,
  exportAuditToFile,
  exportAuditToFileAsync,
  generateAuditKey,
  verifyAudit,
  verifyAuditAsync,
} from 'microgov'
import { fixtures, read } from './helpers.mjs'

const audit = (f) => join(fixtures, 'audit', f)
const vectors = JSON.parse(read('audit', 'vectors.json'))

function check(name, report, expected) {
  assert.equal(report.status, expected.status, `${name}: ${JSON.stringify(report)}`)
  assert.equal(report.records, expected.records, name)
  if (expected.status === 'tampered') {
    assert.equal(report.kind, expected.kind, name)
    assert.equal(report.seq, expected.seq, name)
    assert.ok(report.reason.length > 0, name)
  } else {
    assert.equal(report.root, expected.root, name)
  }
  if (expected.status === 'unattested') {
    assert.equal(report.checkpoint_size, expected.checkpoint_size, name)
    assert.equal(report.unattested, expected.unattested, name)
  }
}

describe('fixtures/audit/vectors.json', () => {
  test('there are vectors', () => assert.ok(vectors.length >= 30))
  for (const v of vectors) {
    test(v.name, async () => {
      const files = v.files.map(audit)
      const options = {
        checkpoint: v.checkpoint ? read('audit', v.checkpoint) : null,
        publicKey: v.public_key ? read('audit', v.public_key) : null,
      }
      check(v.name, verifyAudit(files, options), v.expected)
      check(v.name, await verifyAuditAsync(files, options), v.expected)
    })
  }

  test('a path reads its rotated segments first', () => {
    const r = verifyAudit(audit('rotated.jsonl'), { checkpoint: read('audit', 'good.checkpoint'), publicKey: read('audit', 'test-key.vkey') })
    assert.equal(r.status, 'intact')
    assert.equal(r.records, 10)
    assert.equal(r.signature_verified, true)
  })

  test('a tampered file is a verdict naming the file and line, not an error', () => {
    const r = verifyAudit(audit('edited_record.jsonl'))
    assert.equal(r.status, 'tampered')
    assert.match(r.file, /edited_record\.jsonl$/)
    assert.equal(typeof r.line, 'number')
  })

  test('bad arguments are coded errors', () => {
    assert.throws(() => verifyAudit(audit('good.jsonl'), { publicKey: read('audit', 'test-key.vkey') }), (e) => e.code === 'audit.invalid_argument')
    assert.throws(() => verifyAudit(audit('good.jsonl'), { checkpoint: 'not a note' }), (e) => e.code === 'audit.bad_checkpoint')
    assert.throws(() => verifyAudit(audit('good.jsonl'), { checkpoint: read('audit', 'good.checkpoint'), publicKey: 'junk' }), (e) => e.code === 'audit.bad_key')
    assert.throws(() => verifyAudit(audit('does-not-exist.jsonl')), (e) => e.code === 'audit.io')
    assert.throws(() => verifyAudit(42), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE')
  })
})

describe('AuditLog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'microgov-audit-'))
  test.after(() => rmSync(dir, { recursive: true, force: true }))
  const { signing_key: skey, verifier_key: vkey } = generateAuditKey('acme.example/audit')

  test('append, close, verify with the signed checkpoint', async () => {
    const path = join(dir, 'audit.jsonl')
    const log = AuditLog.open(path, { logId: 'acme.example/audit', signingKey: skey })
    assert.equal(log.recovery.created, true)
    assert.equal(log.logId, 'acme.example/audit')
    const r0 = log.append({ action: 'app.register', tenant_id: 'acme', app_id: 'hr-onboarding', principal_id: 'jane', principal_type: 'user', outcome: 'success', ts: new Date('2026-11-26T10:00:00Z') })
    assert.equal(r0.seq, 0)
    assert.match(r0.hash, /^[0-9a-f]{64}$/)
    const r1 = await log.appendAsync({ action: 'approval.grant', app_id: 'hr-onboarding', attrs: { role: 'security' } })
    assert.equal(r1.seq, 1)
    const batch = log.appendBatch([{ action: 'data.export', app_id: 'hr-onboarding' }, { action: 'data.export', app_id: 'crm' }])
    assert.deepEqual(batch.map((r) => r.seq), [2, 3])
    const batchAsync = await log.appendBatchAsync([{ action: 'app.retire', app_id: 'crm' }])
    assert.deepEqual(batchAsync.map((r) => r.seq), [4])

    const engine = new Engine()
    const decision = engine.evaluate(read('apps', 'hr-onboarding.yaml'), { now: '2026-11-26T10:00:00Z' })
    const rd = log.appendDecision(decision, { tenant_id: 'acme', principal_id: 'ci', principal_type: 'service', attrs: { pipeline: 'deploy' } })
    assert.equal(rd.seq, 5)
    await log.appendDecisionAsync(decision)
    assert.equal(log.recordCount, 7)

    const proof = log.prove(5)
    assert.equal(proof.leaf_index, 5)
    assert.equal(proof.tree_size, 7)
    const cp = log.checkpoint()
    assert.equal(cp.origin, 'acme.example/audit')
    assert.equal(cp.size, 7)
    assert.match(log.latestNote(), /^acme\.example\/audit\n7\n/)
    log.close()
    log.close() // twice is fine
    assert.throws(() => log.append({ action: 'app.register' }), (e) => e.code === 'audit.closed')

    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l))
    assert.equal(lines.length, 7)
    assert.equal(lines[5].action, 'policy.evaluate')
    assert.equal(lines[5].decision_id, decision.decision_id)
    assert.equal(lines[5].tenant_id, 'acme')
    assert.equal(lines[5].attrs.pipeline, 'deploy')
    assert.equal(lines[5].attrs.tier, decision.tier)
    assert.equal(lines[0].ts, '2026-11-26T10:00:00.000000Z')

    const checkpoint = readFileSync(log.checkpointsPath, 'utf8')
    const report = verifyAudit(path, { checkpoint, publicKey: vkey })
    assert.equal(report.status, 'intact')
    assert.equal(report.records, 7)
    assert.equal(report.signature_verified, true)
    assert.equal(report.log_id, 'acme.example/audit')

    // Reopen: the log is verified and continues.
    const again = AuditLog.open(path, { signingKey: skey, sync: 'on-flush' })
    assert.equal(again.recovery.records, 7)
    assert.equal(again.append({ action: 'app.renew', app_id: 'hr-onboarding' }).seq, 7)
    again.close()
    assert.equal(verifyAudit(path).records, 8)

    // Edit a record: verification names it, and the log refuses to open.
    const text = readFileSync(path, 'utf8').replace('"crm"', '"crn"')
    writeFileSync(path, text)
    const tampered = verifyAudit(path)
    assert.equal(tampered.status, 'tampered')
    assert.equal(tampered.kind, 'edited_record')
    assert.throws(() => AuditLog.open(path), (e) => e.code === 'audit.tampered' && typeof e.seq === 'number')
  })

  test('bad events are refused with audit codes before they take a seq', () => {
    const log = AuditLog.open(join(dir, 'events.jsonl'), { sync: 'on-flush' })
    assert.throws(() => log.append({ action: 'Not A Verb' }), (e) => e.code === 'audit.bad_event' && e.field === 'action')
    assert.throws(() => log.append({ action: 'app.register', seq: 4 }), (e) => e.code === 'audit.bad_event')
    assert.throws(() => log.append({ action: 'app.register', attrs: { x: 1.5 } }), (e) => e.code.startsWith('audit.'))
    assert.throws(() => log.append({ action: 'app.register', colour: 'red' }), (e) => e.code === 'audit.bad_event')
    assert.throws(() => log.append('app.register'), (e) => e instanceof TypeError)
    assert.equal(log.append({ action: 'app.register' }).seq, 0)
    log.close()
  })

  test('one writer at a time: a second open of the same log is refused until the first closes', () => {
    const path = join(dir, 'locked.jsonl')
    const first = AuditLog.open(path, { sync: 'on-flush' })
    assert.equal(first.append({ action: 'app.register' }).seq, 0)
    assert.throws(() => AuditLog.open(path), (e) => e.code === 'audit.locked' && e.file === path)
    assert.equal(first.append({ action: 'app.register' }).seq, 1)
    first.close()
    const second = AuditLog.open(path, { sync: 'on-flush' })
    assert.equal(second.append({ action: 'app.register' }).seq, 2)
    second.close()
    assert.equal(verifyAudit(path).records, 3)
  })

  test('options are checked', () => {
    assert.throws(() => AuditLog.open(join(dir, 'x.jsonl'), { sync: 'sometimes' }), (e) => e.code === 'ERR_INVALID_ARG_VALUE')
    assert.throws(() => AuditLog.open(join(dir, 'x.jsonl'), { signingKey: 'nope' }), (e) => e.code === 'audit.bad_key')
    assert.throws(() => AuditLog.open(join(dir, 'x.jsonl'), { rotateBytes: 0 }), (e) => e.code === 'audit.invalid_argument')
    assert.throws(() => AuditLog.open(join(dir, 'x.jsonl'), { signinKey: skey }), (e) => e.code === 'ERR_INVALID_ARG_VALUE')
    assert.throws(() => generateAuditKey('has space'), (e) => e.code === 'audit.bad_key')
  })
})

describe('SIEM export', () => {
  const lines = readFileSync(join(fixtures, 'audit', 'good.jsonl'), 'utf8').trimEnd().split('\n')

  test('OCSF events carry the record hash, seq and log id', () => {
    const events = exportAudit(join(fixtures, 'audit', 'good.jsonl'), { format: 'ocsf', rawData: true })
    assert.equal(events.length, lines.length)
    events.forEach((e, i) => {
      const record = JSON.parse(lines[i])
      assert.equal(e.class_uid, record.action === 'policy.evaluate' ? 2003 : 3004)
      assert.equal(e.type_uid, e.class_uid * 100 + e.activity_id)
      assert.equal(e.metadata.version, '1.8.0')
      assert.equal(e.metadata.sequence, record.seq)
      assert.equal(e.raw_data, lines[i])
      const hash = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(lines[i])])).digest('hex')
      assert.equal(e.metadata.uid, hash)
      assert.equal(e.unmapped.microgov.hash, hash)
    })
  })

  test('OTLP, JSON lines and a file', async () => {
    const [request] = exportAudit(join(fixtures, 'audit', 'good.jsonl'), { format: 'otlp' })
    const records = request.resourceLogs[0].scopeLogs[0].logRecords
    assert.equal(records.length, 10)
    assert.equal(typeof records[0].timeUnixNano, 'string')
    assert.deepEqual(exportAudit(join(fixtures, 'audit', 'good.jsonl'), { format: 'jsonl' }), lines)
    const dir = mkdtempSync(join(tmpdir(), 'microgov-export-'))
    const out = join(dir, 'out.ndjson')
    const report = exportAuditToFile(join(fixtures, 'audit', 'good.jsonl'), out, { format: 'ocsf' })
    assert.equal(report.records, 10)
    assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 10)
    const again = await exportAuditToFileAsync(join(fixtures, 'audit', 'good.jsonl'), out, { format: 'otlp' })
    assert.equal(again.format, 'otlp')
  })

  test('a tampered log and bad options fail with codes', () => {
    assert.throws(() => exportAudit(join(fixtures, 'audit', 'edited_record.jsonl')), { code: 'audit.tampered' })
    assert.throws(() => exportAudit(join(fixtures, 'audit', 'good.jsonl'), { format: 'csv' }), (e) => e.code !== undefined)
    assert.throws(() => exportAudit(join(fixtures, 'audit', 'good.jsonl'), { formats: 'ocsf' }), (e) => e.code !== undefined)
  })
})
