// The shared table of errors (fixtures/errors/expected.json): the same bad input gives
// the same code, message and fields here as in the Python binding
// (bindings-python/tests/test_error_table.py reads the same table).
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditLog, Engine } from 'microgov'
import { fixtures, list, read, readJson } from './helpers.mjs'

const table = readJson('errors', 'expected.json')
const FIELDS = ['problems', 'file', 'line', 'seq', 'kind', 'field']
const engine = new Engine()

/** The error as the table writes it: code, message and the fields that are set. */
function shape(err, log) {
  const norm = (v) => (log && typeof v === 'string' ? v.split(log).join('{file}') : v)
  const out = { code: err.code, message: norm(err.message) }
  for (const name of FIELDS) {
    if (err[name] !== undefined && err[name] !== null) out[name] = norm(err[name])
  }
  return out
}

/** Runs a case and returns the error it throws, and the log path it used. */
function run(c, dir) {
  const log = join(dir, 'audit.jsonl')
  const isAudit = Object.keys(c).some((k) => k.startsWith('audit_'))
  let manifest = read(table.manifest)
  let approvals
  if (c.manifest_file) manifest = read(c.manifest_file)
  if (c.manifest_value) manifest = c.manifest_value
  if (c.approvals_file) approvals = read(c.approvals_file)
  if (c.approvals_value) approvals = c.approvals_value
  if (c.approvals_text) approvals = c.approvals_text
  try {
    if (c.audit_open) {
      copyFileSync(join(fixtures, c.audit_open), log)
      AuditLog.open(log)
    } else if (c.audit_append) {
      const audit = AuditLog.open(log)
      try {
        audit.append(c.audit_append)
      } finally {
        audit.close()
      }
    } else if (c.audit_open_twice) {
      const audit = AuditLog.open(log)
      try {
        AuditLog.open(log)
      } finally {
        audit.close()
      }
    } else {
      engine.evaluate(manifest, approvals === undefined ? { now: table.now } : { now: table.now, approvals })
    }
  } catch (err) {
    return [err, isAudit ? log : undefined]
  }
  assert.fail(`${c.name}: no error`)
}

describe('fixtures/errors/expected.json', () => {
  for (const c of table.cases) {
    test(c.name, () => {
      const dir = mkdtempSync(join(tmpdir(), 'microgov-errors-'))
      try {
        const [err, log] = run(c, dir)
        assert.ok(err instanceof Error)
        assert.deepEqual(shape(err, log), c.error)
        assert.ok(!err.message.includes('\n') && !err.message.endsWith('.'))
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  }

  test('the table covers every invalid manifest', () => {
    const named = table.cases.filter((c) => c.manifest_file).map((c) => c.manifest_file.replace(/^invalid\//, ''))
    assert.deepEqual(named.sort(), list('invalid'))
  })
})
