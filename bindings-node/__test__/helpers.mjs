// Shared by the spec files: fixture paths and readers.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const here = dirname(fileURLToPath(import.meta.url))
export const pkgDir = join(here, '..')
export const repo = join(here, '..', '..')
export const fixtures = join(repo, 'fixtures')

export const read = (...p) => readFileSync(join(fixtures, ...p), 'utf8')
export const readJson = (...p) => JSON.parse(read(...p))
export const list = (...p) => readdirSync(join(fixtures, ...p)).filter((f) => f !== 'expected.json').sort()

/** (code, path) pairs as sorted strings, for order-insensitive comparison. */
export const pairs = (problems) => problems.map((p) => `${p.code} ${p.path}`).sort()

/** The data overlay the fixture tables name (`data` of fixtures/apps/expected.json): the approver directory. */
export const tableData = readJson(readJson('apps', 'expected.json').data)
