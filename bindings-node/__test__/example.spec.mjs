// The README's HTTP example runs as written: 200 allow, 202 review, 403 deny,
// 422 invalid. Loopback only, ephemeral port, a bounded number of requests.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { list, pkgDir, read } from './helpers.mjs'

const exampleFile = join(pkgDir, 'examples', 'http-handler.mjs')

// The example evaluates at the clock's time: move the fixture's lifetime
// around today so that its outcome does not change as the calendar moves.
const day = 86_400_000
const iso = (t) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z')
const fresh = (text) => text
  .replace(/(createdAt"?:\s*"?)[0-9T:Z-]+/, `$1${iso(Date.now() - 5 * day)}`)
  .replace(/(expiresAt"?:\s*"?)[0-9T:Z-]+/, `$1${iso(Date.now() + 60 * day)}`)

test('the README shows the example file verbatim', () => {
  const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8')
  const example = readFileSync(exampleFile, 'utf8').trimEnd()
  assert.ok(readme.includes('```js\n' + example + '\n```'), 'README.md does not contain examples/http-handler.mjs verbatim')
})

test('the example answers 200 / 202 / 403 / 422 on loopback', async (t) => {
  process.env.PORT = '0'
  const { server } = await import(exampleFile)
  t.after(() => server.close())
  if (!server.listening) await once(server, 'listening')
  const { address, port } = server.address()
  assert.equal(address, '127.0.0.1')
  const post = async (body) => {
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) })
    return [res.status, await res.json()]
  }
  // Every app fixture, its status as the example maps the engine's outcome.
  const { Engine } = await import('microgov')
  const engine = new Engine()
  const httpStatus = { allow: 200, review: 202, deny: 403 }
  const seen = new Set()
  for (const file of list('apps')) {
    const manifest = fresh(read('apps', file))
    const { outcome } = engine.evaluate(manifest)
    const [got, decision] = await post(manifest)
    assert.equal(got, httpStatus[outcome], file)
    assert.equal(decision.outcome, outcome, file)
    seen.add(got)
  }
  assert.deepEqual([...seen].sort(), [200, 202, 403], 'the fixtures cover allow, review and deny')
  const [status, body] = await post(read('invalid', 'ten-mistakes.yaml'))
  assert.equal(status, 422)
  assert.equal(body.code, 'manifest.invalid')
  assert.equal(body.problems.length, 10)
  const [emptyStatus] = await post('')
  assert.equal(emptyStatus, 422)
})
