/** Reads vectors/identity/identity-updates.json (language-neutral; see vectors/identity/README.md). */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
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

// @xmtp/proto's CommonJS build, loaded by path (shared/interop.md): the decoder nobody here wrote.
const require = createRequire(import.meta.url)
const officialDir = require.resolve('@xmtp/proto').replace(/ts[\\/]dist[\\/].*$/, '')
const official = require(`${officialDir}ts/dist/cjs/identity/associations/association.pb.js`) as {
  IdentityUpdate: { decode(bytes: Uint8Array): { inboxId: string; actions: Record<string, unknown>[] } }
}

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

describe('every well-formed vector update decodes with the official @xmtp/proto to the same content', () => {
  const wellFormed = vectors.cases.filter(
    (c) => c.error === undefined || !c.error.startsWith('Identity::Malformed'),
  )
  it.each(
    wellFormed.filter(
      (c) => c.error !== 'Identity::UnknownAction' && c.error !== 'Identity::UnknownSignatureKind',
    ),
  )('$description', (c) => {
    const bytes = fromHex(c.update)
    const ours = decodeIdentityUpdate(bytes)
    const theirs = official.IdentityUpdate.decode(bytes)
    expect(theirs.inboxId).toBe(ours.inboxId)
    const kinds = theirs.actions.map((a) => Object.keys(a).find((k) => a[k] !== undefined))
    const map: Record<string, string> = {
      createInbox: 'createInbox',
      add: 'addAssociation',
      revoke: 'revokeAssociation',
      changeRecoveryAddress: 'changeRecoveryAddress',
    }
    expect(kinds.map((k) => map[k as string])).toEqual(ours.actions.map((a) => a.kind))
  })
})
