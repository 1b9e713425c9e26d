// Typed use of the API: must type-check under `tsc --strict` (types.spec.mjs).
import { Engine, AuditLog } from '../../index.js'
import type { Manifest, Decision, ApprovalStatus, EgressCode, Category, Approval } from '../../index.js'

const manifest: Manifest = {
  apiVersion: 'microgov.dev/v1',
  kind: 'MicroApp',
  metadata: { name: 'typed-app', owner: 'ana@acme.example', builder: 'bo@acme.example', createdAt: new Date('2026-11-01T00:00:00Z') },
  spec: {
    environment: 'staging',
    env: { RETRIES: 3, VERBOSE: false, REGION: 'eu', UNSET: null },
    datasets: [{ name: 'tickets', classification: 'internal', categories: ['location'], fields: [{ name: 'site', categories: ['location'], sample: 'Berlin' }] }],
    // An open vocabulary: any connector type parses (the catalog judges it).
    connectors: [{ name: 'desk', type: 'servicenow', access: 'read', datasets: ['tickets'] }, { name: 'own', type: 'acme-erp' }],
  },
}

const engine = new Engine({ trustClaimedRoles: true })
const d: Decision = engine.evaluate(manifest, { now: '2026-11-26T10:00:00Z' })
const statuses: ApprovalStatus[] = d.approvals.map((a) => a.status)
const code: EgressCode = engine.checkEgress(manifest, 'https://example.com').code
const cats: Category[] = ['pii', 'phi']
const a: Approval = engine.approve(manifest, { roles: ['security'], approver: 'sec@acme.example', expires: new Date('2027-01-01T00:00:00Z') })
const log: AuditLog | null = null
void [statuses, code, cats, a, log, d.risk.factors.map((f) => f.remedy ?? f.detail)]
