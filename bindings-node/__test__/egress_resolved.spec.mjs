// Connect-time egress checks from fixtures/detect/egress_resolved.json (as the Rust and
// Python suites): the addresses a resolver answered, each redirect hop.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Engine } from 'microgov'
import { read, readJson } from './helpers.mjs'

const engine = new Engine()
const table = readJson('detect', 'egress_resolved.json')
const app = read('detect', table.app)

describe('checkResolved', () => {
  for (const c of table.resolved) {
    test(`${c.url} ${c.addresses.join(',')}${c.data ? ' (with data)' : ''}`, () => {
      const e = c.data ? new Engine({ data: c.data }) : engine
      const guard = e.egressGuard(app)
      const v = guard.checkResolved(c.url, c.addresses)
      assert.equal(v.code, c.code, v.reason)
      assert.equal(v.allowed, c.code === 'allowed')
      assert.equal(v.address, c.address)
      if (guard.check(c.url).allowed) {
        // A lookup hook sees the host only: the address half answers alike.
        const a = guard.checkAddresses(new URL(c.url).hostname, c.addresses)
        assert.deepEqual([a.allowed, a.code, a.address], [v.allowed, v.code, v.address])
      }
    })
  }

  test('a hostile resolver: the URL passes, the address it resolves to does not', () => {
    const guard = engine.egressGuard(app)
    const resolve = (host) => (host === 'hooks.example.com' ? ['169.254.169.254'] : ['93.184.215.14'])
    const url = 'https://hooks.example.com/v1/events'
    assert.equal(guard.check(url).allowed, true)
    const v = guard.checkResolved(url, resolve(new URL(url).hostname))
    assert.equal(v.code, 'internal_address')
    assert.equal(v.reason, 'hooks.example.com resolves to 169.254.169.254, a cloud metadata endpoint')
  })

  test('an item that is not an address is ERR_INVALID_ARG_VALUE naming it', () => {
    const guard = engine.egressGuard(app)
    assert.throws(
      () => guard.checkResolved('https://api.stripe.com/', ['93.184.215.14', 'nope']),
      (e) => e.code === 'ERR_INVALID_ARG_VALUE' && e.message.includes('addresses[1]'),
    )
    assert.throws(() => guard.checkResolved('https://api.stripe.com/', [42]), (e) => e instanceof Error)
  })
})

describe('checkRedirect', () => {
  const guard = engine.egressGuard(app)
  for (const c of table.redirects) {
    test(`${c.from} -> ${c.to}`, () => {
      const v = guard.checkRedirect(c.from, c.to)
      assert.equal(v.code, c.code, v.reason)
      assert.equal(v.allowed, c.code === 'allowed')
    })
  }
})
