import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { contentTypeToString } from '../contentTypeId.ts'
import { standardCodecs } from './index.ts'

it('has one codec per row of the README content-type table, and no draft', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const table = [...readme.matchAll(/^\| `\.\/[\w-]+` +\| `([^`]+)` +\|/gm)].map((m) => m[1])
  expect(table.length).toBeGreaterThan(15)
  const ids = standardCodecs().map((c) => contentTypeToString(c.contentType))
  expect(ids.sort()).toEqual(table.sort())
})
