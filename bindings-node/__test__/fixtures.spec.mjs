// The shared fixtures: same decisions, error codes and paths as the Rust and
// Python suites (fixtures/*/expected.json).
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Engine } from 'microgov'
import { list, pairs, read, readJson, tableData } from './helpers.mjs'

const engine = new Engine({ data: tableData })

const key = (v) => `${v.policy ?? ''}.${v.rule ?? ''}@${v.path ?? ''}`

/**
 * The one comparator of the shared table (Rust and Python write the same function): a decision
 * as canonical sorted strings, `policy.rule@path` for a violation, `policy.rule@path by approval_id`
 * for a waived one, the role of each missing approval, `type:connector:field,field` (fields sorted)
 * for an obligation object, a string obligation as it is.
 */
const obligation = (o) =>
  typeof o === 'string'
    ? o
    : `${o.type ?? ''}:${o.connector ?? ''}:${(o.fields ?? []).filter((f) => typeof f === 'string').sort().join(',')}`

const canonical = (d) => ({
  outcome: d.outcome,
  tier: d.tier,
  factors: d.risk.factors.map((f) => f.factor).sort(),
  violations: d.violations.map(key).sort(),
  waived: d.waived.map((w) => `${key(w.violation)} by ${w.approval_id}`).sort(),
  required_approvals: d.required_approvals.map((r) => r.role).sort(),
  obligations: d.obligations.map(obligation).sort(),
})

/**
 * What the table says `canonical` gives for one app: its tier and factors and the decision
 * (of the app it is the `same_as`, if any), the lists sorted.
 */
const wanted = (apps, want) => {
  const decision = (want.same_as ? apps[want.same_as] : want).decision
  if (!decision) return undefined
  const all = { ...decision, tier: want.tier, factors: want.factors }
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v]))
}

describe('fixtures/apps', () => {
  const expected = readJson('apps', 'expected.json')
  const now = expected.now
  const names = list('apps')

  test('expected.json covers every app fixture', () => {
    assert.deepEqual(Object.keys(expected.apps).sort(), names)
  })

  for (const [file, want] of Object.entries(expected.apps)) {
    test(file, () => {
      const text = read('apps', file)
      const opts = { now, decisionId: 'fixture' }
      if (want.approvals_file) opts.approvals = read('approvals', want.approvals_file)
      const d = engine.evaluate(text, opts)
      assert.equal(d.app, file.replace(/\.(yaml|json)$/, ''))
      assert.ok(!JSON.stringify(d).includes('<undefined>'), `${file}: the decision holds an undefined value`)
      const decision = wanted(expected.apps, want)
      assert.ok(decision, `${file} has no expected decision`)
      assert.deepEqual(canonical(d), decision)
      // Facts that are not part of the decision but of the input document the
      // policies read (core/docs/input.md: app after defaults, findings).
      const { input } = engine.explain(text, opts)
      if ('expires_at' in want) assert.equal(input.app.metadata.expiresAt, want.expires_at)
      if ('lifecycle' in want) assert.equal(input.findings.lifecycle.state, want.lifecycle)
      if ('external_connectors' in want) {
        const external = Object.entries(input.findings.connectors).filter(([, c]) => c.external).map(([n]) => n)
        assert.deepEqual(external.sort(), [...want.external_connectors].sort())
      }
      if (want.same_as) {
        const other = engine.evaluate(read('apps', want.same_as), opts)
        assert.equal(d.input_digest, other.input_digest)
        assert.deepEqual(d, other)
      }
    })
  }
})

describe('fixtures/invalid', () => {
  const expected = readJson('invalid', 'expected.json')

  test('expected.json covers every invalid fixture', () => {
    assert.deepEqual(Object.keys(expected).filter((k) => k !== 'about').sort(), list('invalid'))
  })

  for (const [file, want] of Object.entries(expected)) {
    if (file === 'about') continue
    test(file, async () => {
      const text = read('invalid', file)
      // validate() returns the problems ...
      const problems = engine.validate(text)
      assert.deepEqual(pairs(problems), pairs(want))
      for (const w of want.filter((w) => w.message_contains)) {
        const p = problems.find((p) => p.code === w.code && p.path === w.path)
        assert.ok(p.message.includes(w.message_contains), `${p.message} should mention ${w.message_contains}`)
      }
      // ... evaluate() throws them, and evaluateAsync() rejects with them.
      assert.throws(() => engine.evaluate(text), (err) => {
        assert.ok(err instanceof Error)
        assert.equal(err.code, 'manifest.invalid')
        assert.deepEqual(pairs(err.problems), pairs(want))
        return true
      })
      await assert.rejects(engine.evaluateAsync(text), (err) => err.code === 'manifest.invalid' && pairs(err.problems).join() === pairs(want).join())
    })
  }
})

describe('fixtures/approvals', () => {
  const expected = readJson('approvals', 'expected.json')
  const now = expected.now
  // The table's three engines: with its directory overlay, bundled, trusting claimed roles.
  const engines = {
    status: new Engine({ data: readJson('approvals', expected.directory) }),
    status_bundled: new Engine(),
    status_trusted: new Engine({ trustClaimedRoles: true }),
  }

  for (const [file, want] of Object.entries(expected.files)) {
    test(file, () => {
      const approvals = read('approvals', file)
      if (want.problems) {
        const app = read('apps', 'hr-onboarding.yaml')
        assert.throws(() => engine.evaluate(app, { now, approvals }), (err) => {
          assert.equal(err.code, 'manifest.invalid')
          assert.deepEqual(pairs(err.problems), pairs(want.problems))
          return true
        })
        return
      }
      const app = read('apps', want.app)
      const statuses = (e) => Object.fromEntries(e.evaluate(app, { now, approvals }).approvals.map((a) => [a.id, a.status]))
      for (const [column, judge] of Object.entries(engines)) assert.deepEqual(statuses(judge), want[column], column)
    })
  }
})
