import { describe, expect, it } from 'vitest'
import { IdentityError } from './errors.ts'
import { generateInboxId } from './inboxId.ts'
import {
  createMemoryLedgerStorage,
  getAssociationState,
  IdentityLedger,
  maxUpdatesPerInbox,
} from './ledger.ts'
import type { IdentityAction, IdentityUpdate, UnverifiedSignature } from './model.ts'
import { encodeIdentityUpdate } from './proto.ts'
import { SignatureRequest } from './request.ts'
import { signatureText } from './signatureText.ts'
import {
  addMember,
  at,
  changeRecovery,
  installation,
  registration,
  revokeMember,
  wallet,
} from './testing.fixtures.ts'

const A = wallet(1)
const B = wallet(2)
const C = wallet(3)
const i1 = installation(1)
const i2 = installation(2)
const i3 = installation(3)
const inboxA = generateInboxId(A.identifier.kind === 'ethereum' ? A.identifier.address : '', 1n)

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    if (e instanceof IdentityError) return e.code
    throw e
  }
  return undefined
}

function newLedger(): IdentityLedger {
  return new IdentityLedger({ storage: createMemoryLedgerStorage() })
}

/** The same update with one action's signatures replaced. */
function withSignatures(
  update: IdentityUpdate,
  index: number,
  replace: Record<string, UnverifiedSignature>,
): IdentityUpdate {
  const actions = update.actions.map((a, i) => (i === index ? ({ ...a, ...replace } as IdentityAction) : a))
  return { ...update, actions }
}

describe('identity ledger', () => {
  it('registers an inbox, answers membership at each sequence id, diffs and address lookups', async () => {
    const ledger = newLedger()
    const r = await ledger.append(await registration(A, i1), { sequenceId: 10n, serverTimestampNs: at(1) })
    expect(r.state.inboxId).toBe(inboxA)
    await ledger.append(await addMember(inboxA, A, i2, 2), { sequenceId: 20n, serverTimestampNs: at(2) })
    await ledger.append(await addMember(inboxA, i1, B, 3), { sequenceId: 30n, serverTimestampNs: at(3) })
    await ledger.append(await revokeMember(inboxA, A, i1, 4), { sequenceId: 40n, serverTimestampNs: at(4) })

    expect(await ledger.wasInstallationMember(inboxA, i2.publicKey, 15n)).toBe(false)
    expect(await ledger.wasInstallationMember(inboxA, i2.publicKey, 20n)).toBe(true)
    expect(await ledger.wasInstallationMember(inboxA, i1.publicKey, 39n)).toBe(true)
    expect(await ledger.wasInstallationMember(inboxA, i1.publicKey, 40n)).toBe(false)
    expect(await ledger.getState(inboxA, 9n)).toBeUndefined()

    const diff = await ledger.membershipDiff(inboxA, 10n, 40n)
    expect(diff.newMembers.map((m) => m.kind)).toEqual(['installation', 'ethereum'])
    expect(diff.removedMembers).toEqual([i1.identifier])

    expect(await ledger.getInboxIdForAddress((B.identifier as { address: string }).address)).toBe(inboxA)
    expect((await ledger.getUpdates(inboxA, 20n)).map((e) => e.sequenceId)).toEqual([30n, 40n])
    expect(await ledger.latestSequenceId(inboxA)).toBe(40n)

    await ledger.append(await revokeMember(inboxA, A, B, 5), { sequenceId: 50n, serverTimestampNs: at(5) })
    expect(await ledger.getInboxIdForAddress((B.identifier as { address: string }).address)).toBeUndefined()
  })

  it('getAssociationState(old, new) gives the state and the diff of the new updates', async () => {
    const reg = await registration(A, i1)
    const add = await addMember(inboxA, A, i2, 2)
    const fromNothing = await getAssociationState([], [reg])
    expect(fromNothing.diff.newMembers).toHaveLength(2)
    const incremental = await getAssociationState([encodeIdentityUpdate(reg)], [add])
    expect(incremental.diff.newMembers).toEqual([i2.identifier])
    expect(incremental.state.members.size).toBe(3)
    expect(await codeOf(getAssociationState([], [add]))).toBe('Identity::NotCreated')
  })

  it('replays the stored log into the same states from a cold start', async () => {
    const storage = createMemoryLedgerStorage()
    const first = new IdentityLedger({ storage })
    await first.append(await registration(A, i1), { sequenceId: 1n, serverTimestampNs: at(1) })
    await first.append(await addMember(inboxA, A, i2, 2), { sequenceId: 2n, serverTimestampNs: at(2) })
    const cold = new IdentityLedger({ storage })
    expect(await cold.wasInstallationMember(inboxA, i2.publicKey, 2n)).toBe(true)
    expect((await cold.getState(inboxA))?.members.size).toBe(3)
  })

  it('keeps both rows when two inboxes add the same address concurrently', async () => {
    const memory = createMemoryLedgerStorage()
    // a slower address-log read, as on a real store: both appends read the log before either writes it
    const storage = {
      ...memory,
      getAddressLog: async (address: string) => {
        const log = await memory.getAddressLog(address)
        await new Promise((r) => setTimeout(r, 20))
        return log
      },
    }
    const ledger = new IdentityLedger({ storage })
    const inboxB = generateInboxId((B.identifier as { address: string }).address, 1n)
    await ledger.append(await registration(A, i1), { sequenceId: 1n, serverTimestampNs: at(1) })
    await ledger.append(await registration(B, i2), { sequenceId: 2n, serverTimestampNs: at(2) })
    const addC = [await addMember(inboxA, A, C, 3), await addMember(inboxB, B, C, 4)]
    await Promise.all([
      ledger.append(addC[0] as IdentityUpdate, { sequenceId: 3n, serverTimestampNs: at(3) }),
      ledger.append(addC[1] as IdentityUpdate, { sequenceId: 4n, serverTimestampNs: at(4) }),
    ])
    const address = (C.identifier as { address: string }).address
    const rows = await memory.getAddressLog(address)
    expect(rows.map((r) => [r.inboxId, r.associationSequenceId])).toEqual(
      expect.arrayContaining([
        [inboxA, 3n],
        [inboxB, 4n],
      ]),
    )
    expect(rows).toHaveLength(2)
    expect(await ledger.getInboxIdForAddress(address)).toBe(inboxB)
  })

  describe('rejects, each with its code', () => {
    it('a CreateInbox signed by the wrong wallet', async () => {
      const good = await registration(A, i1)
      const forged = (await registration(B, i1)).actions[0] as {
        initialIdentifierSignature: UnverifiedSignature
      }
      const bad = withSignatures(good, 0, { initialIdentifierSignature: forged.initialIdentifierSignature })
      expect(await codeOf(newLedger().append(bad, { sequenceId: 1n, serverTimestampNs: 0n }))).toBe(
        'Identity::SignerMismatch',
      )
    })

    it('signatures over another text (the wallet recovers someone else; Ed25519ph fails)', async () => {
      const good = await registration(A, i1)
      const other = { ...good, clientTimestampNs: good.clientTimestampNs + 1n * 1_000_000_000n }
      expect(signatureText(other)).not.toBe(signatureText(good))
      const walletOnly = { ...other, actions: other.actions.slice(0, 1) }
      expect(await codeOf(newLedger().append(walletOnly, { sequenceId: 1n, serverTimestampNs: 0n }))).toBe(
        'Identity::SignerMismatch',
      )
      expect(await codeOf(newLedger().append(other, { sequenceId: 1n, serverTimestampNs: 0n }))).toBe(
        'Identity::SignatureInvalid',
      )
    })

    it('a replayed update and a replayed signature', async () => {
      const ledger = newLedger()
      await ledger.append(await registration(A, i1), { sequenceId: 1n, serverTimestampNs: 0n })
      const add = await addMember(inboxA, A, i2, 2)
      await ledger.append(add, { sequenceId: 2n, serverTimestampNs: 0n })
      expect(await codeOf(ledger.append(add, { sequenceId: 3n, serverTimestampNs: 0n }))).toBe(
        'Identity::SignatureReplayed',
      )
      expect(
        await codeOf(ledger.append(encodeIdentityUpdate(add), { sequenceId: 3n, serverTimestampNs: 0n })),
      ).toBe('Identity::SignatureReplayed')
      expect((await ledger.getState(inboxA))?.members.size).toBe(3)
    })

    it('an installation adding an installation', async () => {
      const ledger = newLedger()
      await ledger.append(await registration(A, i1), { sequenceId: 1n, serverTimestampNs: 0n })
      expect(
        await codeOf(
          ledger.append(await addMember(inboxA, i1, i2, 2), { sequenceId: 2n, serverTimestampNs: 0n }),
        ),
      ).toBe('Identity::MemberNotAllowed')
    })

    it('a member that is not the recovery identifier revoking', async () => {
      const ledger = newLedger()
      await ledger.append(await registration(A, i1), { sequenceId: 1n, serverTimestampNs: 0n })
      await ledger.append(await addMember(inboxA, A, B, 2), { sequenceId: 2n, serverTimestampNs: 0n })
      expect(
        await codeOf(
          ledger.append(await revokeMember(inboxA, B, i1, 3), { sequenceId: 3n, serverTimestampNs: 0n }),
        ),
      ).toBe('Identity::SignerMismatch')
      // after a recovery change the old recovery wallet cannot revoke either
      await ledger.append(await changeRecovery(inboxA, A, B.identifier, 4), {
        sequenceId: 4n,
        serverTimestampNs: 0n,
      })
      expect(
        await codeOf(
          ledger.append(await revokeMember(inboxA, A, i1, 5), { sequenceId: 5n, serverTimestampNs: 0n }),
        ),
      ).toBe('Identity::SignerMismatch')
      await ledger.append(await revokeMember(inboxA, B, i1, 6), { sequenceId: 6n, serverTimestampNs: 0n })
    })

    it('adding to someone else’s inbox', async () => {
      const ledger = newLedger()
      await ledger.append(await registration(A, i1), { sequenceId: 1n, serverTimestampNs: 0n })
      // C signs as "existing member" of A's inbox: C is neither member nor recovery identifier
      expect(
        await codeOf(
          ledger.append(await addMember(inboxA, C, i3, 2), { sequenceId: 2n, serverTimestampNs: 0n }),
        ),
      ).toBe('Identity::SignerMismatch')
      // C's own registration relabelled with A's inbox id: the derived inbox id does not match
      const cReg = await registration(C, i3)
      expect(
        await codeOf(ledger.append({ ...cReg, inboxId: inboxA }, { sequenceId: 3n, serverTimestampNs: 0n })),
      ).toBe(
        // the relabelled text no longer matches the signatures
        'Identity::SignatureInvalid',
      )
    })

    it('an update whose actions build another inbox than it names', async () => {
      const reg = await registration(A, i1, 1n)
      const nonce2 = (await registration(A, i1, 2n)).inboxId
      // sign a nonce-1 registration labelled with the nonce-2 inbox id: valid signatures, wrong inbox
      const relabelled = new SignatureRequest({
        inboxId: nonce2,
        clientTimestampNs: reg.clientTimestampNs,
        actions: [
          { kind: 'createInbox', identifier: A.identifier, nonce: 1n },
          { kind: 'addAssociation', newMember: i1.identifier, existingMember: A.identifier },
        ],
      })
      await relabelled.sign(i1)
      await relabelled.sign(A)
      expect(
        await codeOf(newLedger().append(relabelled.build(), { sequenceId: 1n, serverTimestampNs: 0n })),
      ).toBe('Identity::WrongInboxId')
    })

    it('update 257 (the inbox log is full)', async () => {
      const ledger = newLedger()
      await ledger.append(await registration(A, i1), { sequenceId: 1n, serverTimestampNs: 0n })
      // wallet-only updates keep this fast: A keeps handing recovery to itself, a new text each time
      for (let n = 2; n <= maxUpdatesPerInbox; n++) {
        await ledger.append(await changeRecovery(inboxA, A, A.identifier, n), {
          sequenceId: BigInt(n),
          serverTimestampNs: 0n,
        })
      }
      const update257 = await changeRecovery(inboxA, A, A.identifier, 300)
      expect(await codeOf(ledger.validate(update257))).toBe('Identity::LogFull')
      expect(await codeOf(ledger.append(update257, { sequenceId: 300n, serverTimestampNs: 0n }))).toBe(
        'Identity::LogFull',
      )
    }, 60_000)

    it('malformed protobuf, unknown action kind, unknown signature kind', async () => {
      const ledger = newLedger()
      expect(
        await codeOf(ledger.append(Uint8Array.of(0x0a, 0xff), { sequenceId: 1n, serverTimestampNs: 0n })),
      ).toBe('Identity::MalformedUpdate')
      // IdentityUpdate { actions: [ IdentityAction { field 9: "" } ], inbox_id: "x" }
      const unknownAction = Uint8Array.of(0x0a, 0x02, 0x4a, 0x00, 0x1a, 0x01, 0x78)
      expect(await codeOf(ledger.append(unknownAction, { sequenceId: 1n, serverTimestampNs: 0n }))).toBe(
        'Identity::UnknownAction',
      )
      // IdentityUpdate { actions: [ { create_inbox: { initial_identifier_signature: { field 9: "" } } } ] }
      const unknownSig = Uint8Array.of(0x0a, 0x06, 0x0a, 0x04, 0x1a, 0x02, 0x4a, 0x00)
      expect(await codeOf(ledger.append(unknownSig, { sequenceId: 1n, serverTimestampNs: 0n }))).toBe(
        'Identity::UnknownSignatureKind',
      )
    })

    it('a sequence id that does not increase', async () => {
      const ledger = newLedger()
      await ledger.append(await registration(A, i1), { sequenceId: 5n, serverTimestampNs: 0n })
      expect(
        await codeOf(
          ledger.append(await addMember(inboxA, A, i2, 2), { sequenceId: 5n, serverTimestampNs: 0n }),
        ),
      ).toBe('Identity::SequenceOutOfOrder')
    })
  })
})

describe('batch verification in the ledger (verifyBatch: same states, same first error)', () => {
  /** A log of `length` updates of inbox A: register, then add and revoke installations in turn. */
  async function logOf(length: number): Promise<IdentityUpdate[]> {
    const log: IdentityUpdate[] = [await registration(A, i1)]
    let n = 10
    while (log.length < length) {
      const inst = installation(n++)
      log.push(await addMember(inboxA, A, inst, log.length))
      if (log.length < length) log.push(await revokeMember(inboxA, A, inst, log.length))
    }
    return log
  }

  /** `update` with its last action's last signature byte-flipped (an installation's, or a revoking wallet's). */
  function forged(update: IdentityUpdate): IdentityUpdate {
    const last = update.actions.length - 1
    const action = update.actions[last] as IdentityAction
    const flip = (sig: UnverifiedSignature): UnverifiedSignature => {
      if (sig.kind !== 'installationKey' && sig.kind !== 'erc191') return sig
      const signature = new Uint8Array(sig.signature)
      const byte = sig.kind === 'erc191' ? 64 : 40
      signature[byte] = (signature[byte] as number) ^ (sig.kind === 'erc191' ? 0x20 : 0x01)
      return { ...sig, signature }
    }
    switch (action.kind) {
      case 'addAssociation':
        return withSignatures(update, last, { newMemberSignature: flip(action.newMemberSignature) })
      case 'revokeAssociation':
        return withSignatures(update, last, {
          recoveryIdentifierSignature: flip(action.recoveryIdentifierSignature),
        })
      default:
        throw new Error('no signature to forge here')
    }
  }

  const describeError = (e: unknown) =>
    e instanceof IdentityError ? { code: e.code, message: e.message, details: e.details } : { thrown: e }

  /** Appends in order until the first failure; what was appended and that failure. */
  async function appendAll(ledger: IdentityLedger, updates: readonly (IdentityUpdate | object)[]) {
    let appended = 0
    try {
      for (const [i, u] of updates.entries()) {
        await ledger.append(u as IdentityUpdate, { sequenceId: BigInt(i + 1), serverTimestampNs: at(i) })
        appended++
      }
    } catch (error) {
      return { appended, error: describeError(error) }
    }
    return { appended, error: undefined }
  }

  it('appending prepared updates is appending them one by one: same states, stored bytes and first error', async () => {
    const log = await logOf(30)
    log[17] = forged(log[17] as IdentityUpdate)
    log[23] = log[3] as IdentityUpdate // a replay after the forgery: never reached
    const one = createMemoryLedgerStorage()
    const byOne = await appendAll(new IdentityLedger({ storage: one }), log)
    expect(byOne).toMatchObject({ appended: 17, error: { code: 'Identity::SignatureInvalid' } })

    const batched = createMemoryLedgerStorage()
    const ledger = new IdentityLedger({ storage: batched, verify: { workerThreshold: 0 } })
    const prepared = await ledger.prepare(log.map((u) => encodeIdentityUpdate(u)))
    expect(prepared.length).toBe(30)
    const byBatch = await appendAll(
      ledger,
      log.map((_, i) => prepared.at(i)),
    )
    expect(byBatch).toEqual(byOne)
    expect(await batched.getEntries(inboxA)).toEqual(await one.getEntries(inboxA))
    expect(await ledger.getState(inboxA)).toStrictEqual(
      await new IdentityLedger({ storage: one }).getState(inboxA),
    )
  })

  it('a prepared update is taken only by the ledger that prepared it', async () => {
    const prepared = await newLedger().prepare([await registration(A, i1)])
    await expect(
      newLedger().append(prepared.at(0) as unknown as IdentityUpdate, {
        sequenceId: 1n,
        serverTimestampNs: 0n,
      }),
    ).rejects.toThrow(TypeError)
    expect(() => prepared.at(1)).toThrow(RangeError)
  })

  it('a stored log is re-verified as one batch on a cold start: same states, or the same first error', async () => {
    const log = await logOf(40)
    const storage = createMemoryLedgerStorage()
    const warm = new IdentityLedger({ storage })
    await appendAll(warm, log)
    const cold = new IdentityLedger({ storage, verify: { workerThreshold: 0 } })
    expect(await cold.getState(inboxA)).toStrictEqual(await warm.getState(inboxA))
    expect(await cold.getState(inboxA, 21n)).toStrictEqual(await warm.getState(inboxA, 21n))

    // A store that holds a forged entry (written behind the ledger's back): the sequential replay and the
    // batch fail on it with the same error.
    const tampered = createMemoryLedgerStorage()
    for (const [i, entry] of (await storage.getEntries(inboxA)).entries()) {
      const update = i === 25 ? encodeIdentityUpdate(forged(log[25] as IdentityUpdate)) : entry.update
      await tampered.append({ inboxId: inboxA, entry: { ...entry, update }, addressLogs: [] })
    }
    let expected: unknown
    try {
      await getAssociationState(log.slice(0, 25), [forged(log[25] as IdentityUpdate), ...log.slice(26)], {
        workers: false,
      })
    } catch (error) {
      expected = describeError(error)
    }
    expect(expected).toMatchObject({ code: 'Identity::SignatureInvalid' })
    let got: unknown
    try {
      await new IdentityLedger({ storage: tampered, verify: { workerThreshold: 0 } }).getState(inboxA)
    } catch (error) {
      got = describeError(error)
    }
    expect(got).toEqual(expected)
    let viaBatch: unknown
    try {
      await getAssociationState(log.slice(0, 25), [forged(log[25] as IdentityUpdate), ...log.slice(26)], {
        workerThreshold: 0,
      })
    } catch (error) {
      viaBatch = describeError(error)
    }
    expect(viaBatch).toEqual(expected)
  })

  it('preload re-verifies many inboxes as one batch; an inbox that fails, fails alone and as it would alone', async () => {
    const inboxB = generateInboxId((B.identifier as { address: string }).address, 1n)
    const logA = await logOf(12)
    const storage = createMemoryLedgerStorage()
    const writer = new IdentityLedger({ storage })
    await appendAll(writer, logA)
    await writer.append(await registration(B, i2), { sequenceId: 100n, serverTimestampNs: 0n })
    await writer.append(await addMember(inboxB, B, C, 101), { sequenceId: 101n, serverTimestampNs: 0n })

    const cold = new IdentityLedger({ storage, verify: { workerThreshold: 0 } })
    await cold.preload([inboxA, inboxB, inboxA, 'unknown'])
    expect(await cold.getState(inboxA)).toStrictEqual(await writer.getState(inboxA))
    expect(await cold.getState(inboxB)).toStrictEqual(await writer.getState(inboxB))
    expect(await cold.getState('unknown')).toBeUndefined()

    // Inbox A's entry 7 forged in the store.
    const tampered = createMemoryLedgerStorage()
    for (const inboxId of [inboxA, inboxB]) {
      for (const [i, entry] of (await storage.getEntries(inboxId)).entries()) {
        const update =
          inboxId === inboxA && i === 7
            ? encodeIdentityUpdate(forged(logA[7] as IdentityUpdate))
            : entry.update
        await tampered.append({ inboxId, entry: { ...entry, update }, addressLogs: [] })
      }
    }
    let alone: unknown
    try {
      await new IdentityLedger({ storage: tampered }).getState(inboxA)
    } catch (error) {
      alone = describeError(error)
    }
    expect(alone).toMatchObject({ code: 'Identity::SignatureInvalid' })
    const preloaded = new IdentityLedger({ storage: tampered, verify: { workerThreshold: 0 } })
    await preloaded.preload([inboxA, inboxB])
    expect(await preloaded.getState(inboxB)).toStrictEqual(await writer.getState(inboxB))
    let got: unknown
    try {
      await preloaded.getState(inboxA)
    } catch (error) {
      got = describeError(error)
    }
    expect(got).toEqual(alone)
  })
})
