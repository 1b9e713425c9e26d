// The README's HTTP example runs as written: 200 allow, 202 review, 403 deny,
// 422 invalid. Loopback only, ephemeral port, a bounded number of requests.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pkgDir, read } from './helpers.mjs'

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
  const cases = [
    ['readonly-dashboard.yaml', 200, 'allow'],
    ['expense-approver.yaml', 202, 'review'],
    ['crm-data-extractor.yaml', 403, 'deny'],
    ['hr-onboarding.json', 403, 'deny'],
  ]
  for (const [file, status, outcome] of cases) {
    const [got, decision] = await post(fresh(read('apps', file)))
    assert.equal(got, status, file)
    assert.equal(decision.outcome, outcome)
  }
  const [status, body] = await post(read('invalid', 'ten-mistakes.yaml'))
  assert.equal(status, 422)
  assert.equal(body.code, 'manifest.invalid')
  assert.equal(body.problems.length, 10)
  const [emptyStatus] = await post('')
  assert.equal(emptyStatus, 422)
})
