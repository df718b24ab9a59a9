import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { NodeError } from './errors.ts'
import { parseGroupMessage } from './mlsFraming.ts'

interface Case {
  readonly description: string
  readonly data: string
  readonly valid: boolean
  readonly groupId?: string
  readonly isCommit?: boolean
  readonly error?: string
}

const file = new URL('../../../vectors/node-lite/group-message-framing.json', import.meta.url)
const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: Case[] }

describe('vectors/node-lite/group-message-framing.json', () => {
  it('has valid and invalid cases', () => {
    expect(cases.some((c) => c.valid)).toBe(true)
    expect(cases.some((c) => !c.valid)).toBe(true)
  })
  it.each(cases)('$description', (c) => {
    const bytes = new Uint8Array(Buffer.from(c.data, 'hex'))
    if (c.valid) {
      const header = parseGroupMessage(bytes)
      expect(Buffer.from(header.groupId).toString('hex')).toBe(c.groupId)
      expect(header.isCommit).toBe(c.isCommit)
      return
    }
    let error: unknown
    try {
      parseGroupMessage(bytes)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(NodeError)
    expect((error as NodeError).code).toBe(c.error)
  })
})
