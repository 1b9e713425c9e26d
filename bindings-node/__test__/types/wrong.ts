// Where the spec is closed, a mistake must not type-check: each line below is an error
// `tsc --strict` must report (an unused @ts-expect-error fails the check).
import type { Manifest, ApprovalStatus, EgressCode, Category, Decision } from '../../index.js'

const base = { apiVersion: 'microgov.dev/v1', kind: 'MicroApp', metadata: { name: 'x', owner: 'a@b.example', createdAt: 'now' } }
// @ts-expect-error: environments are sandbox, staging or production
const env: Manifest = { ...base, spec: { environment: 'prod' } }
// @ts-expect-error: classifications are a closed list
const cls: Manifest = { ...base, spec: { datasets: [{ name: 'd', classification: 'secret' }] } }
// @ts-expect-error: categories are a closed list
const cat: Category = 'personal'
// @ts-expect-error: approval statuses are a closed list
const st: ApprovalStatus = 'approved'
// @ts-expect-error: egress codes are a closed list
const eg: EgressCode = 'blocked'
// @ts-expect-error: env values are scalars
const nested: Manifest = { ...base, spec: { env: { OPTS: { deep: true } } } }
// @ts-expect-error: a decision's outcome is allow, review or deny
const out: Decision['outcome'] = 'permit'
void [env, cls, cat, st, eg, nested, out]
