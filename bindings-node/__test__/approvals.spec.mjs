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
