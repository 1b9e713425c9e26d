// Runtime checks: egress verdicts and redaction from fixtures/runtime/check_egress.json
// (as the Rust and Python suites), lifecycle states from fixtures/apps/expected.json.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Engine, EgressGuard } from 'microgov'
import { list, read, readJson } from './helpers.mjs'

const engine = new Engine()
const table = readJson('runtime', 'check_egress.json')
const app = read('runtime', table.app)

describe('checkEgress', () => {
  for (const c of table.cases) {
    test(`${c.url}${c.data ? ' (with data)' : ''}`, () => {
      const e = c.data ? new Engine({ data: c.data }) : engine
      const v = e.checkEgress(app, c.url)
      assert.equal(v.code, c.code, v.reason)
      assert.equal(v.allowed, c.code === 'allowed')
      assert.equal(typeof v.reason, 'string')
      // The prepared guard answers the same.
      const guard = e.egressGuard(app)
      assert.ok(guard instanceof EgressGuard)
      assert.deepEqual(guard.check(c.url), v)
    })
  }

  test('an invalid manifest is manifest.invalid; a bad url is a verdict, not an error', () => {
    assert.throws(() => engine.checkEgress('kind: MicroApp', 'https://x.example'), (e) => e.code === 'manifest.invalid')
    const v = engine.checkEgress(app, 'not a url')
    assert.equal(v.allowed, false)
    assert.throws(() => engine.checkEgress(app, 42), (e) => e instanceof Error)
  })
})

describe('redact and maskedFields', () => {
  for (const c of table.redact) {
    test(`connector ${c.connector}`, () => {
      const before = structuredClone(c.record)
      assert.deepEqual(engine.redact(app, c.connector, c.record), c.expected)
      assert.deepEqual(c.record, before, 'the argument is not changed')
    })
  }

  test('maskedFields agrees with the mask obligations of the decision', () => {
    const d = engine.evaluate(app, { now: '2026-11-26T10:00:00Z' })
    const parsed = engine.parse(app)
    for (const c of parsed.spec.connectors) {
      const fromRego = d.obligations.filter((o) => o.type === 'mask' && o.connector === c.name).flatMap((o) => o.fields)
      assert.deepEqual(engine.maskedFields(app, c.name), fromRego, c.name)
    }
  })
})

describe('lifecycle', () => {
  const expected = readJson('apps', 'expected.json')
  for (const file of list('apps')) {
    const want = expected.apps[file]?.lifecycle
    if (!want) continue
    test(file, () => {
      const text = read('apps', file)
      const s = engine.lifecycle(text, expected.now)
      assert.equal(s.state, want)
      assert.deepEqual(engine.lifecycle(text, new Date(expected.now)), s)
      if (s.state === 'active' || s.state === 'expiring') assert.equal(typeof s.days_left, 'number')
    })
  }

  test('renew moves the expiry within the bundle data\'s limit, and refuses with lifecycle codes; retire', () => {
    const text = read('apps', 'hr-onboarding.yaml')
    const now = expected.now
    const renewed = engine.renew(text, '2027-03-01T00:00:00Z', now)
    assert.ok(renewed.metadata.expiresAt.startsWith('2027-03-01'), renewed.metadata.expiresAt)
    assert.deepEqual(engine.renew(text, new Date('2027-03-01T00:00:00Z'), new Date(now)), renewed)
    assert.deepEqual(engine.renew(engine.prepare(text), '2027-03-01T00:00:00Z', now), renewed)
    assert.equal(engine.lifecycle(renewed, now).state, 'active')
    assert.throws(() => engine.renew(text, '2026-01-01T00:00:00Z', now), (e) => e.code === 'lifecycle.in_past')
    assert.throws(() => engine.renew(text, '2036-01-01T00:00:00Z', now), (e) => e.code === 'lifecycle.too_long')
    const retired = engine.retire(text, '2026-11-20T00:00:00Z')
    assert.ok(retired.metadata.retiredAt.startsWith('2026-11-20'), retired.metadata.retiredAt)
    assert.equal(engine.lifecycle(retired, now).state, 'retired')
    assert.equal(engine.evaluate(retired, { now }).outcome, 'deny')
    assert.throws(() => engine.renew(retired, '2027-03-01T00:00:00Z', now), (e) => e.code === 'lifecycle.retired')
    assert.throws(() => engine.renew(text, 'someday', now), (e) => e.code === 'ERR_INVALID_ARG_VALUE')
  })

  test('now defaults to the clock; a bad now is a TypeError', () => {
    assert.ok(['active', 'expiring', 'expired', 'retired'].includes(engine.lifecycle(read('apps', 'hr-onboarding.yaml')).state))
    assert.throws(() => engine.lifecycle(read('apps', 'hr-onboarding.yaml'), 'soon'), (e) => e.code === 'ERR_INVALID_ARG_VALUE')
  })
})
