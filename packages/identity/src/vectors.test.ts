/** Reads vectors/identity/identity-updates.json (language-neutral; see vectors/identity/README.md). */
import { readFileSync } from 'node:fs'
import { fromHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { IdentityError } from './errors.ts'
import { identifierDisplay } from './model.ts'
import { decodeIdentityUpdate } from './proto.ts'
import { type AssociationState, applyUpdate } from './state.ts'
import { verifyIdentityUpdate } from './verify.ts'

interface Case {
  description: string
  prior: string[]
  update: string
  valid: boolean
  error?: string
  expected?: { inboxId: string; recoveryIdentifier: string; members: string[] }
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../vectors/identity/identity-updates.json', import.meta.url), 'utf8'),
) as { cases: Case[] }

async function run(c: Case): Promise<AssociationState> {
  let state: AssociationState | undefined
  for (const hex of c.prior)
    state = applyUpdate(state, await verifyIdentityUpdate(decodeIdentityUpdate(fromHex(hex))))
  return applyUpdate(state, await verifyIdentityUpdate(decodeIdentityUpdate(fromHex(c.update))))
}

describe('identity-update vectors', () => {
  it.each(vectors.cases)('$description', async (c) => {
    if (c.valid) {
      const state = await run(c)
      expect(state.inboxId).toBe(c.expected?.inboxId)
      expect(identifierDisplay(state.recoveryIdentifier)).toBe(c.expected?.recoveryIdentifier)
      expect(
        [...state.members.values()].map((m) => `${m.identifier.kind}:${identifierDisplay(m.identifier)}`),
      ).toEqual(c.expected?.members)
    } else {
      const error = await run(c).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(IdentityError)
      expect((error as IdentityError).code).toBe(c.error)
    }
  })
})
