// The shared fixtures: same decisions, error codes and paths as the Rust and
// Python suites (fixtures/*/expected.json).
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Engine } from 'microgov'
import { list, pairs, read, readJson } from './helpers.mjs'

const engine = new Engine()

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
      if ('tier' in want) assert.equal(d.tier, want.tier)
      if ('factors' in want) assert.deepEqual(d.risk.factors.map((f) => f.factor).sort(), [...want.factors].sort())
      if ('outcome' in want) assert.equal(d.outcome, want.outcome)
      if ('violations' in want) {
        const got = d.violations.map((v) => `${v.policy}/${v.rule}`).sort()
        const exp = want.violations.map((v) => (typeof v === 'string' ? v : `${v.policy}/${v.rule}`)).sort()
        assert.deepEqual(got, exp)
      }
      if ('required_approvals' in want) {
        assert.deepEqual(d.required_approvals.map((r) => r.role).sort(), want.required_approvals.map((r) => (typeof r === 'string' ? r : r.role)).sort())
      }
      // Facts that are not part of the decision but of the input document the
      // policies read (DESIGN.md: app after defaults, findings).
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
  const directory = new Engine({ data: { microgov: { governance: { approvers: expected.approvers } } } })

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
      assert.deepEqual(statuses(engine), want.status_bundled)
      assert.deepEqual(statuses(directory), want.status)
    })
  }
})
