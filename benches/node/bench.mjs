// Node binding benchmarks, beside the Rust ones (benches/benches/engine.rs).
//
//   cd bindings-node && npm run bench
//
// builds the addon in release mode into target/napi-release and runs this
// script. It measures
//   1. evaluate(object) on fixtures/bench/typical.yaml: median per call,
//      against the Rust median of `decision/microgov_typical` from
//      target/criterion (run `cargo bench -p microgov-benches --bench engine`
//      first to have it);
//   2. 1,000 concurrent evaluateAsync calls against 1,000 sequential evaluate
//      calls: throughput ratio.
// Speed is reported, never asserted (STYLE.md). Output: a human summary and
// one JSON line (prefix `RESULT `) for scripts.
//
// Environment: MICROGOV_NODE_BINDING=<path to a .node or the package> to
// measure another build; BENCH_QUICK=1 for a short smoke run.
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..')
const pkg = join(repo, 'bindings-node')
const require = createRequire(join(pkg, 'package.json'))
const quick = process.env.BENCH_QUICK === '1'

// The release build from `npm run bench`; the package's own (maybe debug) build otherwise.
const releaseAddon = join(repo, 'target', 'napi-release', 'microgov.linux-x64-gnu.node')
const bindingPath = process.env.MICROGOV_NODE_BINDING ?? (existsSync(releaseAddon) ? releaseAddon : pkg)
const { Engine } = require(bindingPath)
const YAML = require('yaml')

/** The typical manifest: the lead's fixture, or one of the same shape. */
function typicalManifest() {
  const file = join(repo, 'fixtures', 'bench', 'typical.yaml')
  if (existsSync(file)) return { source: relative(repo, file), manifest: YAML.parse(readFileSync(file, 'utf8')) }
  // 10 connectors, 20 datasets, 60 fields, 10 egress hosts.
  const datasets = Array.from({ length: 20 }, (_, i) => ({
    name: `ds${String(i).padStart(2, '0')}`,
    classification: ['internal', 'confidential', 'restricted'][i % 3],
    residency: 'EU',
    encryption: i % 2 ? 'byok' : 'platform',
    retentionDays: 180 + i,
    fields: [{ name: `employee_email_${i}`, categories: ['pii'] }, { name: `amount_${i}` }, { name: `cost_center_${i}` }],
  }))
  const connectors = Array.from({ length: 10 }, (_, i) => ({
    name: `c${i}`,
    type: 'api',
    endpoint: `https://svc${i}.internal.acme.example`,
    region: 'aws:eu-west-1',
    access: i % 3 ? 'read' : 'write',
    datasets: [datasets[2 * i].name, datasets[2 * i + 1].name],
    secretRef: `vault://secret/c${i}`,
  }))
  const manifest = {
    apiVersion: 'microgov.dev/v1',
    kind: 'MicroApp',
    metadata: { name: 'typical-ops-portal', owner: 'jane.doe@acme.example', department: 'operations', tenant: 'acme', createdAt: '2026-11-01T09:00:00Z', expiresAt: '2027-01-30T09:00:00Z' },
    spec: {
      template: 'ops-portal@3.2.0',
      purpose: 'Benchmark manifest of typical size',
      builtBy: 'ai-assistant',
      environment: 'production',
      auth: { sso: 'oidc', mfa: true, localAccounts: false, roles: ['viewer', 'operator'] },
      datasets,
      connectors,
      egress: Array.from({ length: 10 }, (_, i) => `https://api${i}.partner.example`),
    },
  }
  return { source: 'generated (fixtures/bench/typical.yaml absent)', manifest }
}

/** Median of `decision/microgov_typical` in target/criterion, in ns. */
function rustMedianNs() {
  const file = join(repo, 'target', 'criterion', 'decision', 'microgov_typical', 'new', 'estimates.json')
  if (!existsSync(file)) return null
  return { ns: JSON.parse(readFileSync(file, 'utf8')).median.point_estimate, file: relative(repo, file) }
}

const nowNs = () => process.hrtime.bigint()
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]
const us = (ns) => (ns / 1000).toFixed(1)

function perCall(fn, n) {
  const times = new Array(n)
  for (let i = 0; i < n; i++) {
    const t = nowNs()
    fn()
    times[i] = Number(nowNs() - t)
  }
  return { median: median(times), p10: pct(times, 10), p90: pct(times, 90) }
}

async function main() {
  const engine = new Engine()
  const { source, manifest } = typicalManifest()
  const text = JSON.stringify(manifest)
  const yamlText = YAML.stringify(manifest)
  const opts = { now: '2026-11-26T10:00:00Z', decisionId: 'bench' }
  const check = engine.evaluate(manifest, opts)
  const iters = quick ? 300 : 5000

  // Warm up V8, the allocator and the engine's VM pool.
  for (let i = 0; i < (quick ? 100 : 2000); i++) engine.evaluate(manifest, opts)

  const obj = perCall(() => engine.evaluate(manifest, opts), iters)
  const json = perCall(() => engine.evaluate(text, opts), iters)
  const yaml = perCall(() => engine.evaluate(yamlText, opts), iters)
  const validate = perCall(() => engine.validate(manifest), iters)
  const rust = rustMedianNs()

  // Throughput: 1,000 sequential evaluate vs 1,000 concurrent evaluateAsync.
  const N = 1000
  const rounds = quick ? 2 : 7
  const seq = []
  const conc = []
  for (let r = 0; r < rounds; r++) {
    let t = nowNs()
    for (let i = 0; i < N; i++) engine.evaluate(manifest, opts)
    seq.push(Number(nowNs() - t))
    t = nowNs()
    const all = new Array(N)
    for (let i = 0; i < N; i++) all[i] = engine.evaluateAsync(manifest, opts)
    await Promise.all(all)
    conc.push(Number(nowNs() - t))
  }
  const seqOps = N / (median(seq) / 1e9)
  const concOps = N / (median(conc) / 1e9)

  const result = {
    node: process.version,
    cores: availableParallelism(),
    uv_threadpool_size: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    binding: relative(repo, bindingPath) || bindingPath,
    manifest: source,
    manifest_json_bytes: text.length,
    outcome: check.outcome,
    evaluate_object_median_us: +us(obj.median),
    evaluate_object_p10_us: +us(obj.p10),
    evaluate_object_p90_us: +us(obj.p90),
    evaluate_json_text_median_us: +us(json.median),
    evaluate_yaml_text_median_us: +us(yaml.median),
    validate_object_median_us: +us(validate.median),
    rust_median_us: rust ? +us(rust.ns) : null,
    rust_estimates: rust?.file ?? null,
    object_vs_rust: rust ? +(obj.median / rust.ns).toFixed(2) : null,
    sequential_ops_per_s: Math.round(seqOps),
    concurrent_async_ops_per_s: Math.round(concOps),
    async_vs_sequential: +(concOps / seqOps).toFixed(2),
  }

  console.log(`microgov Node bench (${result.binding}, ${result.manifest}, ${result.manifest_json_bytes} B as JSON, outcome ${result.outcome})`)
  console.log(`  evaluate(object)     median ${us(obj.median)} us  (p10 ${us(obj.p10)}, p90 ${us(obj.p90)})`)
  console.log(`  evaluate(JSON text)  median ${us(json.median)} us`)
  console.log(`  evaluate(YAML text)  median ${us(yaml.median)} us`)
  console.log(`  validate(object)     median ${us(validate.median)} us  (parse + validate only)`)
  if (rust) console.log(`  Rust engine.evaluate median ${us(rust.ns)} us (${rust.file}) -> Node/Rust ${result.object_vs_rust}x`)
  else console.log('  Rust median: no target/criterion estimates; run `cargo bench -p microgov-benches --bench engine` first')
  console.log(`  1,000 sequential evaluate:        ${result.sequential_ops_per_s} ops/s`)
  console.log(`  1,000 concurrent evaluateAsync:   ${result.concurrent_async_ops_per_s} ops/s  -> ${result.async_vs_sequential}x (${result.cores} cores, libuv pool ${result.uv_threadpool_size})`)
  console.log(`RESULT ${JSON.stringify(result)}`)
}

await main()
