// Hostile values at the language boundary (fixtures/errors/hostile.json, issue 23): each
// is refused with the table's code and path, the same as in the Python binding
// (bindings-python/tests/test_hostile.py reads the same table), never written silently
// as `null`, `{}` or a dropped member. The cases run in a child process
// (`node hostile.spec.mjs --child`), so a crash fails these tests instead of the run.
import { test, describe, before } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AuditLog, Engine } from 'microgov'
import { readJson } from './helpers.mjs'

const table = readJson('errors', 'hostile.json')
const cases = table.cases.filter((c) => c.lang === 'both' || c.lang === 'node')

/** The hostile value the table names `key`, as JavaScript writes it. */
function build(key) {
  switch (key) {
    case 'cycle': {
      const d = {}
      d.self = d
      return d
    }
    case 'cycle_in_list': {
      const outer = []
      outer.push([outer])
      return outer
    }
    case 'deep': {
      let v = 0
      for (let i = 0; i < 40; i++) v = { a: v }
      return v
    }
  }
  const makers = {
    nan: () => NaN,
    infinity: () => Infinity,
    '-infinity': () => -Infinity,
    nan_in_list: () => [1, NaN],
    'int_2^53': () => 2n ** 53n,
    'int_-2^60': () => -(2n ** 60n),
    'int_2^70_in_list': () => [0, 1, 2n ** 70n],
    many: () => new Array(60000).fill(0),
    long_string: () => 'x'.repeat(2 ** 20 + 1),
    long_key: () => ({ ['k'.repeat(2 ** 20 + 1)]: 1 }),
    lone_surrogate: () => 'a\ud800b',
    lone_surrogate_in_key: () => ({ '\udc00': 1 }),
    non_string_key: () => ({ [Symbol('s')]: 1 }),
    bytes: () => Buffer.from('hi'),
    set: () => new Set([1, 2]),
    function: () => () => 1,
    class_instance: () => new (class Thing {})(),
    raising_container: () => new Proxy({}, { ownKeys() { throw new RangeError('no keys today') } }),
    raising_item: () => new Proxy([1], { get(t, p) { if (p === '0') throw new RangeError('no item today'); return t[p] } }),
    date: () => new Date('2026-11-26T10:00:00Z'),
    invalid_date: () => new Date(NaN),
    map: () => new Map([['a', 1]]),
    uint8array: () => new Uint8Array([1, 2]),
    undefined: () => undefined,
    undefined_member: () => ({ u: undefined }),
    // eslint-disable-next-line no-sparse-arrays
    array_hole: () => [, 1],
    symbol: () => Symbol('s'),
    'bigint_2^60': () => 2n ** 60n,
    // eslint-disable-next-line no-new-wrappers
    boxed_string: () => new String('x'),
    regexp: () => /x/,
    promise: () => Promise.resolve(1),
    throwing_getter: () => ({ get k() { throw new RangeError('getter failed') } }),
    revoked_proxy: () => {
      const { proxy, revoke } = Proxy.revocable({}, {})
      revoke()
      return proxy
    },
    proxy_throwing_get: () => new Proxy({ k: 1 }, { get() { throw new RangeError('trap failed') } }),
    to_json_method: () => ({ toJSON() { return 1 } }),
  }
  return makers[key]()
}

/** `doc` with `value` set at `pointer`, creating what is missing (`/0` makes a list). */
function place(doc, pointer, value) {
  const tokens = pointer.split('/').slice(1)
  let here = doc
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]
    if (!(t in here)) here[t] = tokens[i + 1] === '0' ? [{}] : {}
    here = here[t]
  }
  here[tokens[tokens.length - 1]] = value
  return doc
}

/** Runs one case; returns the error as the table writes it (or what went wrong). */
function runCase(c, engine, manifest, dir, n) {
  const value = build(c.value)
  try {
    if (c.arg === 'manifest') engine.evaluate(place(structuredClone(manifest), c.at, value), { now: table.now })
    else if (c.arg === 'approvals') {
      const approval = { id: 'a', app: 'hr-onboarding', approver: 'x@acme.example', roles: ['security'] }
      engine.evaluate(manifest, { now: table.now, approvals: place([approval], c.at, value) })
    } else if (c.arg === 'extra') engine.evaluate(manifest, { now: table.now, extra: place({}, c.at, value) })
    else if (c.arg === 'record') engine.redact(manifest, 'hris', place({}, c.at, value))
    else if (c.arg === 'event') {
      const log = AuditLog.open(join(dir, `${n}.jsonl`))
      try {
        log.append(place({ action: 'app.deploy' }, c.at, value))
      } finally {
        log.close()
      }
    } else return { unexpected: `unknown arg ${c.arg}` }
  } catch (err) {
    if (!(err instanceof Error) || typeof err.code !== 'string') return { unexpected: String(err) }
    return {
      isTypeError: err instanceof TypeError,
      code: err.code,
      message: err.message,
      problems: err.problems ?? [],
      field: err.field ?? null,
      cause: err.cause === undefined ? null : err.cause.constructor.name,
    }
  }
  return { unexpected: 'no error' }
}

function child() {
  const engine = new Engine()
  const manifest = readJson(table.manifest)
  const dir = mkdtempSync(join(tmpdir(), 'microgov-hostile-'))
  const out = {}
  try {
    cases.forEach((c, n) => { out[c.name] = runCase(c, engine, manifest, dir, n) })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  process.stdout.write(JSON.stringify(out))
}

if (process.argv.includes('--child')) {
  child()
} else {
  describe('one vocabulary for arguments', () => {
    const engine = new Engine()
    const manifest = readJson(table.manifest)
    const typeError = (code, what) => (err) => {
      assert.ok(err instanceof TypeError, 'a TypeError')
      assert.equal(err.code, code)
      assert.ok(err.message.startsWith(what), err.message)
      return true
    }

    test('string arguments refuse other types with ERR_INVALID_ARG_TYPE, not napi text', () => {
      const guard = engine.egressGuard(manifest)
      for (const bad of [42, 10n, {}, undefined, null, Symbol('u'), ['https://x.example']]) {
        assert.throws(() => engine.checkEgress(manifest, bad), typeError('ERR_INVALID_ARG_TYPE', 'url must be a string'))
        assert.throws(() => guard.check(bad), typeError('ERR_INVALID_ARG_TYPE', 'url must be a string'))
        assert.throws(() => engine.maskedFields(manifest, bad), typeError('ERR_INVALID_ARG_TYPE', 'connector must be a string'))
        assert.throws(() => engine.redact(manifest, bad, {}), typeError('ERR_INVALID_ARG_TYPE', 'connector must be a string'))
      }
    })

    test('a lone surrogate in a string argument is ERR_INVALID_ARG_VALUE, not a changed string', () => {
      const url = 'https://api.example/\ud800'
      assert.throws(() => engine.checkEgress(manifest, url), typeError('ERR_INVALID_ARG_VALUE', 'url holds a lone surrogate'))
      assert.throws(() => engine.egressGuard(manifest).check(url), typeError('ERR_INVALID_ARG_VALUE', 'url'))
      assert.throws(() => engine.maskedFields(manifest, 'hris\udc00'), typeError('ERR_INVALID_ARG_VALUE', 'connector'))
      // A U+FFFD the caller wrote is text like any other.
      assert.deepEqual(engine.maskedFields(manifest, 'hris\ufffd'), [])
    })

    test('a whole argument that is no plain object is a TypeError', () => {
      assert.throws(() => engine.evaluate(new Map()), typeError('ERR_INVALID_ARG_TYPE', 'manifest must be a plain object'))
      assert.throws(() => engine.evaluate(manifest, { extra: new Date() }), typeError('ERR_INVALID_ARG_TYPE', 'options.extra'))
    })

    test('a Date is an RFC 3339 time where the format has one, and refused elsewhere', () => {
      const dir = mkdtempSync(join(tmpdir(), 'microgov-dates-'))
      try {
        const log = AuditLog.open(join(dir, 'a.jsonl'))
        log.append({ action: 'app.deploy', ts: new Date('2026-11-26T10:00:00Z') })
        assert.throws(() => log.append({ action: 'app.deploy', attrs: { when: new Date() } }), (err) => {
          assert.equal(err.code, 'audit.bad_event')
          assert.equal(err.field, 'attrs')
          assert.deepEqual(err.problems.map((p) => [p.code, p.path]), [['audit.unsupported_type', '/attrs/when']])
          return true
        })
        assert.equal(log.recordCount, 1, 'the refused event was not written')
        log.close()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })

    test("the caller's own exception is the cause", () => {
      const boom = new RangeError('getter failed')
      const hostile = structuredClone(manifest)
      Object.defineProperty(hostile.spec, 'x', { enumerable: true, get() { throw boom } })
      assert.throws(() => engine.evaluate(hostile), (err) => {
        assert.equal(err.code, 'manifest.invalid')
        assert.equal(err.problems[0].code, 'manifest.raised')
        assert.equal(err.problems[0].path, '/spec/x')
        assert.equal(err.cause, boom)
        return true
      })
    })

    test('evaluateMany gives an unreadable item its error in its own slot', async () => {
      const items = [manifest, { ...manifest, spec: { ...manifest.spec, n: NaN } }, 42, manifest]
      for (const out of [engine.evaluateMany(items, { now: table.now }), await engine.evaluateManyAsync(items, { now: table.now })]) {
        assert.equal(out.length, 4)
        assert.equal(out[0].app, 'hr-onboarding')
        assert.ok(out[1] instanceof Error && out[1].code === 'manifest.invalid', String(out[1]))
        assert.deepEqual(out[1].problems.map((p) => [p.code, p.path]), [['manifest.not_finite', '/spec/n']])
        assert.ok(out[2] instanceof TypeError && out[2].code === 'ERR_INVALID_ARG_TYPE')
        assert.equal(out[3].app, 'hr-onboarding')
      }
    })
  })

  describe('hostile values', () => {
    let results
    before(() => {
      const text = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], { maxBuffer: 64 << 20 })
      results = JSON.parse(text)
    })

    test('the table has a hundred cases for Node', () => assert.ok(cases.length >= 100))

    for (const c of cases) {
      test(c.name, () => {
        const got = results[c.name]
        const want = c.error
        assert.equal(got.unexpected, undefined, got.unexpected)
        assert.equal(got.isTypeError, false, 'bad content is not a TypeError')
        assert.equal(got.code, want.code)
        assert.equal(got.problems.length, 1, JSON.stringify(got.problems))
        const [p] = got.problems
        assert.equal(p.code, want.problem)
        if (want.path !== undefined) assert.equal(p.path, want.path)
        else assert.ok(p.path.startsWith(want.path_prefix), p.path)
        if (want.message !== undefined) assert.equal(p.message, want.message)
        if (want.field !== undefined) assert.equal(got.field, want.field)
        assert.ok(got.message.length < 200 && !got.message.includes('\n'), got.message)
        assert.equal(got.cause !== null, want.problem.endsWith('.raised'), `cause: ${got.cause}`)
      })
    }
  })
}
