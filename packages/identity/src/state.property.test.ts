/**
 * Property tests (fast-check) of the reducer's invariants, over random sequences of actions among a small
 * universe of wallets and installations. Signatures are stated as already verified (the reducer's input);
 * each carries fresh replay bytes, as real signatures over distinct texts would.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IdentityError } from './errors.ts'
import { inboxIdFor } from './inboxId.ts'
import {
  type IdentityAction,
  type MemberIdentifier,
  memberKey,
  type VerifiedIdentityUpdate,
  type VerifiedSignature,
} from './model.ts'
import { type AssociationState, applyUpdate } from './state.ts'

const wallets: MemberIdentifier[] = [0xa, 0xb, 0xc].map((n) => ({
  kind: 'ethereum',
  address: `0x${n.toString(16).padStart(40, '0')}`,
}))
const installs: MemberIdentifier[] = [1, 2, 3, 4].map((n) => ({
  kind: 'installation',
  publicKey: new Uint8Array(32).fill(n),
}))
const universe = [...wallets, ...installs]
const owner = wallets[0] as MemberIdentifier
const inboxId = inboxIdFor(owner as never, 0n)

let serial = 0
function sig(signer: MemberIdentifier): VerifiedSignature {
  serial++
  const raw = new Uint8Array(8)
  new DataView(raw.buffer).setFloat64(0, serial)
  return { kind: signer.kind === 'ethereum' ? 'erc191' : 'installationKey', signer, rawBytes: raw }
}

type Op =
  | { t: 'add'; by: number; member: number }
  | { t: 'revoke'; by: number; member: number }
  | { t: 'recover'; by: number; to: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant('add' as const),
    by: fc.nat(universe.length - 1),
    member: fc.nat(universe.length - 1),
  }),
  fc.record({
    t: fc.constant('revoke' as const),
    by: fc.nat(universe.length - 1),
    member: fc.nat(universe.length - 1),
  }),
  fc.record({
    t: fc.constant('recover' as const),
    by: fc.nat(universe.length - 1),
    to: fc.nat(wallets.length - 1),
  }),
)

function toUpdate(op: Op, step: number): VerifiedIdentityUpdate {
  const by = universe[op.by] as MemberIdentifier
  let action: IdentityAction<VerifiedSignature>
  if (op.t === 'add') {
    const member = universe[op.member] as MemberIdentifier
    action = {
      kind: 'addAssociation',
      newMemberIdentifier: member,
      existingMemberSignature: sig(by),
      newMemberSignature: sig(member),
    }
  } else if (op.t === 'revoke') {
    action = {
      kind: 'revokeAssociation',
      memberToRevoke: universe[op.member] as MemberIdentifier,
      recoveryIdentifierSignature: sig(by),
    }
  } else {
    action = {
      kind: 'changeRecoveryAddress',
      newRecoveryIdentifier: wallets[op.to] as never,
      existingRecoveryIdentifierSignature: sig(by),
    }
  }
  return { inboxId, clientTimestampNs: BigInt(step), actions: [action] }
}

function created(): { state: AssociationState; update: VerifiedIdentityUpdate } {
  const update: VerifiedIdentityUpdate = {
    inboxId,
    clientTimestampNs: 0n,
    actions: [
      {
        kind: 'createInbox',
        initialIdentifier: owner as never,
        nonce: 0n,
        initialIdentifierSignature: sig(owner),
      },
    ],
  }
  return { state: applyUpdate(undefined, update), update }
}

/** Applies `update`, or returns the state unchanged with the error code when a rule refuses it. */
function tryApply(
  state: AssociationState,
  update: VerifiedIdentityUpdate,
): { state: AssociationState; code?: string } {
  try {
    return { state: applyUpdate(state, update) }
  } catch (e) {
    // totality: the only thing the reducer may throw is a typed IdentityError
    if (!(e instanceof IdentityError)) throw e
    return { state, code: e.code }
  }
}

const keys = (s: AssociationState) => [...s.members.keys()].sort()

describe('reducer invariants (fast-check)', () => {
  it('members only ever enter through an add of themselves: a revoked member never reappears otherwise', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        let { state } = created()
        ops.forEach((op, i) => {
          const update = toUpdate(op, i + 1)
          const next = tryApply(state, update).state
          for (const key of next.members.keys()) {
            if (state.members.has(key)) continue
            expect(op.t).toBe('add')
            expect(key).toBe(memberKey(universe[(op as { member: number }).member] as MemberIdentifier))
          }
          state = next
        })
      }),
      { numRuns: 300, seed: 20261125 },
    )
  })

  it('replaying any accepted update never changes the state', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.nat(), (ops, pick) => {
        const start = created()
        let state = start.state
        const accepted: VerifiedIdentityUpdate[] = [start.update]
        ops.forEach((op, i) => {
          const update = toUpdate(op, i + 1)
          const r = tryApply(state, update)
          if (r.code === undefined) accepted.push(update)
          state = r.state
        })
        const replayed = accepted[pick % accepted.length] as VerifiedIdentityUpdate
        const r = tryApply(state, replayed)
        expect(r.code === 'Identity::SignatureReplayed' || r.code === 'Identity::AlreadyCreated').toBe(true)
        expect(r.state).toBe(state)
      }),
      { numRuns: 300, seed: 7 },
    )
  })

  it('no installation was added by an installation, and revoking a member takes its installations along', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        let { state } = created()
        ops.forEach((op, i) => {
          const r = tryApply(state, toUpdate(op, i + 1))
          if (r.code === undefined && op.t === 'revoke') {
            const revoked = memberKey(universe[op.member] as MemberIdentifier)
            for (const m of r.state.members.values()) {
              if (m.identifier.kind === 'installation' && m.addedByEntity !== undefined) {
                expect(memberKey(m.addedByEntity)).not.toBe(revoked)
              }
            }
          }
          state = r.state
        })
        for (const m of state.members.values()) {
          if (m.identifier.kind === 'installation') expect(m.addedByEntity?.kind).not.toBe('installation')
        }
      }),
      { numRuns: 300, seed: 99 },
    )
  })

  it('order matters only as the rules say: independent adds by the owner commute', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 15 }),
        fc.nat(installs.length - 1),
        fc.nat(installs.length - 1),
        (ops, x, y) => {
          fc.pre(x !== y)
          let { state } = created()
          ops.forEach((op, i) => {
            state = tryApply(state, toUpdate(op, i + 1)).state
          })
          fc.pre(state.members.has(memberKey(owner)))
          const addX = toUpdate({ t: 'add', by: 0, member: wallets.length + x }, 100)
          const addY = toUpdate({ t: 'add', by: 0, member: wallets.length + y }, 101)
          const xy = tryApply(tryApply(state, addX).state, addY).state
          const yx = tryApply(tryApply(state, addY).state, addX).state
          expect(keys(xy)).toEqual(keys(yx))
        },
      ),
      { numRuns: 200, seed: 3 },
    )
  })

  it('the seen-signature set only grows', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        let { state } = created()
        ops.forEach((op, i) => {
          const next = tryApply(state, toUpdate(op, i + 1)).state
          for (const s of state.seenSignatures) expect(next.seenSignatures.has(s)).toBe(true)
          state = next
        })
      }),
      { numRuns: 200, seed: 11 },
    )
  })
})
