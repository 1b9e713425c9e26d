// Approvals from Node, as the Rust and Python suites check them:
// fixtures/approvals/scopes.json, which violations an exception with each scope waives.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Engine } from 'microgov'
import { read, readJson } from './helpers.mjs'

const scopes = readJson('approvals', 'scopes.json')
const engine = new Engine({ data: scopes.data })
const app = read('apps', scopes.app)
const key = (v) => `${v.policy ?? ''}.${v.rule ?? ''}@${v.path ?? ''}`

describe('fixtures/approvals/scopes.json', () => {
  for (const c of scopes.cases) {
    test(c.name, () => {
      const approval = { ...scopes.approval, id: c.name, scope: c.scope }
      const d = engine.evaluate(app, { now: scopes.now, approvals: [approval] })
      const waived = d.waived.filter((w) => w.approval_id === c.name).map((w) => key(w.violation)).sort()
      assert.deepEqual(waived, c.waives)
      assert.deepEqual(d.approvals, [{ id: c.name, status: c.status }])
    })
  }

  test('a connector violation names the datasets the connector carries', () => {
    const d = engine.evaluate(app, { now: scopes.now })
    const exp = d.violations.find((v) => v.rule === 'pii_export_unapproved')
    assert.deepEqual([exp.connector, exp.datasets], ['payroll', ['employees']])
  })
})

describe('fixtures/approvals/stale.json', () => {
  const stale = readJson('approvals', 'stale.json')
  const plain = new Engine({ data: readJson('approvals', stale.data) })
  const text = read('apps', stale.app)
  const approvals = read('approvals', stale.approvals_file)
  for (const e of stale.edits) {
    test(e.name, () => {
      const [from, to] = e.replace
      assert.ok(text.includes(from))
      const x = plain.explain(text.replace(from, to), { now: stale.now, approvals })
      assert.deepEqual(Object.fromEntries(x.decision.approvals.map((a) => [a.id, a.status])), e.status)
      const changes = Object.fromEntries(x.approvals.filter((a) => a.changes?.length).map((a) => [a.id, a.changes]))
      assert.deepEqual(changes, e.changes)
      for (const a of x.approvals) assert.ok(a.reason)
    })
  }
})

describe('fixtures/approvals/decisions.json', () => {
  const table = readJson('approvals', 'decisions.json')
  const e = new Engine({ data: readJson('approvals', table.data) })
  const app = read('apps', table.app)
  for (const c of table.cases) {
    test(c.name, () => {
      const d = e.evaluate(app, { now: table.now, approvals: c.approvals })
      assert.deepEqual(d.required_approvals, c.required_approvals)
      assert.deepEqual(d.warnings.filter((w) => w.rule === 'approval_expiring').map((w) => w.message), c.expiring)
    })
  }
})

describe('engine.approve', () => {
  const table = readJson('approvals', 'decisions.json')
  const e = new Engine({ data: readJson('approvals', table.data) })
  const app = read('apps', 'hr-onboarding.yaml')
  const now = table.now
  const grant = (extra) =>
    e.approve(app, { roles: 'security', approver: 'sec.lead@acme.example', granted: '2026-11-20T00:00:00Z', expires: '2027-02-20T00:00:00Z', ...extra })

  test('binds an approval that counts until a material edit', () => {
    const a = grant({ id: 'apr-sec', justification: 'SEC-1' })
    assert.deepEqual([a.id, a.roles, a.grantedAt], ['apr-sec', ['security'], '2026-11-20T00:00:00Z'])
    assert.ok(a.digest.startsWith('sha256:') && 'datasets/employees' in a.reviewed)
    assert.deepEqual(e.evaluate(app, { now, approvals: [a] }).approvals, [{ id: 'apr-sec', status: 'valid' }])
    const edited = app.replace('region: aws:us-east-1', 'region: aws:us-west-2')
    const x = e.explain(edited, { now, approvals: [a] })
    assert.deepEqual(x.approvals.map((j) => [j.status, j.changes]), [['stale', ['connector payroll changed']]])
    assert.match(grant({ granted: new Date('2026-11-21T00:00:00Z') }).id, /^hr-onboarding-[0-9a-f]{12}$/)
  })

  test('a signed approval counts; a forged, tampered or unsigned one of a key holder does not', () => {
    const ciso = { approver: 'ciso@acme.example' }
    const signed = grant({ ...ciso, id: 'apr-signed', key: read('approvals', 'keys', 'ciso.key') })
    assert.ok(signed.signature.startsWith('\u2014 ciso@acme.example '))
    const forged = grant({ ...ciso, id: 'apr-forged', key: read('approvals', 'keys', 'ciso-other.key') })
    const unsigned = grant({ ...ciso, id: 'apr-unsigned' })
    const tampered = { ...signed, id: 'apr-tampered' }
    const d = e.evaluate(app, { now, approvals: [signed, forged, unsigned, tampered] })
    assert.deepEqual(Object.fromEntries(d.approvals.map((a) => [a.id, a.status])), {
      'apr-signed': 'valid',
      'apr-forged': 'bad_signature',
      'apr-unsigned': 'bad_signature',
      'apr-tampered': 'bad_signature',
    })
  })

  for (const [extra, path, status] of [
    [{ approver: 'lena.schmidt@acme.example' }, '/0/approver', 'self_approval'],
    [{ approver: 'it.helpdesk@acme.example' }, '/0/roles', 'unverified_role'],
    [{ scope: { connector: 'billing' } }, '/0/scope', 'scope_mismatch'],
    [{ expires: '2027-11-21T00:00:00Z' }, '/0/expiresAt', 'too_long'],
  ]) {
    test(`refuses an approval that would be ${status}`, () => {
      assert.throws(() => grant(extra), (err) => {
        assert.equal(err.code, 'manifest.invalid')
        assert.deepEqual(err.problems.map((p) => [p.code, p.path]), [['manifest.approval_would_not_count', path]])
        assert.ok(err.problems[0].message.includes(status), err.problems[0].message)
        return true
      })
    })
  }

  test('names bad arguments', () => {
    assert.throws(() => grant({ approver: 'not-an-address' }), (err) => err.code === 'manifest.invalid' && err.problems[0].path === '/0/approver')
    assert.throws(() => grant({ key: 'PRIVATE+KEY+nope' }), (err) => err.code === 'audit.bad_key')
    assert.throws(() => grant({ scope: { datset: 'employees' } }), (err) => err.code === 'ERR_INVALID_ARG_VALUE' && /scope/.test(err.message))
    assert.throws(() => grant({ roles: [1] }), (err) => err.code === 'ERR_INVALID_ARG_TYPE')
    assert.throws(() => grant({ expire: '2027-01-01T00:00:00Z' }), (err) => err.code === 'ERR_INVALID_ARG_VALUE')
    assert.throws(() => e.approve(app), (err) => err.code === 'ERR_INVALID_ARG_TYPE')
    // Trusted claimed roles: anyone's approval counts (demos and tests only).
    const trusting = new Engine({ trustClaimedRoles: true })
    const a = trusting.approve(app, { roles: ['security'], approver: 'someone@acme.example', expires: '2027-02-20T00:00:00Z', granted: '2026-11-20T00:00:00Z' })
    assert.equal(trusting.evaluate(app, { now, approvals: [a] }).approvals[0].status, 'valid')
  })
})

describe('AuditLog.appendApproval', () => {
  test('a grant and a revocation each leave their record', async () => {
    const { AuditLog, verifyAudit } = await import('microgov')
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const table = readJson('approvals', 'decisions.json')
    const e = new Engine({ data: readJson('approvals', table.data) })
    const a = e.approve(read('apps', 'hr-onboarding.yaml'), {
      roles: 'security', approver: 'ciso@acme.example', expires: '2027-02-20T00:00:00Z', granted: '2026-11-20T00:00:00Z',
      id: 'apr-signed', key: read('approvals', 'keys', 'ciso.key'),
    })
    const dir = mkdtempSync(join(tmpdir(), 'microgov-approval-'))
    const path = join(dir, 'audit.jsonl')
    const log = AuditLog.open(path, { logId: 'acme.example/audit' })
    log.appendApproval(a, { tenant_id: 'acme' })
    log.appendApproval({ ...a, revokedAt: '2026-12-01T00:00:00Z' }, { principal_id: 'sec.lead@acme.example' })
    assert.throws(() => log.appendApproval({ id: 'x' }), (err) => err.code === 'manifest.invalid')
    log.close()
    const records = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    assert.deepEqual(records.map((r) => [r.action, r.principal_id]), [['approval.grant', 'ciso@acme.example'], ['approval.revoke', 'sec.lead@acme.example']])
    assert.equal(records[0].attrs.signed_by, 'ciso@acme.example')
    assert.equal(records[0].tenant_id, 'acme')
    assert.equal(verifyAudit(path).status, 'intact')
    rmSync(dir, { recursive: true, force: true })
  })
})
