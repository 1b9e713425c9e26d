// The package loads both ways, and both ways give the same addon.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as esm from 'microgov'
import esmDefault, { Engine } from 'microgov'
import { pkgDir } from './helpers.mjs'

const require = createRequire(import.meta.url)

test('ESM import and CommonJS require give the same Engine class', () => {
  const cjs = require('microgov')
  assert.equal(typeof Engine, 'function')
  assert.equal(cjs.Engine, Engine)
  assert.equal(esmDefault, cjs)
})

test('every public CommonJS export is also a named ESM export', () => {
  const cjs = require('microgov')
  const publicNames = Object.keys(cjs).filter((k) => !k.startsWith('__'))
  for (const name of publicNames) assert.ok(name in esm, `index.mjs lacks ${name}`)
})

test('index.d.ts declares the public API and the decision types', () => {
  const dts = readFileSync(join(pkgDir, 'index.d.ts'), 'utf8')
  for (const name of ['class Engine', 'interface Decision', 'interface Violation', 'interface Problem', 'interface MicrogovError', 'evaluateAsync(manifest: ManifestInput, options?: EvaluateOptions | undefined | null): Promise<Decision>']) {
    assert.ok(dts.includes(name), `index.d.ts lacks ${name}`)
  }
  const cjs = require('microgov')
  for (const name of Object.keys(cjs).filter((k) => !k.startsWith('__'))) {
    assert.match(dts, new RegExp(`export declare (class|function|const) ${name}\\b`), `index.d.ts does not declare ${name}`)
  }
})
