// appendAsync under group commit (`sync: <ms>`, issue 22 item 7): a waiting append holds
// no libuv thread, so other async work goes on while appends wait for their round.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditLog, Engine, verifyAudit } from 'microgov'
import { read } from './helpers.mjs'

const engine = new Engine()
const hr = read('apps', 'hr-onboarding.yaml')

test('appends waiting for a 300 ms round leave the libuv pool free', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'microgov-group-'))
  try {
    const log = AuditLog.open(join(dir, 'a.jsonl'), { sync: 300 })
    const order = []
    // More waiting appends than the pool has threads (4 by default).
    const appends = Array.from({ length: 16 }, (_, i) =>
      log.appendAsync({ action: 'app.deploy', attrs: { i } }).then((r) => { order.push('append'); return r }))
    const decided = engine.evaluateAsync(hr, { now: '2026-11-26T10:00:00Z' }).then((d) => { order.push('evaluate'); return d })
    const [receipts, decision] = await Promise.all([Promise.all(appends), decided])
    assert.equal(decision.app, 'hr-onboarding')
    assert.equal(order[0], 'evaluate', 'the evaluation did not wait for the appends\' round')
    assert.deepEqual(receipts.map((r) => r.seq), [...Array(16).keys()])
    assert.ok(log.durableCount >= 16, 'every resolved append is durable')
    // A second wave after the first round gets a round of its own.
    const more = await Promise.all([log.appendAsync({ action: 'app.deploy' }), log.appendAsync({ action: 'app.deploy' })])
    assert.deepEqual(more.map((r) => r.seq), [16, 17])
    log.close()
    assert.equal(verifyAudit(join(dir, 'a.jsonl')).records, 18)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('appends pending when the log closes are acknowledged (close makes them durable)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'microgov-group-'))
  try {
    const log = AuditLog.open(join(dir, 'a.jsonl'), { sync: 200 })
    const pending = [log.appendAsync({ action: 'app.deploy' }), log.appendAsync({ action: 'app.retire' })]
    log.close()
    const receipts = await Promise.all(pending)
    assert.deepEqual(receipts.map((r) => r.seq), [0, 1])
    await assert.rejects(log.appendAsync({ action: 'app.deploy' }), (err) => err.code === 'audit.closed')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
