// The API's behaviour: inputs, outputs, options and errors.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import YAML from 'yaml'
import { Engine, PreparedApp } from 'microgov'
import { fixtures, read, tableData } from './helpers.mjs'

const { __panicForTesting, __panicForTestingAsync } = createRequire(import.meta.url)('microgov')
const engine = new Engine({ data: tableData })
const now = '2026-11-26T10:00:00Z'
const fixed = { now, decisionId: '0193a1b2-0000-7000-8000-000000000001' }
const hrJson = read('apps', 'hr-onboarding.json')
const hrYaml = read('apps', 'hr-onboarding.yaml')

const codeOf = (code) => (err) => {
  assert.ok(err instanceof Error, 'an Error')
  assert.equal(err.code, code)
  return true
}

describe('decisions', () => {
  test('a decision is a plain object with the snake_case keys of core/docs/decision.md', () => {
    const d = engine.evaluate(hrYaml, fixed)
    assert.equal(Object.getPrototypeOf(d), Object.prototype)
    for (const key of ['decision_id', 'app', 'outcome', 'tier', 'risk', 'violations', 'waived', 'warnings', 'required_approvals', 'obligations', 'approvals', 'policy_revisions', 'input_digest', 'evaluated_at']) {
      assert.ok(key in d, `decision lacks ${key}`)
    }
    assert.equal(d.decision_id, fixed.decisionId)
    assert.equal(d.evaluated_at, now)
    assert.match(d.input_digest, /^sha256:[0-9a-f]{64}$/)
    assert.ok(['allow', 'review', 'deny'].includes(d.outcome))
    const v = d.violations[0]
    for (const key of ['policy', 'rule', 'severity', 'message']) assert.equal(typeof v[key], 'string')
    assert.deepEqual(JSON.parse(JSON.stringify(d)), d)
  })

  test('with now and decisionId fixed, a decision is deterministic', () => {
    assert.deepEqual(engine.evaluate(hrYaml, fixed), engine.evaluate(hrYaml, fixed))
  })

  test('without options, the id is a fresh UUID v7 and the time is the clock', () => {
    const a = engine.evaluate(hrYaml)
    const b = engine.evaluate(hrYaml)
    assert.notEqual(a.decision_id, b.decision_id)
    assert.match(a.decision_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/)
    assert.ok(Math.abs(Date.parse(a.evaluated_at) - Date.now()) < 60_000)
  })

  test('an object, its JSON text and its YAML text give the same decision', () => {
    const fromText = engine.evaluate(hrJson, fixed)
    assert.deepEqual(engine.evaluate(JSON.parse(hrJson), fixed), fromText)
    assert.deepEqual(engine.evaluate(hrYaml, fixed), fromText)
  })

  test('Date values in a manifest object are read as RFC 3339 times', () => {
    const m = JSON.parse(hrJson)
    const withDates = structuredClone(m)
    withDates.metadata.createdAt = new Date(m.metadata.createdAt)
    if (m.metadata.expiresAt) withDates.metadata.expiresAt = new Date(m.metadata.expiresAt)
    const a = engine.evaluate(withDates, fixed)
    const b = engine.evaluate(m, fixed)
    assert.equal(a.tier, b.tier)
    assert.deepEqual(a.violations, b.violations)
  })

  test('now may be a Date', () => {
    assert.deepEqual(engine.evaluate(hrYaml, { ...fixed, now: new Date(now) }), engine.evaluate(hrYaml, fixed))
  })

  test('approvals as objects or as text; a valid exception waives its violation', () => {
    const text = read('approvals', 'hr-onboarding.yaml')
    const before = engine.evaluate(hrYaml, fixed)
    assert.ok(before.violations.some((v) => v.rule === 'cross_border_transfer'))
    const after = engine.evaluate(hrYaml, { ...fixed, approvals: text })
    assert.ok(!after.violations.some((v) => v.rule === 'cross_border_transfer'))
    const waived = after.waived.find((w) => w.violation.rule === 'cross_border_transfer')
    assert.equal(waived.approval_id, 'exc-3')
    assert.equal(after.violations.length, before.violations.length - 1)
    const objects = [
      { id: 'apr-x', app: 'hr-onboarding', approver: 'sec.lead@acme.example', roles: ['security'], grantedAt: new Date('2026-11-20T00:00:00Z'), expiresAt: '2027-02-20T00:00:00Z' },
    ]
    const d = engine.evaluate(hrYaml, { ...fixed, approvals: objects })
    assert.deepEqual(d.approvals, [{ id: 'apr-x', status: 'valid' }])
  })

  test('extra context reaches the policies without changing a bundled decision', () => {
    const d = engine.evaluate(hrYaml, { ...fixed, extra: { ticket: 'SEC-1' } })
    assert.equal(d.outcome, engine.evaluate(hrYaml, fixed).outcome)
    assert.deepEqual(engine.explain(hrYaml, { ...fixed, extra: { ticket: 'SEC-1' } }).input.context.extra, { ticket: 'SEC-1' })
  })

  test('explain names the rule behind each violation', () => {
    const x = engine.explain(hrYaml, fixed)
    assert.deepEqual(x.decision, engine.evaluate(hrYaml, fixed))
    assert.equal(x.violations.length, x.decision.violations.length)
    const site = x.violations[0].source
    assert.ok(site.file.endsWith('.rego'))
    assert.ok(site.line > 0)
  })

  test('policyRevisions lists the bundled policy bundles', () => {
    // Bundles only: an engine with host data also names that data in each decision.
    const bundled = new Engine()
    const revs = bundled.policyRevisions
    assert.ok(Object.keys(revs).length >= 1)
    const d = bundled.evaluate(hrYaml, fixed)
    for (const name of Object.keys(d.policy_revisions)) assert.equal(revs[name], d.policy_revisions[name])
  })
})

describe('evaluateMany', () => {
  test('one result per manifest, in order; an invalid one is an Error in its place', () => {
    const good = ['readonly-dashboard.yaml', 'hr-onboarding.yaml', 'expense-approver.yaml'].map((f) => read('apps', f))
    const out = engine.evaluateMany([good[0], 'not: [valid', JSON.parse(hrJson), good[2]], fixed)
    assert.equal(out.length, 4)
    assert.deepEqual(out[0], engine.evaluate(good[0], fixed))
    assert.ok(out[1] instanceof Error)
    assert.equal(out[1].code, 'manifest.invalid')
    assert.equal(out[1].problems[0].code, 'manifest.syntax')
    assert.deepEqual(out[2], engine.evaluate(good[1], fixed))
    assert.deepEqual(out[3], engine.evaluate(good[2], fixed))
  })

  test('an empty batch gives an empty array', () => {
    assert.deepEqual(engine.evaluateMany([]), [])
  })

  test('invalid shared options fail the whole call', () => {
    assert.throws(() => engine.evaluateMany([hrYaml], { approvals: 'nope: [' }), codeOf('manifest.invalid'))
    assert.throws(() => engine.evaluateMany(hrYaml), codeOf('ERR_INVALID_ARG_TYPE'))
  })
})

describe('validate', () => {
  test('a valid manifest has no problems', () => {
    assert.deepEqual(engine.validate(hrYaml), [])
    assert.deepEqual(engine.validate(JSON.parse(hrJson)), [])
  })

  test('problems carry code, path and message', () => {
    const m = JSON.parse(hrJson)
    m.spec.connectors[0].region = 'eu-wst-1'
    delete m.metadata.owner
    const problems = engine.validate(m)
    assert.ok(problems.length >= 2)
    for (const p of problems) assert.deepEqual(Object.keys(p).sort(), ['code', 'message', 'path'])
    assert.ok(problems.some((p) => p.path === '/spec/connectors/0/region'))
    assert.ok(problems.some((p) => p.path === '/metadata/owner' && p.code === 'manifest.missing_field'))
  })
})

describe('parse', () => {
  test('gives the manifest after defaults', () => {
    const m = JSON.parse(hrJson)
    delete m.metadata.expiresAt
    const parsed = engine.parse(m)
    assert.equal(parsed.metadata.name, 'hr-onboarding')
    const days = (Date.parse(parsed.metadata.expiresAt) - Date.parse(m.metadata.createdAt)) / 86_400_000
    assert.equal(days, 90)
    assert.throws(() => engine.parse('kind: MicroApp'), codeOf('manifest.invalid'))
  })
})

describe('errors', () => {
  test('manifest errors carry every problem', () => {
    assert.throws(() => engine.evaluate('apiVersion: microgov.dev/v1\nkind: MicroApp\n'), (err) => {
      assert.ok(err instanceof Error)
      assert.equal(err.code, 'manifest.invalid')
      assert.ok(Array.isArray(err.problems) && err.problems.length > 0)
      assert.match(err.message, /invalid manifest/)
      return true
    })
  })

  test('invalid approvals are manifest.invalid with paths into the approvals', () => {
    assert.throws(() => engine.evaluate(hrYaml, { approvals: [{ id: 'a' }] }), (err) => {
      assert.equal(err.code, 'manifest.invalid')
      assert.ok(err.problems.some((p) => p.path.startsWith('/0/')))
      return true
    })
  })

  test('wrong argument types are TypeErrors with Node codes', () => {
    for (const bad of [undefined, null, 42, true, () => {}]) {
      assert.throws(() => engine.evaluate(bad), (err) => err instanceof TypeError && err.code === 'ERR_INVALID_ARG_TYPE')
    }
    assert.throws(() => engine.evaluate(hrYaml, 'now'), codeOf('ERR_INVALID_ARG_TYPE'))
    assert.throws(() => engine.evaluate(hrYaml, { now: 17 }), codeOf('ERR_INVALID_ARG_TYPE'))
    assert.throws(() => engine.evaluate(hrYaml, { now: 'yesterday' }), codeOf('ERR_INVALID_ARG_VALUE'))
    assert.throws(() => engine.evaluate(hrYaml, { now: new Date(NaN) }), codeOf('ERR_INVALID_ARG_VALUE'))
    assert.throws(() => engine.evaluate(hrYaml, { nwo: now }), codeOf('ERR_INVALID_ARG_VALUE'))
    // A manifest holding itself is bad content, not a wrong type (issue 23).
    const cyclic = JSON.parse(hrJson)
    cyclic.spec.self = cyclic
    assert.throws(() => engine.evaluate(cyclic), (err) => {
      assert.equal(err.code, 'manifest.invalid')
      assert.deepEqual(err.problems.map((p) => [p.code, p.path]), [['manifest.cycle', '/spec/self']])
      return true
    })
    assert.throws(() => new Engine({ policyDir: ['x'] }), codeOf('ERR_INVALID_ARG_VALUE'))
    assert.throws(() => new Engine({ policyDirs: 'x' }), codeOf('ERR_INVALID_ARG_TYPE'))
  })

  test('a missing policy folder is policy.io naming the folder', () => {
    assert.throws(() => new Engine({ policyDirs: ['/nonexistent/microgov-policies'] }), (err) => {
      assert.equal(err.code, 'policy.io')
      assert.equal(err.file, '/nonexistent/microgov-policies')
      return true
    })
  })

  test('a panic inside Rust becomes an Error, and the process carries on', async () => {
    assert.throws(() => __panicForTesting('boom'), (err) => err instanceof Error && err.code === 'internal' && /boom/.test(err.message))
    await assert.rejects(__panicForTestingAsync('async boom'), (err) => err instanceof Error && err.code === 'internal' && /async boom/.test(err.message))
    assert.equal(engine.evaluate(hrYaml, fixed).app, 'hr-onboarding')
  })
})

describe('host policies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'microgov-node-'))
  const write = (rel, text) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true })
    writeFileSync(join(dir, rel), text)
  }
  write('team/team.rego', `package acme.team

import rego.v1

# METADATA
# title: Purpose required
# custom:
#   severity: medium
#   remediation: Say what the app is for.
violation contains v if {
\tnot input.app.spec.purpose
\tv := {"rule": "purpose_required", "message": "app has no purpose", "path": "/spec/purpose"}
}

violation contains v if {
\tsome host in input.app.spec.egress
\tcontains(host, data.acme.blocked)
\tv := {"rule": "blocked_host", "message": sprintf("egress to %s", [host]), "path": "/spec/egress"}
}
`)
  write('team/data.json', JSON.stringify({ acme: { blocked: 'example.invalid' } }))
  write('broken/broken.rego', 'package acme.broken\n\nimport rego.v1\n\nviolation contains v if {\n\tv := \n}\n')
  test.after(() => rmSync(dir, { recursive: true, force: true }))

  test('a policy folder adds its violations; data overrides its data', () => {
    const m = JSON.parse(hrJson)
    delete m.spec.purpose
    m.spec.egress = ['https://api.example.invalid']
    const e = new Engine({ policyDirs: [join(dir, 'team')] })
    const rules = e.evaluate(m, fixed).violations.map((v) => v.rule)
    assert.ok(rules.includes('purpose_required'))
    assert.ok(rules.includes('blocked_host'))
    const v = e.evaluate(m, fixed).violations.find((v) => v.rule === 'purpose_required')
    assert.equal(v.severity, 'medium')
    assert.equal(v.path, '/spec/purpose')
    const relaxed = new Engine({ policyDirs: [join(dir, 'team')], data: { acme: { blocked: 'nothing-matches' } } })
    assert.ok(!relaxed.evaluate(m, fixed).violations.some((v) => v.rule === 'blocked_host'))
  })

  test('a policy that does not parse is policy.parse with file and line', () => {
    assert.throws(() => new Engine({ policyDirs: [join(dir, 'broken')] }), (err) => {
      assert.equal(err.code, 'policy.parse')
      assert.match(err.file, /broken\.rego$/)
      assert.equal(typeof err.line, 'number')
      const [first, source, caret] = err.message.split('\n')
      assert.ok(first.startsWith(`${err.file}:${err.line}:`), first)
      assert.ok(source.startsWith(`  ${err.line} | `), source)
      assert.match(caret, /\|\s*\^$/)
      return true
    })
  })

  test('a team package inside a bundled root is policy.bundled_package naming both files', () => {
    const team = join(fixtures, 'policies', 'claims-pii')
    assert.throws(() => new Engine({ policyDirs: [team] }), (err) => {
      assert.equal(err.code, 'policy.bundled_package')
      assert.equal(err.file, join(team, 'pii_extra.rego'))
      assert.equal(err.line, 4)
      assert.ok(err.message.includes('policy-bundles/pii/pii.rego'), err.message)
      return true
    })
  })
})

describe('prepared apps', () => {
  const apps = readdirSync(join(fixtures, 'apps')).filter((f) => f.endsWith('.yaml'))

  test('every app fixture prepared decides as its text does', async () => {
    assert.ok(apps.length >= 10)
    for (const file of apps) {
      const text = read('apps', file)
      const prepared = engine.prepare(text)
      assert.ok(prepared instanceof PreparedApp)
      assert.deepEqual(engine.evaluate(prepared, fixed), engine.evaluate(text, fixed), file)
      assert.deepEqual(await engine.evaluateAsync(prepared, fixed), engine.evaluate(text, fixed), file)
    }
  })

  test('a prepared app goes wherever a manifest goes', () => {
    const prepared = engine.prepare(hrYaml)
    const approvals = read('approvals', 'hr-onboarding.yaml')
    assert.equal(prepared.name, 'hr-onboarding')
    assert.deepEqual(engine.evaluate(prepared, { ...fixed, approvals }), engine.evaluate(hrYaml, { ...fixed, approvals }))
    assert.deepEqual(engine.validate(prepared), [])
    assert.deepEqual(engine.parse(prepared), engine.parse(hrYaml))
    assert.deepEqual(JSON.parse(JSON.stringify(prepared)), engine.parse(hrYaml))
    assert.deepEqual(engine.checkEgress(prepared, 'https://evil.example/'), engine.checkEgress(hrYaml, 'https://evil.example/'))
    assert.deepEqual(engine.lifecycle(prepared, now), engine.lifecycle(hrYaml, now))
    assert.deepEqual(engine.explain(prepared, fixed).decision, engine.explain(hrYaml, fixed).decision)
    const many = engine.evaluateMany([prepared, read('apps', 'expense-approver.yaml')], fixed)
    assert.deepEqual(many.map((d) => d.app), ['hr-onboarding', 'expense-approver'])
    assert.deepEqual(engine.prepare(prepared).name, 'hr-onboarding')
    // Prepared by another engine: still right (the core decides from the manifest).
    assert.deepEqual(new Engine({ data: tableData }).evaluate(prepared, fixed), engine.evaluate(hrYaml, fixed))
  })

  test('an invalid manifest cannot be prepared', () => {
    assert.throws(() => engine.prepare(read('invalid', 'ten-mistakes.yaml')), (e) => e.code === 'manifest.invalid' && e.problems.length >= 10)
  })
})

describe('problem positions', () => {
  test('problems in text carry the line of their mistake; an object has no lines', () => {
    const text = read('invalid', 'ten-mistakes.yaml')
    const marked = new Set(text.split('\n').flatMap((l, i) => (l.includes('# mistake') ? [i + 1] : [])))
    assert.equal(marked.size, 10)
    const problems = engine.validate(text)
    assert.deepEqual(new Set(problems.map((p) => p.line)), marked)
    assert.ok(problems.every((p) => p.column >= 1))
    assert.throws(() => engine.evaluate(text, fixed), (e) => e.code === 'manifest.invalid' && new Set(e.problems.map((p) => p.line)).size === 10)
    const fromObject = engine.validate(YAML.parse(text))
    assert.ok(fromObject.every((p) => !('line' in p) && !('column' in p)))
    assert.deepEqual(fromObject.map((p) => [p.code, p.path]), problems.map((p) => [p.code, p.path]))
    assert.throws(() => engine.evaluate(YAML.parse(text), fixed), (e) => e.problems.every((p) => !('line' in p)))
  })
})
