// Requests per second of a service that decides and records each request, by audit
// sync policy (issue 22 item 7): with group commit (`sync: 10`) a waiting append must
// not hold a libuv thread, so it should serve at least as many requests as
// `'every-record'`.
//
//   node benches/node/audit_sync.mjs            (the package's own build)
//   MICROGOV_NODE_BINDING=<path> node benches/node/audit_sync.mjs
//
// Each of CONCURRENCY request loops runs `evaluateAsync` then `appendDecisionAsync`
// for SECONDS per policy, the policies alternating twice so that a shared machine's
// load hits each alike. Speed is reported, never asserted: a human summary and one
// JSON line (prefix `RESULT `). BENCH_QUICK=1 for a short smoke run.
import { createRequire } from 'node:module'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..')
const require = createRequire(join(repo, 'bindings-node', 'package.json'))
const { Engine, AuditLog } = require(process.env.MICROGOV_NODE_BINDING ?? join(repo, 'bindings-node'))
const quick = process.env.BENCH_QUICK === '1'
const SECONDS = quick ? 0.5 : 3
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64)
const POLICIES = [['every-record', 'every-record'], ['sync: 10', 10]]

const engine = new Engine()
const manifest = readFileSync(join(repo, 'fixtures', 'apps', 'hr-onboarding.yaml'), 'utf8')
const now = '2026-11-26T10:00:00Z'

async function run(sync) {
  const dir = mkdtempSync(join(tmpdir(), 'microgov-bench-'))
  const log = AuditLog.open(join(dir, 'audit.jsonl'), { sync })
  let done = 0
  const end = performance.now() + SECONDS * 1000
  const loop = async () => {
    while (performance.now() < end) {
      const d = await engine.evaluateAsync(manifest, { now })
      await log.appendDecisionAsync(d, { tenant_id: 'acme', principal_id: 'svc', principal_type: 'service' })
      done++
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, loop))
  const seconds = (performance.now() - t0) / 1000
  log.close()
  rmSync(dir, { recursive: true, force: true })
  return done / seconds
}

const results = Object.fromEntries(POLICIES.map(([name]) => [name, []]))
for (let round = 0; round < 2; round++) {
  for (const [name, sync] of POLICIES) results[name].push(await run(sync))
}
const best = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.max(...v)]))
console.log(`cores ${availableParallelism()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ` +
  `UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 4}, ${CONCURRENCY} request loops, ${SECONDS} s each`)
for (const [name, runs] of Object.entries(results)) {
  console.log(`${name.padEnd(14)} ${runs.map((r) => r.toFixed(0).padStart(6)).join(' ')} requests/s (best ${best[name].toFixed(0)})`)
}
console.log(`RESULT ${JSON.stringify({ requests_per_s: results, best })}`)
