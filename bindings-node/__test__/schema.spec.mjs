// The one wire schema (core/docs/schema/, generated from the Rust types): the interfaces of
// index.d.ts declare exactly its properties, and what the module returns validates against it
// (as the Rust and Python suites check it).
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import { AuditLog, Engine, verifyAudit } from 'microgov'
import { fixtures, list, pkgDir, read, readJson, repo } from './helpers.mjs'

const schemaDir = join(repo, 'core', 'docs', 'schema')
const load = (file) => JSON.parse(readFileSync(join(schemaDir, file), 'utf8'))

// Each interface and the schema object it declares: [file] is the file's root, [file, def] one of its $defs.
const TYPED = {
  Decision: ['decision.json'],
  Risk: ['decision.json', 'Risk'],
  RiskFactor: ['decision.json', 'Factor'],
  Waived: ['decision.json', 'Waived'],
  RequiredApproval: ['decision.json', 'RequiredApproval'],
  ApprovalUse: ['decision.json', 'ApprovalUse'],
  Violation: ['violation.json'],
  Problem: ['problem.json'],
  Explanation: ['explanation.json'],
  ExplainedViolation: ['explanation.json', 'ExplainedViolation'],
  ExplainedApproval: ['explanation.json', 'ExplainedApproval'],
  RuleSite: ['explanation.json', 'RuleSite'],
  RuleMetadata: ['explanation.json', 'RuleMetadata'],
  Receipt: ['receipt.json'],
  VerifyReport: ['verify-report.json'],
  Checkpoint: ['verify-report.json', 'Checkpoint'],
}
// `Tamper` is flattened into the verify report, so it has no interface of its own.
const FLATTENED = new Set(['Tamper'])

/**
 * An object schema's property names, each with whether it is always present: the properties of
 * the object, of what it `$ref`s and of its `oneOf`/`anyOf` branches (a flattened enum), required
 * when required by the object or by every branch.
 */
const shape = (root, node) => {
  if (node.$ref) {
    const { $ref, ...rest } = node
    return { ...shape(root, root.$defs[$ref.split('/').pop()]), ...shape(root, rest) }
  }
  const out = Object.fromEntries(Object.keys(node.properties ?? {}).map((k) => [k, (node.required ?? []).includes(k)]))
  for (const key of ['oneOf', 'anyOf']) {
    const branches = (node[key] ?? []).filter((b) => b.type !== 'null').map((b) => shape(root, b))
    for (const name of new Set(branches.flatMap((b) => Object.keys(b)))) {
      out[name] = (out[name] ?? false) || branches.every((b) => b[name] === true)
    }
  }
  for (const part of node.allOf ?? []) {
    for (const [name, req] of Object.entries(shape(root, part))) out[name] = (out[name] ?? false) || req
  }
  return out
}

/**
 * The members of `export interface <name> { ... }` in a .d.ts, each with whether it is required
 * (no `?`): only the interface's own level (inline object types and comments are skipped).
 */
const declared = (dts, name) => {
  const start = dts.search(new RegExp(`^export interface ${name} \\{`, 'm'))
  assert.ok(start >= 0, `index.d.ts declares no interface ${name}`)
  const body = dts.slice(dts.indexOf('{', start) + 1)
  const out = {}
  let depth = 0
  for (const raw of body.split('\n')) {
    const line = raw.replace(/\/\*.*?\*\/|\/\/.*$/g, '').trim()
    if (depth === 0 && line.startsWith('}')) break
    const m = depth === 0 && /^([A-Za-z_$][\w$]*)(\?)?:/.exec(line)
    if (m) out[m[1]] = !m[2]
    for (const c of line) depth += c === '{' ? 1 : c === '}' ? -1 : 0
  }
  return out
}

describe('index.d.ts against core/docs/schema', () => {
  const dts = readFileSync(join(pkgDir, 'index.d.ts'), 'utf8')
  for (const [name, [file, def]] of Object.entries(TYPED)) {
    test(name, () => {
      const root = load(file)
      assert.deepEqual(declared(dts, name), shape(root, def ? root.$defs[def] : root))
    })
  }

  test('every schema object has an interface', () => {
    // A type is one definition in every file that uses it, so its name identifies it.
    const names = new Set(Object.values(TYPED).map(([file, def]) => def ?? load(file).title))
    for (const file of readdirSync(schemaDir).filter((f) => f.endsWith('.json'))) {
      const root = load(file)
      assert.ok(names.has(root.title), file)
      for (const [def, node] of Object.entries(root.$defs ?? {})) {
        if (node.properties && !FLATTENED.has(def)) assert.ok(names.has(def), `${file}: ${def}`)
      }
    }
  })
})

describe('outputs validate against core/docs/schema', () => {
  const ajv = new Ajv2020({ allErrors: true })
  // schemars' integer formats: the `minimum` next to them already says what they mean.
  for (const f of ['uint', 'uint32', 'uint64']) ajv.addFormat(f, true)
  const validator = (file) => ajv.compile(load(file))
  const assertValid = (validate, doc, what) => assert.ok(validate(doc), `${what}: ${ajv.errorsText(validate.errors)}`)
  const engine = new Engine()
  const expected = readJson('apps', 'expected.json')

  test('every fixture decision and explanation', () => {
    const [decision, explanation] = [validator('decision.json'), validator('explanation.json')]
    for (const [file, want] of Object.entries(expected.apps)) {
      const opts = { now: expected.now }
      if (want.approvals_file) opts.approvals = read('approvals', want.approvals_file)
      const text = read('apps', file)
      assertValid(decision, engine.evaluate(text, opts), file)
      assertValid(explanation, engine.explain(text, opts), file)
    }
    const broken = { ...engine.evaluate(read('apps', 'hr-onboarding.yaml'), { now: expected.now }), outcome: 'maybe' }
    assert.equal(decision(broken), false)
  })

  test('every problem of the invalid fixtures', () => {
    const problem = validator('problem.json')
    let seen = 0
    for (const file of list('invalid')) {
      for (const p of engine.validate(read('invalid', file))) {
        assertValid(problem, p, file)
        seen += 1
      }
    }
    assert.ok(seen > 0)
  })

  test('verify reports and receipts', () => {
    const report = validator('verify-report.json')
    const statuses = new Set()
    for (const file of list('audit').filter((f) => f.endsWith('.jsonl'))) {
      const r = verifyAudit(join(fixtures, 'audit', file))
      assertValid(report, r, file)
      statuses.add(r.status)
    }
    assert.ok(statuses.has('intact') && statuses.has('tampered'), [...statuses].join())
    const log = AuditLog.open(join(mkdtempSync(join(tmpdir(), 'microgov-schema-')), 'audit.jsonl'), { logId: 'acme.example/audit' })
    assertValid(validator('receipt.json'), log.append({ action: 'app.register', app_id: 'x' }), 'receipt')
    log.close()
  })
})
