// The PostgreSQL audit log from Node, against the server of MICROGOV_TEST_POSTGRES
// (scripts/with-postgres.sh starts one, as CI does). Without it the test fails,
// unless MICROGOV_SKIP_POSTGRES=1 asks to skip it: a missing server never passes
// silently.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AuditLog, generateAuditKey, verifyAudit, verifyAuditAsync } from 'microgov'

const server = process.env.MICROGOV_TEST_POSTGRES
const skip = !server && process.env.MICROGOV_SKIP_POSTGRES === '1'

test('a postgres:// URL is a log path', { skip: skip && 'MICROGOV_SKIP_POSTGRES=1' }, async () => {
  assert.ok(
    server,
    'MICROGOV_TEST_POSTGRES is not set: run under `bash scripts/with-postgres.sh` or set MICROGOV_SKIP_POSTGRES=1',
  )
  const logId = `node-${process.pid}-${Date.now()}`
  const url = `${server}${server.includes('?') ? '&' : '?'}log=${logId}`
  const keys = generateAuditKey(logId)
  const log = AuditLog.open(url, { signingKey: keys.signing_key })
  const receipts = await Promise.all(
    Array.from({ length: 40 }, (_, i) => log.appendAsync({ action: 'app.register', app_id: `a${i}` })),
  )
  assert.deepEqual(receipts.map((r) => r.seq).sort((a, b) => a - b), [...Array(40).keys()])
  log.close()
  // The key alone: the checkpoints stored with the log are checked.
  const report = verifyAudit(url, { publicKey: keys.verifier_key })
  assert.equal(report.status, 'intact')
  assert.equal(report.records, 40)
  assert.equal((await verifyAuditAsync(url)).records, 40)
  assert.throws(() => AuditLog.open('postgres://nobody@127.0.0.1:1/db?log=x&connect_timeout=2'), {
    code: 'audit.store_unavailable',
  })
})
