/**
 * The reducer's rules over verified signatures made up for each case. Signature verification itself is
 * tested in verify.test.ts; here the signer a verifier would have recovered is stated directly.
 */
import { describe, expect, it } from 'vitest'
import { IdentityError } from './errors.ts'
import { inboxIdFor } from './inboxId.ts'
import type {
  IdentityAction,
  MemberIdentifier,
  SignatureKindValue,
  VerifiedIdentityUpdate,
  VerifiedSignature,
} from './model.ts'
import {
  type AssociationState,
  applyUpdate,
  applyUpdateWithDiff,
  getMember,
  hasInstallation,
} from './state.ts'

const wallet = (n: number): MemberIdentifier => ({
  kind: 'ethereum',
  address: `0x${n.toString(16).padStart(40, '0')}`,
})
const install = (n: number): MemberIdentifier => ({
  kind: 'installation',
  publicKey: new Uint8Array(32).fill(n),
})
let counter = 0
function sig(signer: MemberIdentifier, kind?: SignatureKindValue, chainId?: bigint): VerifiedSignature {
  counter++
  const k: SignatureKindValue =
    kind ??
    (signer.kind === 'ethereum' ? 'erc191' : signer.kind === 'installation' ? 'installationKey' : 'p256')
  const raw = new Uint8Array(8)
  new DataView(raw.buffer).setUint32(0, counter)
  return chainId === undefined
    ? { kind: k, signer, rawBytes: raw }
    : { kind: k, signer, rawBytes: raw, chainId }
}
const A = wallet(0xa)
const B = wallet(0xb)
const C = wallet(0xc)
const inbox = inboxIdFor(A as never, 0n)

function update(actions: IdentityAction<VerifiedSignature>[], inboxId = inbox): VerifiedIdentityUpdate {
  return { inboxId, clientTimestampNs: 1_000n, actions }
}
const create = (s: VerifiedSignature = sig(A)): IdentityAction<VerifiedSignature> => ({
  kind: 'createInbox',
  initialIdentifier: A as never,
  nonce: 0n,
  initialIdentifierSignature: s,
})
const add = (
  existing: VerifiedSignature,
  newMember: MemberIdentifier,
  newSig = sig(newMember),
): IdentityAction<VerifiedSignature> => ({
  kind: 'addAssociation',
  newMemberIdentifier: newMember,
  existingMemberSignature: existing,
  newMemberSignature: newSig,
})
const revoke = (s: VerifiedSignature, member: MemberIdentifier): IdentityAction<VerifiedSignature> => ({
  kind: 'revokeAssociation',
  memberToRevoke: member,
  recoveryIdentifierSignature: s,
})
const changeRecovery = (s: VerifiedSignature, to: MemberIdentifier): IdentityAction<VerifiedSignature> => ({
  kind: 'changeRecoveryAddress',
  newRecoveryIdentifier: to as never,
  existingRecoveryIdentifierSignature: s,
})

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    if (e instanceof IdentityError) return e.code
    throw e
  }
  return undefined
}

function created(): AssociationState {
  return applyUpdate(undefined, update([create(), add(sig(A), install(1))]))
}

describe('association state reducer', () => {
  it('creates an inbox with its owner as member and recovery identifier, and adds an installation', () => {
    const { state, diff } = applyUpdateWithDiff(undefined, update([create(), add(sig(A), install(1))]))
    expect(state.inboxId).toBe(inbox)
    expect(state.members.size).toBe(2)
    expect(state.recoveryIdentifier).toEqual(A)
    expect(hasInstallation(state, new Uint8Array(32).fill(1))).toBe(true)
    expect(getMember(state, install(1))?.addedByEntity).toEqual(A)
    expect(getMember(state, install(1))?.clientTimestampNs).toBe(1_000n)
    expect(diff.newMembers).toHaveLength(2)
    expect(state.seenSignatures.size).toBe(3)
  })

  it('rejects a CreateInbox signed by someone else', () => {
    expect(codeOf(() => applyUpdate(undefined, update([create(sig(B))])))).toBe('Identity::SignerMismatch')
  })

  it('rejects a second CreateInbox and an add before creation', () => {
    expect(codeOf(() => applyUpdate(created(), update([create()])))).toBe('Identity::AlreadyCreated')
    expect(codeOf(() => applyUpdate(undefined, update([add(sig(A), install(1))])))).toBe(
      'Identity::NotCreated',
    )
  })

  it('rejects an update naming another inbox (adding to someone else’s inbox)', () => {
    const state = created()
    const other = inboxIdFor(B as never, 0n)
    expect(codeOf(() => applyUpdate(state, update([add(sig(A), install(2))], other)))).toBe(
      'Identity::WrongInboxId',
    )
  })

  it('rejects a signer who is neither member nor recovery identifier', () => {
    expect(codeOf(() => applyUpdate(created(), update([add(sig(B), install(2))])))).toBe(
      'Identity::SignerMismatch',
    )
  })

  it('rejects a new-member signature by another identity', () => {
    expect(codeOf(() => applyUpdate(created(), update([add(sig(A), install(2), sig(install(3)))])))).toBe(
      'Identity::NewMemberSignatureMismatch',
    )
  })

  it('rejects an installation adding an installation, allows an installation adding a wallet', () => {
    const state = created()
    expect(codeOf(() => applyUpdate(state, update([add(sig(install(1)), install(2))])))).toBe(
      'Identity::MemberNotAllowed',
    )
    const next = applyUpdate(state, update([add(sig(install(1)), B)]))
    expect(getMember(next, B)?.addedByEntity).toEqual(install(1))
  })

  it('rejects adding oneself', () => {
    const s = sig(A)
    expect(codeOf(() => applyUpdate(created(), update([add(s, A, s)])))).toBe('Identity::AddSelf')
  })

  it('rejects a signature kind that does not match the member kind', () => {
    expect(
      codeOf(() => applyUpdate(created(), update([add(sig(A), install(2), sig(install(2), 'erc191'))]))),
    ).toBe('Identity::SignatureKindNotAllowed')
  })

  it('rejects a replayed signature from an earlier update, allows the same signature twice in one update', () => {
    const s = sig(A)
    const state = applyUpdate(undefined, update([create(s), add(s, install(1))]))
    expect(codeOf(() => applyUpdate(state, update([add(s, install(2))])))).toBe('Identity::SignatureReplayed')
    // a replayed update as a whole changes nothing: the state is untouched
    expect(state.members.size).toBe(2)
  })

  it('lets only the recovery identifier revoke, and revokes the installations the member added', () => {
    let state = created()
    state = applyUpdate(state, update([add(sig(A), B)]))
    state = applyUpdate(state, update([add(sig(B), install(2))]))
    expect(codeOf(() => applyUpdate(state, update([revoke(sig(B), install(1))])))).toBe(
      'Identity::SignerMismatch',
    )
    expect(codeOf(() => applyUpdate(state, update([revoke(sig(install(1)), B)])))).toBe(
      'Identity::SignerMismatch',
    )
    const { state: after, diff } = applyUpdateWithDiff(state, update([revoke(sig(A), B)]))
    expect(getMember(after, B)).toBeUndefined()
    expect(hasInstallation(after, new Uint8Array(32).fill(2))).toBe(false)
    expect(hasInstallation(after, new Uint8Array(32).fill(1))).toBe(true)
    expect(diff.removedMembers).toEqual([B, install(2)])
  })

  it('moves recovery: the old recovery identifier loses its powers, the new one can add without being a member', () => {
    let state = applyUpdate(created(), update([changeRecovery(sig(A), C)]))
    expect(state.recoveryIdentifier).toEqual(C)
    expect(codeOf(() => applyUpdate(state, update([revoke(sig(A), install(1))])))).toBe(
      'Identity::SignerMismatch',
    )
    expect(codeOf(() => applyUpdate(state, update([changeRecovery(sig(A), B)])))).toBe(
      'Identity::SignerMismatch',
    )
    state = applyUpdate(state, update([add(sig(C), install(5))]))
    expect(getMember(state, install(5))?.addedByEntity).toEqual(C)
    expect(getMember(state, C)).toBeUndefined()
  })

  it('checks smart-contract-wallet chain ids against the chain the member was added on', () => {
    const state = applyUpdate(undefined, update([create(sig(A, 'erc1271', 8453n))]))
    expect(getMember(state, A)?.addedOnChainId).toBe(8453n)
    expect(codeOf(() => applyUpdate(state, update([add(sig(A, 'erc1271', 1n), install(1))])))).toBe(
      'Identity::ChainIdMismatch',
    )
    expect(applyUpdate(state, update([add(sig(A, 'erc1271', 8453n), install(1))])).members.size).toBe(2)
  })

  it('allows legacy signatures only for the nonce-0 inbox and never for recovery actions', () => {
    const legacyCreate = applyUpdate(undefined, update([create(sig(A, 'legacyDelegated'))]))
    expect(legacyCreate.members.size).toBe(1)
    const nonce1 = inboxIdFor(A as never, 1n)
    expect(
      codeOf(() =>
        applyUpdate(
          undefined,
          update(
            [
              {
                kind: 'createInbox',
                initialIdentifier: A as never,
                nonce: 1n,
                initialIdentifierSignature: sig(A, 'legacyDelegated'),
              },
            ],
            nonce1,
          ),
        ),
      ),
    ).toBe('Identity::LegacySignatureReuse')
    expect(
      codeOf(() => applyUpdate(created(), update([revoke(sig(A, 'legacyDelegated'), install(1))]))),
    ).toBe('Identity::SignatureKindNotAllowed')
  })

  it('never mutates the state it is given', () => {
    const state = created()
    const before = { members: [...state.members.keys()], seen: [...state.seenSignatures] }
    applyUpdate(state, update([add(sig(A), B), revoke(sig(A), install(1))]))
    expect(
      codeOf(() => applyUpdate(state, update([add(sig(A), install(9)), add(sig(install(1)), install(8))]))),
    ).toBe('Identity::MemberNotAllowed')
    expect([...state.members.keys()]).toEqual(before.members)
    expect([...state.seenSignatures]).toEqual(before.seen)
  })

  it('keeps seen-signature sets apart when two updates branch from one state', () => {
    const state = created()
    const s1 = sig(A)
    const s2 = sig(A)
    const one = applyUpdate(state, update([add(s1, B)]))
    const two = applyUpdate(state, update([add(s2, C)]))
    const hex = (v: VerifiedSignature) => [...v.rawBytes].map((b) => b.toString(16).padStart(2, '0')).join('')
    expect(one.seenSignatures.has(hex(s1))).toBe(true)
    expect(one.seenSignatures.has(hex(s2))).toBe(false)
    expect(two.seenSignatures.has(hex(s2))).toBe(true)
    expect(two.seenSignatures.has(hex(s1))).toBe(false)
    expect(state.seenSignatures.has(hex(s1)) || state.seenSignatures.has(hex(s2))).toBe(false)
    expect([...two.seenSignatures]).toEqual([
      ...state.seenSignatures,
      ...[...two.seenSignatures].slice(state.seenSignatures.size),
    ])
    expect(one.seenSignatures.size).toBe(state.seenSignatures.size + 2)
    // the stale branch can still be extended, and replays are still caught on it
    expect(codeOf(() => applyUpdate(two, update([add(s2, install(7))])))).toBe('Identity::SignatureReplayed')
  })
})
