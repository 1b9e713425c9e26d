// Engine.diagram: the data-flow diagram the core draws, in each format.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Engine } from 'microgov'
import { read, tableData } from './helpers.mjs'

const engine = new Engine({ data: tableData })
const now = '2026-11-26T10:00:00Z'
const hr = read('apps', 'hr-onboarding.yaml')
const approvals = read('approvals', 'hr-onboarding.yaml')

test('the waived transfer is dashed and the open one red, in every format', () => {
  const svg = engine.diagram(hr, 'svg', { approvals, now })
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  assert.match(svg, /class="edge flow waived" data-from="dataset:employees" data-to="connector:payroll"/)
  assert.equal(svg, engine.diagram(hr, undefined, { approvals, now }), 'svg by default, the same bytes')
  const open = engine.diagram(hr, 'svg', { now })
  assert.match(open, /class="edge flow violation" data-from="dataset:employees" data-to="connector:payroll"/)
  assert.match(engine.diagram(hr, 'mermaid', { approvals, now }), /-\.->\|"write"\|/)
  assert.match(engine.diagram(hr, 'dot', { now }), /class="flow violation".*color="#cf222e"/)
})

test('an unknown format and a bad manifest are typed errors', () => {
  assert.throws(() => engine.diagram(hr, 'png'), (e) => e.code === 'ERR_INVALID_ARG_VALUE' && /png/.test(e.message))
  assert.throws(() => engine.diagram('apiVersion: microgov.dev/v1\nkind: MicroApp\n'), (e) => typeof e.code === 'string' && e.code.startsWith('manifest.'))
})
