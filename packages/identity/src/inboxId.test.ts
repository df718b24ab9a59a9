import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { IdentityError } from './errors.ts'
import { ethereumIdentifier, generateInboxId, inboxIdFor, isInboxId, passkeyIdentifier } from './inboxId.ts'

interface InboxIdCase {
  description: string
  identifier: string
  identifierKind: 'ethereum' | 'passkey'
  nonce: string
  inboxId?: string
  valid: boolean
  error?: string
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../vectors/identity/inbox-ids.json', import.meta.url), 'utf8'),
) as { cases: InboxIdCase[] }

describe('inbox ids', () => {
  it.each(vectors.cases)('$description', (c) => {
    const run = () =>
      c.identifierKind === 'passkey'
        ? inboxIdFor(passkeyIdentifier(Uint8Array.from(Buffer.from(c.identifier, 'hex'))), BigInt(c.nonce))
        : generateInboxId(c.identifier, BigInt(c.nonce))
    if (c.valid) {
      expect(run()).toBe(c.inboxId)
    } else {
      let error: unknown
      try {
        run()
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(IdentityError)
      expect((error as IdentityError).code).toBe(c.error)
    }
  })

  it('defaults the nonce to 1 like the Node bindings', () => {
    const address = '0x1234567890abcdef1234567890abcdef12345678'
    expect(generateInboxId(address)).toBe(generateInboxId(address, 1n))
    expect(generateInboxId(address)).toBe('a38db5b39c536ce8cda4a67ce2a2d2fee6360dd0935875f26138e7899d6c15f7')
  })

  it('lower-cases an address before hashing', () => {
    const id = ethereumIdentifier('0xABCDEF7890abcdef1234567890abcdef12345678')
    expect(id.address).toBe('0xabcdef7890abcdef1234567890abcdef12345678')
    expect(isInboxId(generateInboxId(id.address, 7))).toBe(true)
  })

  it('rejects nonces outside u64 and unsafe numbers', () => {
    const id = ethereumIdentifier('0x1234567890abcdef1234567890abcdef12345678')
    expect(() => inboxIdFor(id, -1n)).toThrow(expect.objectContaining({ code: 'Identity::InvalidNonce' }))
    expect(() => inboxIdFor(id, 1n << 64n)).toThrow(
      expect.objectContaining({ code: 'Identity::InvalidNonce' }),
    )
    expect(() => inboxIdFor(id, 2 ** 60)).toThrow(expect.objectContaining({ code: 'Identity::InvalidNonce' }))
    expect(isInboxId(inboxIdFor(id, (1n << 64n) - 1n))).toBe(true)
  })
})
