// The risk tiers from Node, as the Rust and Python suites check them
// (fixtures/risk/shapes.json: a shape is `base` with its `spec` members over the base's).
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { Engine } from 'microgov'
import { readJson } from './helpers.mjs'

const table = readJson('risk', 'shapes.json')
const engine = new Engine()
const manifest = (shape) => {
  const m = structuredClone(table.base)
  Object.assign(m.spec, shape.spec)
  return m
}

describe('fixtures/risk/shapes.json', () => {
  test('at least 20 shapes spanning every tier', () => {
    assert.ok(table.shapes.length >= 20)
    assert.deepEqual(new Set(table.shapes.map((s) => s.tier)), new Set(['low', 'medium', 'high']))
  })
  for (const shape of table.shapes) {
    test(shape.name, () => {
      const d = engine.evaluate(manifest(shape), { now: '2026-11-26T10:00:00Z' })
      assert.equal(d.tier, shape.tier, JSON.stringify(d.risk))
      assert.deepEqual(d.risk.factors.map((f) => f.factor).sort(), [...shape.factors].sort())
    })
  }
})
