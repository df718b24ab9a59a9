/**
 * verifyBatch against the sequential path: the same verified updates for an honest log, and for a log
 * with failures the same first failure in log order with the same error (code, message, details, cause),
 * whether the signatures ran on the verification workers, on this thread, or split between them. The
 * workers are real worker threads running verifyWorker.ts; `callerChecks: false` makes them check every
 * pooled signature, so their verdicts are tested on their own.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { concatBytes, defaultCrypto, nobleCrypto, toHex } from '@xmtp-lite/common'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type BatchVerifyOptions,
  verifyBatch,
  verifyIdentityUpdates,
  verifySignatures,
  verifyWorkerStats,
} from './batch.ts'
import { IdentityError } from './errors.ts'
import {
  actionSignatures,
  type IdentityAction,
  type IdentityUpdate,
  type UnverifiedSignature,
} from './model.ts'
import { encodeIdentityUpdate } from './proto.ts'
import { signatureText } from './signatureText.ts'
import { type AssociationState, applyUpdate } from './state.ts'
import { addMember, installation, registration, revokeMember, wallet } from './testing.fixtures.ts'
import { createSignatureCache, type VerifyOptions, verifyIdentityUpdate, verifySignature } from './verify.ts'
import { warmVerifyWorkers } from './verifyPool.ts'

const secpN = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const owner = wallet(1)

/** Register, then add and revoke installations in turn: `length` updates, 2 signatures per add. */
async function buildLog(length: number): Promise<IdentityUpdate[]> {
  const log: IdentityUpdate[] = [await registration(owner, installation(0))]
  const inboxId = log[0]?.inboxId as string
  let n = 1
  while (log.length < length) {
    const inst = installation(n)
    log.push(await addMember(inboxId, owner, inst, log.length))
    if (log.length < length) log.push(await revokeMember(inboxId, owner, inst, log.length))
    n++
  }
  return log
}

/** The same update with signature `j` (in action order) replaced by `change(it)`. */
function withSignature(
  update: IdentityUpdate,
  j: number,
  change: (sig: UnverifiedSignature) => UnverifiedSignature,
): IdentityUpdate {
  let k = 0
  const swap = (sig: UnverifiedSignature) => (k++ === j ? change(sig) : sig)
  const actions = update.actions.map((a): IdentityAction => {
    switch (a.kind) {
      case 'createInbox':
        return { ...a, initialIdentifierSignature: swap(a.initialIdentifierSignature) }
      case 'addAssociation': {
        const existingMemberSignature = swap(a.existingMemberSignature)
        return { ...a, existingMemberSignature, newMemberSignature: swap(a.newMemberSignature) }
      }
      case 'revokeAssociation':
        return { ...a, recoveryIdentifierSignature: swap(a.recoveryIdentifierSignature) }
      default:
        return {
          ...a,
          existingRecoveryIdentifierSignature: swap(a.existingRecoveryIdentifierSignature),
        }
    }
  })
  return { ...update, actions }
}

const flipByte = (bytes: Uint8Array, i: number) => {
  const out = new Uint8Array(bytes)
  out[i] = (out[i] as number) ^ 0x01
  return out
}
const be32 = (x: bigint) => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'))

/** Every way a signature is changed below. */
const forge = {
  /** r changed: recovers another key, or none. */
  flipR: (sig: UnverifiedSignature) =>
    sig.kind === 'erc191' ? { ...sig, signature: flipByte(sig.signature, 5) } : sig,
  /** A recovery byte that is none of 0, 1, 27, 28. */
  badV: (sig: UnverifiedSignature) =>
    sig.kind === 'erc191'
      ? { ...sig, signature: concatBytes(sig.signature.subarray(0, 64), Uint8Array.of(29)) }
      : sig,
  /** s = n + 1: not a scalar. */
  sAboveN: (sig: UnverifiedSignature) =>
    sig.kind === 'erc191'
      ? {
          ...sig,
          signature: concatBytes(sig.signature.subarray(0, 32), be32(secpN + 1n), sig.signature.subarray(64)),
        }
      : sig,
  /** The high-s twin: valid, and normalised to the same replay key. */
  highS: (sig: UnverifiedSignature) => {
    if (sig.kind !== 'erc191') return sig
    const s = BigInt(`0x${toHex(sig.signature.subarray(32, 64))}`)
    const v = sig.signature[64] as number
    return {
      ...sig,
      signature: concatBytes(
        sig.signature.subarray(0, 32),
        be32(secpN - s),
        Uint8Array.of(v === 27 ? 28 : v === 28 ? 27 : v ^ 1),
      ),
    }
  },
  /** 64 bytes: not even a recoverable signature (left to the sequential code). */
  short: (sig: UnverifiedSignature) =>
    sig.kind === 'erc191' ? { ...sig, signature: sig.signature.subarray(0, 64) } : sig,
  /** An Ed25519ph signature with S changed. */
  flipS: (sig: UnverifiedSignature) =>
    sig.kind === 'installationKey' ? { ...sig, signature: flipByte(sig.signature, 40) } : sig,
  /** An Ed25519ph signature with S + L (S not below L). */
  sPlusL: (sig: UnverifiedSignature) => {
    if (sig.kind !== 'installationKey') return sig
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    const s = BigInt(`0x${toHex(Uint8Array.from(sig.signature.subarray(32)).reverse())}`)
    return { ...sig, signature: concatBytes(sig.signature.subarray(0, 32), be32(s + L).reverse()) }
  },
  /** Another installation's key: the signature does not verify under it. */
  otherKey: (sig: UnverifiedSignature) =>
    sig.kind === 'installationKey' ? { ...sig, publicKey: installation(199).publicKey } : sig,
} as const

/** What an error is, for comparing two of them. */
function describeError(error: unknown): unknown {
  if (!(error instanceof Error)) return { thrown: error }
  const cause = (error as { cause?: unknown }).cause
  return {
    name: error.name,
    code: error instanceof IdentityError ? error.code : undefined,
    message: error.message,
    details: error instanceof IdentityError ? error.details : undefined,
    cause: cause instanceof Error ? `${cause.name}: ${cause.message}` : cause,
  }
}

type Outcome =
  | { readonly ok: true; readonly state: AssociationState | undefined }
  | { readonly ok: false; readonly at: number; readonly error: unknown }

/** The sequential path: verify each update and apply it, in order. */
async function sequential(log: readonly IdentityUpdate[], options: VerifyOptions = {}): Promise<Outcome> {
  let state: AssociationState | undefined
  for (const [i, u] of log.entries()) {
    try {
      state = applyUpdate(state, await verifyIdentityUpdate(u, options))
    } catch (error) {
      return { ok: false, at: i, error: describeError(error) }
    }
  }
  return { ok: true, state }
}

/** The batch path: verify the signatures of the whole log, then apply each update in order. */
async function batched(
  log: readonly (IdentityUpdate | Uint8Array)[],
  options: BatchVerifyOptions,
): Promise<Outcome & { readonly workerChecks: number }> {
  const batch = await verifyBatch(log, options)
  let state: AssociationState | undefined
  for (let i = 0; i < batch.length; i++) {
    try {
      state = applyUpdate(state, await batch.get(i))
    } catch (error) {
      return { ok: false, at: i, error: describeError(error), workerChecks: batch.workerChecks }
    }
  }
  return { ok: true, state, workerChecks: batch.workerChecks }
}

/** The batch modes: workers only, shared with this thread, this thread only. */
const modes: readonly [string, BatchVerifyOptions][] = [
  ['workers only', { workerThreshold: 0, callerChecks: false }],
  ['workers and this thread', { workerThreshold: 0 }],
  ['this thread only', { workers: false }],
]

let log: IdentityUpdate[]

beforeAll(async () => {
  log = await buildLog(24)
  // Not needed for correctness: so that "workers only" does not wait for the first worker in a test.
  expect(await warmVerifyWorkers()).toBe(true)
}, 120_000)

describe('verifyBatch is the sequential path', () => {
  it.each(modes)('an honest log: the same verified updates and final state (%s)', async (_, options) => {
    const expected: unknown[] = []
    for (const u of log) expected.push(await verifyIdentityUpdate(u))
    expect(await verifyIdentityUpdates(log, options)).toStrictEqual(expected)
    const s = await sequential(log)
    const b = await batched(log, options)
    expect(b.ok).toBe(true)
    expect(b.ok && b.state).toStrictEqual(s.ok && s.state)
    const pooled = log.reduce(
      (n, u) => n + u.actions.reduce((m, a) => m + (a.kind === 'addAssociation' ? 2 : 1), 0),
      0,
    )
    if (options.callerChecks === false) expect(b.workerChecks).toBe(pooled)
    if (options.workers === false) expect(b.workerChecks).toBe(0)
  })

  // update 0: CreateInbox (wallet) + AddAssociation (wallet, installation); odd: add (wallet, installation);
  // even > 0: revoke (wallet).
  const cases: [string, number, number, (s: UnverifiedSignature) => UnverifiedSignature][] = [
    ['the creator wallet signature, r changed', 0, 0, forge.flipR],
    ['the first installation signature, S changed', 0, 2, forge.flipS],
    ['an adding wallet signature, bad v', 5, 0, forge.badV],
    ['an added installation signature, S + L', 7, 1, forge.flipS],
    ['an installation signature, S + L (not below L)', 9, 1, forge.sPlusL],
    ['an installation signature under another key', 11, 1, forge.otherKey],
    ['a revoking wallet signature, s = n + 1', 12, 0, forge.sAboveN],
    ['a revoking wallet signature, 64 bytes', 14, 0, forge.short],
    ['the last update, r changed', 23, 0, forge.flipR],
  ]
  describe.each(modes)('%s', (_, options) => {
    it.each(cases)('one forged signature: %s', async (_name, at, j, change) => {
      const tampered = [...log]
      tampered[at] = withSignature(log[at] as IdentityUpdate, j, change)
      const s = await sequential(tampered)
      expect(s.ok).toBe(false)
      expect(s.ok ? -1 : s.at).toBe(at)
      expect(await batched(tampered, options)).toMatchObject(s)
    })

    it('a high-s wallet signature is accepted by both, with the same replay key', async () => {
      const tampered = [...log]
      tampered[3] = withSignature(log[3] as IdentityUpdate, 0, forge.highS)
      const s = await sequential(tampered)
      expect(s.ok).toBe(true)
      expect(await batched(tampered, options)).toMatchObject(s)
      expect(await verifyIdentityUpdates(tampered, options)).toStrictEqual(
        await verifyIdentityUpdates(tampered, { workers: false }),
      )
    })

    it('mixed failures: the first in log order wins, a rule or a signature', async () => {
      // A replayed update (rule: SignatureReplayed) at 6, a forged signature at 10.
      const replayFirst = [...log]
      replayFirst[6] = log[2] as IdentityUpdate
      replayFirst[10] = withSignature(log[10] as IdentityUpdate, 0, forge.flipR)
      const s1 = await sequential(replayFirst)
      expect(s1).toMatchObject({ ok: false, at: 6, error: { code: 'Identity::SignatureReplayed' } })
      expect(await batched(replayFirst, options)).toMatchObject(s1)
      // A forged signature at 4, the replay at 8.
      const forgedFirst = [...log]
      forgedFirst[4] = withSignature(log[4] as IdentityUpdate, 0, forge.badV)
      forgedFirst[8] = log[2] as IdentityUpdate
      const s2 = await sequential(forgedFirst)
      expect(s2).toMatchObject({ ok: false, at: 4, error: { code: 'Identity::SignatureInvalid' } })
      expect(await batched(forgedFirst, options)).toMatchObject(s2)
      // Both signatures of one update forged: the one the actions list first.
      const both = [...log]
      both[5] = withSignature(withSignature(log[5] as IdentityUpdate, 1, forge.flipS), 0, forge.sAboveN)
      const s3 = await sequential(both)
      expect(s3).toMatchObject({
        ok: false,
        at: 5,
        error: { message: expect.stringContaining('ECDSA s is not below the group order') },
      })
      expect(await batched(both, options)).toMatchObject(s3)
      // Forgeries everywhere after 15.
      const many = log.map((u, i) =>
        i > 15 ? withSignature(u, 0, i % 2 === 0 ? forge.flipR : forge.badV) : u,
      )
      const s4 = await sequential(many)
      expect(s4).toMatchObject({ ok: false, at: 16 })
      expect(await batched(many, options)).toMatchObject(s4)
    })

    it('bytes that do not decode fail at their position, after any earlier failure', async () => {
      const bytes: (IdentityUpdate | Uint8Array)[] = log.map((u) => encodeIdentityUpdate(u))
      bytes[9] = Uint8Array.of(0x0a, 0xff, 0xff)
      const b = await batched(bytes, options)
      expect(b).toMatchObject({ ok: false, at: 9, error: { code: 'Identity::MalformedUpdate' } })
      const forged = withSignature(log[3] as IdentityUpdate, 0, forge.badV)
      bytes[3] = encodeIdentityUpdate(forged)
      const s = await sequential([...log.slice(0, 3), forged])
      expect(s).toMatchObject({ ok: false, at: 3, error: { code: 'Identity::SignatureInvalid' } })
      expect(await batched(bytes, options)).toMatchObject(s)
    })

    it('a smart-contract-wallet signature is left to the sequential code (no verifier: ScwVerifierMissing)', async () => {
      // A wallet added by the owner, its own signature swapped for a smart-contract-wallet one.
      const added = withSignature(
        await addMember(log[0]?.inboxId as string, owner, wallet(7), 30),
        1,
        () => ({
          kind: 'smartContractWallet',
          accountId: `eip155:1:${(wallet(7).identifier as { address: string }).address}`,
          blockNumber: 5n,
          signature: new Uint8Array(65),
        }),
      )
      const s = await sequential([...log, added])
      expect(s).toMatchObject({ ok: false, at: 24, error: { code: 'Identity::ScwVerifierMissing' } })
      expect(await batched([...log, added], options)).toMatchObject(s)
    })
  })

  it.each(modes)("verifySignatures: each answer is verifySignature's (%s)", async (_, options) => {
    // Every signature of the log with its own text, some forged (and one of each not pooled: wrong length).
    const items = log.flatMap((u, i) =>
      u.actions.flatMap(actionSignatures).map((signature, j) => {
        const change = [forge.flipR, forge.badV, forge.flipS, forge.sPlusL, forge.short, forge.otherKey][
          (i + j) % 9
        ]
        return { signature: change === undefined ? signature : change(signature), text: signatureText(u) }
      }),
    )
    const batch = await verifySignatures(items, options)
    expect(batch.length).toBe(items.length)
    let refused = 0
    for (const [i, item] of items.entries()) {
      let expected: unknown
      try {
        expected = await verifySignature(item.signature, item.text)
      } catch (error) {
        expected = describeError(error)
        refused++
      }
      let got: unknown
      try {
        got = await batch.get(i)
      } catch (error) {
        got = describeError(error)
      }
      expect(got).toStrictEqual(expected)
    }
    expect(refused).toBeGreaterThan(5)
    if (options.callerChecks === false) expect(batch.workerChecks).toBeGreaterThan(0)
  })

  it('with a cache: pooled successes are cached, the cache then answers them, verdicts unchanged', async () => {
    const cache = createSignatureCache(1_000)
    const tampered = [...log]
    tampered[7] = withSignature(log[7] as IdentityUpdate, 1, forge.flipS)
    const s = await sequential(tampered)
    const first = await batched(tampered, { cache, workerThreshold: 0, callerChecks: false })
    expect(first).toMatchObject(s)
    expect(first.workerChecks).toBeGreaterThan(0)
    // Everything is now cached (the forgery as a refusal): nothing is left for the workers.
    const second = await batched(tampered, { cache, workerThreshold: 0, callerChecks: false })
    expect(second).toMatchObject(s)
    expect(second.workerChecks).toBe(0)
    expect(await sequential(tampered, { cache })).toStrictEqual(s)
  })

  it('uses the workers only with the default provider and from the threshold up', async () => {
    const before = verifyWorkerStats()?.workerChecks ?? 0
    const noble = await batched(log, { crypto: nobleCrypto, workerThreshold: 0, callerChecks: false })
    expect(noble.workerChecks).toBe(0)
    expect(noble).toMatchObject(await sequential(log, { crypto: nobleCrypto }))
    const small = await batched(log.slice(0, 3), { workerThreshold: 100, callerChecks: false })
    expect(small.workerChecks).toBe(0)
    expect(verifyWorkerStats()?.workerChecks ?? 0).toBe(before)
    expect(defaultCrypto).not.toBe(nobleCrypto)
  })
})

describe('verification workers', () => {
  it('never keep a process alive (a script that used them exits by itself)', () => {
    const script = `
      import { verifyIdentityUpdates } from './src/batch.ts'
      import { addMember, installation, registration, revokeMember, wallet } from './src/testing.fixtures.ts'
      const owner = wallet(1)
      const first = await registration(owner, installation(0))
      const log = [first, await addMember(first.inboxId, owner, installation(1), 1)]
      log.push(await revokeMember(first.inboxId, owner, installation(1), 2))
      log.push(await addMember(first.inboxId, owner, installation(2), 3))
      const verified = await verifyIdentityUpdates(log, { workerThreshold: 0, callerChecks: false })
      console.log('verified', verified.length)
    `
    const r = spawnSync(
      process.execPath,
      ['--conditions=@xmtp-lite/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 120_000 },
    )
    expect(r.error).toBeUndefined()
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('verified 4')
    expect(r.status).toBe(0)
  }, 150_000)
})
