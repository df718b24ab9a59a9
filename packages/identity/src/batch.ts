/**
 * Batch verification: the signatures of many identity updates (one inbox log, or many logs) checked at
 * once, the wallet (EIP-191) and installation-key (Ed25519ph) ones spread over the calling thread and the
 * process's verification workers (verifyPool.ts). The signatures of a log do not depend on its state, so
 * they can be checked before the reducer runs; the reducer still sees the updates one by one, in order.
 *
 * The answer for update i is exactly what `verifyIdentityUpdate(updates[i], options)` gives: the same
 * verified update, or the same error. A signature a worker found invalid is verified again on the calling
 * thread by the sequential code, which throws the error (and code) the sequential path throws; smart-
 * contract-wallet, passkey and legacy signatures, and wallet or installation signatures of the wrong length,
 * are left to that code too, when (and only if) their update is asked for. A log validated update by update
 * through {@link VerifiedBatch.get} therefore stops at the same update, with the same error, as one
 * validated sequentially.
 * @module
 */
import { defaultCrypto, toHex, utf8ToBytes } from '@xmtp-lite/common'
import {
  actionSignatures,
  type IdentityUpdate,
  type UnverifiedSignature,
  type VerifiedIdentityUpdate,
  type VerifiedSignature,
} from './model.ts'
import { decodeIdentityUpdate } from './proto.ts'
import { signatureText } from './signatureText.ts'
import {
  cacheKey,
  type VerifyOptions,
  verifiedErc191,
  verifiedInstallation,
  verifyUpdateWith,
  verifyWithText,
} from './verify.ts'
import { By, type PooledCheck, PooledKind, packJob, resultSize, Status } from './verifyJob.ts'
import { sharedVerifyPool, type VerifyPoolStats } from './verifyPool.ts'

/**
 * Fewest wallet and installation signatures left to check (not answered by the cache) for which a batch
 * uses the verification workers. Measured by the identity bench ("by batch size") on this project's shared
 * 2-core machine at load averages 7-11: the workers start to pay between 38 and 72 signatures (below, packing
 * the job and waking a worker cost more than the worker saves; a 64-update log, 96 signatures, gained 1.18x).
 */
export const defaultWorkerThreshold = 64

/** Options of {@link verifyBatch}. */
export interface BatchVerifyOptions extends VerifyOptions {
  /**
   * Whether the process's verification workers may check signatures (default true; they are used only with
   * the default crypto provider, in Node, and for at least {@link workerThreshold} signatures).
   */
  readonly workers?: boolean
  /** Fewest signatures to check for which the workers are used (default {@link defaultWorkerThreshold}). */
  readonly workerThreshold?: number
  /**
   * Tests and benchmarks: false = the calling thread checks none of the pooled signatures itself and waits
   * for the workers (it still does when the pool has no worker). Default true.
   */
  readonly callerChecks?: boolean
}

/** The verified updates of a batch, asked for one by one. */
export interface VerifiedBatch {
  readonly length: number
  /**
   * Update i as decoded (an update given as bytes is decoded once).
   * @throws {IdentityError} the decoding error `decodeIdentityUpdate` throws for it
   */
  update(i: number): IdentityUpdate
  /**
   * Update i with its signatures verified: what `verifyIdentityUpdate(update(i), options)` returns.
   * @throws {IdentityError} what `update(i)` or `verifyIdentityUpdate` throws for it
   */
  get(i: number): Promise<VerifiedIdentityUpdate>
  /** Signatures the workers checked in this batch (0 when it ran on the calling thread only). */
  readonly workerChecks: number
}

/** The verified signatures of a batch, asked for one by one. */
export interface VerifiedSignatureBatch {
  readonly length: number
  /**
   * Signature i verified: what `verifySignature(signature, text, options)` returns.
   * @throws {IdentityError} what `verifySignature` throws for it
   */
  get(i: number): Promise<VerifiedSignature>
  /** Signatures the workers checked in this batch (0 when it ran on the calling thread only). */
  readonly workerChecks: number
}

/** A signature over a text's bytes, with the text's hex SHA-256 when a cache is used. */
interface Entry {
  readonly signature: UnverifiedSignature
  readonly text: Uint8Array
  readonly textHash: string
}

/** What the pool found: per entry its verified form, or undefined (not pooled, or invalid there). */
interface Pooled {
  readonly results: readonly (VerifiedSignature | undefined)[]
  readonly workerChecks: number
}

/**
 * Checks the wallet and installation signatures among `entries` that the cache does not answer, on the
 * workers and this thread, when there are enough of them; caches the successes.
 */
async function checkPooled(
  entries: readonly Entry[],
  texts: readonly Uint8Array[],
  textOf: readonly number[],
  options: BatchVerifyOptions,
): Promise<Pooled> {
  const crypto = options.crypto ?? defaultCrypto
  const cache = options.cache
  const checks: PooledCheck[] = []
  const checkOf = entries.map((entry, i) => {
    const sig = entry.signature
    let check: PooledCheck | undefined
    const text = textOf[i] as number
    if (sig.kind === 'erc191' && sig.signature.length === 65) {
      check = { kind: PooledKind.erc191, text, signature: sig.signature }
    } else if (sig.kind === 'installationKey' && sig.signature.length === 64 && sig.publicKey.length === 32) {
      check = { kind: PooledKind.installationKey, text, signature: sig.signature, publicKey: sig.publicKey }
    }
    if (check !== undefined && cache !== undefined) {
      const key = cacheKey(sig, entry.textHash)
      if (cache.get(key) !== undefined || cache.getFailure?.(key) !== undefined) check = undefined
    }
    return check === undefined ? -1 : checks.push(check) - 1
  })
  const none: Pooled = { results: [], workerChecks: 0 }
  if (options.workers === false || crypto !== defaultCrypto) return none
  if (checks.length === 0 || checks.length < (options.workerThreshold ?? defaultWorkerThreshold)) return none
  const pool = sharedVerifyPool()
  if (pool === undefined) return none

  const job = packJob(texts, checks)
  await pool.run(job, options.callerChecks === false ? { callerChecks: false } : {})
  let workerChecks = 0
  const verified = checks.map((check, k): VerifiedSignature | undefined => {
    const out = k * resultSize
    if (job.results[out] !== Status.valid) return undefined
    if (job.results[out + 1] === By.worker) workerChecks++
    if (check.kind === PooledKind.erc191) {
      return verifiedErc191(
        `0x${toHex(job.results.subarray(out + 2, out + 22))}`,
        job.results.slice(out + 22, out + 87),
      )
    }
    return verifiedInstallation({
      kind: 'installationKey',
      signature: check.signature,
      publicKey: check.publicKey as Uint8Array,
    })
  })
  const results = checkOf.map((k) => (k < 0 ? undefined : verified[k]))
  // Successes go to the cache now (the sequential path caches each as it verifies it).
  if (cache !== undefined) {
    results.forEach((v, i) => {
      const entry = entries[i] as Entry
      if (v !== undefined) cache.set(cacheKey(entry.signature, entry.textHash), v)
    })
  }
  return { results, workerChecks }
}

/**
 * Verifies many signatures, each over its own text (installation keys and wallets signing, say, many
 * inboxes' updates): signature i's answer is exactly what `verifySignature(signature, text, options)` gives,
 * the wallet and installation ones checked on the verification workers where that pays.
 */
export async function verifySignatures(
  items: readonly { readonly signature: UnverifiedSignature; readonly text: string }[],
  options: BatchVerifyOptions = {},
): Promise<VerifiedSignatureBatch> {
  const crypto = options.crypto ?? defaultCrypto
  const entries: Entry[] = items.map(({ signature, text }) => {
    const bytes = utf8ToBytes(text)
    return {
      signature,
      text: bytes,
      textHash: options.cache === undefined ? '' : toHex(crypto.sha256(bytes)),
    }
  })
  const pooled = await checkPooled(
    entries,
    entries.map((e) => e.text),
    entries.map((_, i) => i),
    options,
  )
  return {
    length: entries.length,
    workerChecks: pooled.workerChecks,
    async get(i) {
      const entry = entries[i]
      if (entry === undefined) throw new RangeError(`no signature ${i} in a batch of ${entries.length}`)
      return pooled.results[i] ?? verifyWithText(entry.signature, entry.text, options, crypto, entry.textHash)
    },
  }
}

type Parsed =
  | {
      readonly ok: true
      readonly update: IdentityUpdate
      /** The signature text's bytes, or the error computing it threw. */
      readonly text: Uint8Array | { readonly error: unknown }
      readonly textHash: string
      /** The index of its first signature among the batch's entries. */
      readonly first: number
    }
  | { readonly ok: false; readonly error: unknown }

/**
 * Verifies the signatures of `updates` (decoded updates or `IdentityUpdate` protobuf bytes), on the
 * verification workers where that pays, and returns them for the reducer in order.
 */
export async function verifyBatch(
  updates: readonly (IdentityUpdate | Uint8Array)[],
  options: BatchVerifyOptions = {},
): Promise<VerifiedBatch> {
  const crypto = options.crypto ?? defaultCrypto
  const cache = options.cache
  const entries: Entry[] = []
  const texts: Uint8Array[] = []
  const textOf: number[] = []
  const parsed: Parsed[] = updates.map((u) => {
    let update: IdentityUpdate
    try {
      update = u instanceof Uint8Array ? decodeIdentityUpdate(u) : u
    } catch (error) {
      return { ok: false, error }
    }
    let text: Uint8Array | { error: unknown }
    try {
      text = utf8ToBytes(signatureText(update))
    } catch (error) {
      text = { error }
    }
    const first = entries.length
    if (!(text instanceof Uint8Array)) return { ok: true, update, text, textHash: '', first }
    const textHash = cache === undefined ? '' : toHex(crypto.sha256(text))
    texts.push(text)
    for (const action of update.actions) {
      for (const signature of actionSignatures(action)) {
        entries.push({ signature, text, textHash })
        textOf.push(texts.length - 1)
      }
    }
    return { ok: true, update, text, textHash, first }
  })
  const pooled = await checkPooled(entries, texts, textOf, options)

  return {
    length: updates.length,
    workerChecks: pooled.workerChecks,
    update(i) {
      const p = parsed[i]
      if (p === undefined) throw new RangeError(`no update ${i} in a batch of ${parsed.length}`)
      if (!p.ok) throw p.error
      return p.update
    },
    async get(i) {
      const p = parsed[i]
      if (p === undefined) throw new RangeError(`no update ${i} in a batch of ${parsed.length}`)
      if (!p.ok) throw p.error
      if (!(p.text instanceof Uint8Array)) throw p.text.error
      const text = p.text
      let j = p.first
      return verifyUpdateWith(p.update, async (sig) => {
        // Not checked by the pool, or found invalid there: the sequential code decides (and names the error).
        return pooled.results[j++] ?? verifyWithText(sig, text, options, crypto, p.textHash)
      })
    },
  }
}

/**
 * Verifies many updates: what verifying each with `verifyIdentityUpdate` in order gives, the signatures
 * checked by {@link verifyBatch}.
 * @throws {IdentityError} the first failure in order, the error `verifyIdentityUpdate` throws for it
 */
export async function verifyIdentityUpdates(
  updates: readonly (IdentityUpdate | Uint8Array)[],
  options: BatchVerifyOptions = {},
): Promise<VerifiedIdentityUpdate[]> {
  const batch = await verifyBatch(updates, options)
  const out: VerifiedIdentityUpdate[] = []
  for (let i = 0; i < batch.length; i++) out.push(await batch.get(i))
  return out
}

/** What the process's verification workers have done (undefined without workers). */
export function verifyWorkerStats(): VerifyPoolStats | undefined {
  return sharedVerifyPool()?.stats
}
