// The TypeScript declarations: strict where the spec is closed (enums), as permissive as
// the spec where it is open (connector types, env values), checked by `tsc --strict` on
// typed example code.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { pkgDir, here } from './helpers.mjs'

const tsc = (file) =>
  spawnSync(
    process.execPath,
    [join(pkgDir, 'node_modules', 'typescript', 'bin', 'tsc'), '--strict', '--noEmit',
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', join(here, 'types', file)],
    { encoding: 'utf8' },
  )

test('typed use of the API type-checks under tsc --strict', () => {
  const r = tsc('typed.ts')
  assert.equal(r.status, 0, r.stdout + r.stderr)
})

test('each mistake where the spec is closed is a type error', () => {
  const r = tsc('wrong.ts')
  assert.equal(r.status, 0, `an expected error did not occur:\n${r.stdout}${r.stderr}`)
})
