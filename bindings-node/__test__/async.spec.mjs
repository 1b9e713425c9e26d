// evaluateAsync runs on the libuv pool: the event loop stays free.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Engine } from 'microgov'
import { read } from './helpers.mjs'

const engine = new Engine()
const now = '2026-11-26T10:00:00Z'
const manifests = ['hr-onboarding.yaml', 'crm-data-extractor.yaml', 'readonly-dashboard.yaml', 'expense-approver.yaml'].map((f) => read('apps', f))
const objects = [JSON.parse(read('apps', 'hr-onboarding.json'))]

test('a timer keeps firing during 1,000 concurrent evaluateAsync calls', async () => {
  const N = 1000
  let settled = 0
  const ticksWhileBusy = []
  const timer = setInterval(() => {
    if (settled > 0 && settled < N) ticksWhileBusy.push(settled)
  }, 1)
  try {
    const all = []
    for (let i = 0; i < N; i++) {
      const m = i % 5 === 4 ? objects[0] : manifests[i % manifests.length]
      all.push(engine.evaluateAsync(m, { now }).then((d) => { settled++; return d }))
    }
    const decisions = await Promise.all(all)
    assert.equal(decisions.length, N)
    assert.deepEqual(new Set(decisions.map((d) => d.app)), new Set(['hr-onboarding', 'crm-data-extractor', 'readonly-dashboard', 'expense-approver']))
    assert.equal(new Set(decisions.map((d) => d.decision_id)).size, N)
  } finally {
    clearInterval(timer)
  }
  console.log(`timer ticks while busy: ${ticksWhileBusy.length}, distinct progress points: ${new Set(ticksWhileBusy).size}`)
  // The timer ran between results: the loop was never held for the whole batch.
  assert.ok(ticksWhileBusy.length >= 3, `timer fired only ${ticksWhileBusy.length} times while evaluations were pending`)
  assert.ok(new Set(ticksWhileBusy).size >= 2, 'timer fired at several stages of the batch')
})

test('the synchronous evaluate holds the loop (the contrast the test above relies on)', async () => {
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 1)
  const until = Date.now() + 30
  while (Date.now() < until) engine.evaluate(manifests[0], { now })
  clearInterval(timer)
  assert.equal(ticks, 0)
})

test('evaluateAsync gives the same decision as evaluate', async () => {
  const opts = { now, decisionId: 'same' }
  for (const m of [...manifests, ...objects]) assert.deepEqual(await engine.evaluateAsync(m, opts), engine.evaluate(m, opts))
})

test('evaluateAsync rejects with coded errors', async () => {
  await assert.rejects(engine.evaluateAsync('kind: MicroApp'), (err) => err instanceof Error && err.code === 'manifest.invalid' && err.problems.length > 0)
  await assert.rejects(engine.evaluateAsync(manifests[0], { approvals: [{ id: 1 }] }), (err) => err.code === 'manifest.invalid')
  // Argument errors are thrown at the call, before any work is queued.
  assert.throws(() => engine.evaluateAsync(42), (err) => err instanceof TypeError && err.code === 'ERR_INVALID_ARG_TYPE')
})

test('evaluateManyAsync matches evaluateMany', async () => {
  const batch = [...manifests, 'bad: [', ...objects]
  const opts = { now, decisionId: 'batch' }
  const a = await engine.evaluateManyAsync(batch, opts)
  const b = engine.evaluateMany(batch, opts)
  assert.equal(a.length, batch.length)
  assert.ok(a[4] instanceof Error && a[4].code === 'manifest.invalid')
  assert.deepEqual(a.filter((x) => !(x instanceof Error)), b.filter((x) => !(x instanceof Error)))
})
