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
  const plain = new Engine()
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
