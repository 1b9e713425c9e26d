// Node binding benchmarks, beside the Rust ones (benches/benches/engine.rs).
//
//   cd bindings-node && npm run bench
//
// builds the addon in release mode into target/napi-release and runs this
// script. It measures
//   1. evaluate(object) on fixtures/bench/typical.yaml: median per call,
//      against the Rust engine's median: Engine::evaluate on the parsed
//      manifest, timed inside the addon in blocks alternating with the Node
//      calls (a shared machine's load hits both alike), and, when present, the
//      criterion median of `decision/microgov_typical` from target/criterion
//      (`cargo bench -p microgov-benches --bench engine`);
//   2. 1,000 concurrent evaluateAsync calls against 1,000 sequential evaluate
//      calls: throughput ratio.
// Speed is reported, never asserted. Output: a human summary and
// one JSON line (prefix `RESULT `) for scripts.
//
// Environment: MICROGOV_NODE_BINDING=<path to a .node or the package> to
// measure another build; BENCH_QUICK=1 for a short smoke run.
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
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
const { Engine, __benchRustEvaluate } = require(bindingPath)
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
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(repo, 'target')
  const file = join(targetDir, 'criterion', 'decision', 'microgov_typical', 'new', 'estimates.json')
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

  // evaluate(object) and the engine's own evaluate (Rust, parsed manifest,
  // same process) in alternating blocks, so that both see the same machine.
  const rounds = quick ? 3 : 10
  const block = Math.round(iters / rounds)
  const objTimes = []
  const rustTimes = []
  const rustParseTimes = []
  // CPU time per call as well: unlike wall time, it does not count the time
  // other processes of a busy machine take the core away.
  const cpu = { obj: 0, rust: 0, rustParse: 0 }
  const cpuUs = (c) => c.user + c.system
  for (let r = 0; r < rounds; r++) {
    let c = process.cpuUsage()
    for (let i = 0; i < block; i++) {
      const t = nowNs()
      engine.evaluate(manifest, opts)
      objTimes.push(Number(nowNs() - t))
    }
    cpu.obj += cpuUs(process.cpuUsage(c))
    if (__benchRustEvaluate) {
      c = process.cpuUsage()
      rustTimes.push(...__benchRustEvaluate(engine, text, block, false))
      cpu.rust += cpuUs(process.cpuUsage(c))
      c = process.cpuUsage()
      rustParseTimes.push(...__benchRustEvaluate(engine, text, block, true))
      cpu.rustParse += cpuUs(process.cpuUsage(c))
    }
  }
  const cpuPerCall = (k) => cpu[k] / (rounds * block)
  const stats = (xs) => ({ median: median(xs), p10: pct(xs, 10), p90: pct(xs, 90) })
  const obj = stats(objTimes)
  const inProcess = rustTimes.length ? stats(rustTimes) : null
  const inProcessParse = rustParseTimes.length ? stats(rustParseTimes) : null
  const json = perCall(() => engine.evaluate(text, opts), iters)
  const yaml = perCall(() => engine.evaluate(yamlText, opts), iters)
  const validate = perCall(() => engine.validate(manifest), iters)
  const preparedApp = engine.prepare(manifest)
  const prepared = perCall(() => engine.evaluate(preparedApp, opts), iters)
  const rust = rustMedianNs()

  // Throughput: 1,000 sequential evaluate vs 1,000 concurrent evaluateAsync.
  const N = 1000
  const tpRounds = quick ? 2 : 7
  const seq = []
  const conc = []
  const seqCpu = []
  const concCpu = []
  const cpuMs = (c) => (c.user + c.system) / 1000
  for (let r = 0; r < tpRounds; r++) {
    let c = process.cpuUsage()
    let t = nowNs()
    for (let i = 0; i < N; i++) engine.evaluate(manifest, opts)
    seq.push(Number(nowNs() - t))
    seqCpu.push(cpuMs(process.cpuUsage(c)) / (seq.at(-1) / 1e6))
    c = process.cpuUsage()
    t = nowNs()
    const all = new Array(N)
    for (let i = 0; i < N; i++) all[i] = engine.evaluateAsync(manifest, opts)
    await Promise.all(all)
    conc.push(Number(nowNs() - t))
    concCpu.push(cpuMs(process.cpuUsage(c)) / (conc.at(-1) / 1e6))
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
    evaluate_prepared_median_us: +us(prepared.median),
    rust_in_process_median_us: inProcess ? +us(inProcess.median) : null,
    object_vs_rust_in_process: inProcess ? +(obj.median / inProcess.median).toFixed(2) : null,
    rust_parse_and_evaluate_median_us: inProcessParse ? +us(inProcessParse.median) : null,
    cpu_per_call_us: { evaluate_object: +cpuPerCall('obj').toFixed(1), rust_evaluate: +cpuPerCall('rust').toFixed(1), rust_parse_and_evaluate: +cpuPerCall('rustParse').toFixed(1) },
    object_vs_rust_cpu: inProcess ? +(cpuPerCall('obj') / cpuPerCall('rust')).toFixed(2) : null,
    binding_overhead_us: inProcessParse ? +us(obj.median - inProcessParse.median) : null,
    rust_criterion_median_us: rust ? +us(rust.ns) : null,
    rust_criterion_estimates: rust?.file ?? null,
    object_vs_rust_criterion: rust ? +(obj.median / rust.ns).toFixed(2) : null,
    sequential_ops_per_s: Math.round(seqOps),
    concurrent_async_ops_per_s: Math.round(concOps),
    async_vs_sequential: +(concOps / seqOps).toFixed(2),
    // CPU time / wall time of the process: how many cores it actually got.
    sequential_cores_used: +median(seqCpu).toFixed(2),
    concurrent_cores_used: +median(concCpu).toFixed(2),
    loadavg_1min: +loadavg()[0].toFixed(2),
  }

  console.log(`microgov Node bench (${result.binding}, ${result.manifest}, ${result.manifest_json_bytes} B as JSON, outcome ${result.outcome})`)
  console.log(`  evaluate(object)     median ${us(obj.median)} us  (p10 ${us(obj.p10)}, p90 ${us(obj.p90)})`)
  console.log(`  evaluate(JSON text)  median ${us(json.median)} us`)
  console.log(`  evaluate(YAML text)  median ${us(yaml.median)} us`)
  console.log(`  validate(object)     median ${us(validate.median)} us  (parse + validate only)`)
  console.log(`  evaluate(prepared)   median ${us(prepared.median)} us  (engine.prepare(manifest) once)`)
  if (inProcess) console.log(`  Rust Engine::evaluate (parsed manifest, same process, interleaved) median ${us(inProcess.median)} us -> Node/Rust ${result.object_vs_rust_in_process}x`)
  if (inProcessParse) console.log(`  Rust parse_manifest(JSON text) + evaluate, same way: median ${us(inProcessParse.median)} us -> the binding adds ${result.binding_overhead_us} us`)
  if (inProcess) console.log(`  CPU time per call: evaluate(object) ${result.cpu_per_call_us.evaluate_object} us, Rust evaluate ${result.cpu_per_call_us.rust_evaluate} us (-> ${result.object_vs_rust_cpu}x), Rust parse + evaluate ${result.cpu_per_call_us.rust_parse_and_evaluate} us`)
  if (rust) console.log(`  Rust criterion decision/microgov_typical median ${us(rust.ns)} us (${rust.file}, measured earlier) -> Node/Rust ${result.object_vs_rust_criterion}x`)
  else console.log('  Rust criterion median: no estimates; run `cargo bench -p microgov-benches --bench engine` first')
  console.log(`  1,000 sequential evaluate:        ${result.sequential_ops_per_s} ops/s`)
  console.log(`  1,000 concurrent evaluateAsync:   ${result.concurrent_async_ops_per_s} ops/s  -> ${result.async_vs_sequential}x (${result.cores} cores, libuv pool ${result.uv_threadpool_size})`)
  console.log(`  cores the process got: ${result.sequential_cores_used} sequential, ${result.concurrent_cores_used} concurrent (load average ${result.loadavg_1min})`)
  console.log(`RESULT ${JSON.stringify(result)}`)
}

await main()
