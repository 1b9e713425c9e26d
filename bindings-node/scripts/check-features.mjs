// Checks that `napi build` (cargo -p microgov-node) resolves the same feature
// set for every shared registry crate as `cargo test --workspace
// --all-features` (scripts/test-all.sh) does, so that regorus and its
// dependencies compile once for both. Workspace members are
// skipped: the core crate's own `cli` feature is on only for the tests. Prints the crates
// whose features differ and exits 1; fix by declaring the missing features in
// bindings-node/Cargo.toml (the "feature unification" block).
//
//   node bindings-node/scripts/check-features.mjs
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const env = { ...process.env }
env.CARGO_BUILD_TARGET ??= execFileSync('rustc', ['-vV'], { encoding: 'utf8' }).match(/^host: (.+)$/m)[1]

function features(args) {
  const out = execFileSync('cargo', ['tree', ...args, '-f', '{p}|{f}', '--prefix', 'none'], { cwd: repo, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  const map = new Map()
  for (const line of out.split('\n')) {
    if (!line.includes('|')) continue
    const [pkg, feats] = line.replace(/ \(\*\)$/, '').split('|')
    const name = pkg.replace(/ \(.*$/, '')
    if (!map.has(name)) map.set(name, new Set())
    map.get(name).add(feats)
  }
  return map
}

const node = features(['-p', 'microgov-node', '-e', 'normal,build'])
const workspace = features(['--workspace', '--all-features', '-e', 'normal,build,dev'])
const show = (s) => [...s].sort().join(' | ')
let differ = 0
for (const [name, feats] of node) {
  const ws = workspace.get(name)
  if (name.startsWith('microgov')) continue
  if (ws && show(ws) !== show(feats)) {
    differ++
    console.log(`${name}\n  napi build:       ${show(feats)}\n  cargo test --ws:  ${show(ws)}`)
  }
}
console.log(differ ? `${differ} crate(s) differ` : 'feature sets match')
process.exit(differ ? 1 : 0)
