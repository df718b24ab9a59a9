/**
 * A batch of signature checks shared between the calling thread and the verification workers
 * (verifyPool.ts, verifyWorker.ts) through shared memory: every thread claims the next unclaimed check with
 * one atomic increment until none is left, so the work splits by how fast each thread actually runs (a
 * worker that has no core, or is still starting, simply claims fewer or none).
 *
 * Each check runs {@link recoverEcdsa} or {@link checkInstallationSignature} with the default crypto
 * provider, the functions the sequential path runs; a check records valid or invalid, plus the recovered
 * address and replay key of a wallet signature. Depends on `@xmtp-lite/common` only (workers load it).
 * @module
 */
import { type CryptoProvider, fromHex } from '@xmtp-lite/common'
import { checkInstallationSignature, recoverEcdsa } from './verifyCore.ts'

/** What a pooled check verifies. */
export const PooledKind = { erc191: 0, installationKey: 1 } as const

/** One check: a 65-byte EIP-191 signature, or a 64-byte Ed25519ph signature with its 32-byte key. */
export interface PooledCheck {
  readonly kind: (typeof PooledKind)[keyof typeof PooledKind]
  /** Index into the job's texts. */
  readonly text: number
  readonly signature: Uint8Array
  readonly publicKey?: Uint8Array
}

/** The shared buffers of a job (structured-cloned to workers as shared memory, never copied). */
export interface SharedJob {
  /** `[next unclaimed index, check count]`. */
  readonly control: Int32Array
  /** Per check: kind, text offset, text length, payload offset (signature then key) in `data`. */
  readonly index: Int32Array
  readonly data: Uint8Array
  /** Per check {@link resultSize} bytes: status, by whom, 20-byte address, 65-byte replay key. */
  readonly results: Uint8Array
}

/** A job for a worker. */
export interface WorkerJob {
  readonly id: number
  readonly job: SharedJob
}

/** A worker's answer: it has finished its claims in job `id`, `ran` checks in all. */
export interface WorkerAnswer {
  readonly id: number
  readonly ran: number
}

/** The `workerData.role` of an identity verification worker (its listener is attached only there). */
export const identityVerifyWorkerRole = 'xmtp-lite-identity-verify'

/** Bytes of one check's result. */
export const resultSize = 87
/** Result status: not done yet, valid, invalid. */
export const Status = { pending: 0, valid: 1, invalid: 2 } as const
/** Who ran a check: the calling thread or a worker. */
export const By = { caller: 0, worker: 1 } as const

/** Lays `checks` over `texts` out in shared memory. */
export function packJob(texts: readonly Uint8Array[], checks: readonly PooledCheck[]): SharedJob {
  let size = 0
  for (const t of texts) size += t.length
  for (const c of checks) size += c.signature.length + (c.publicKey?.length ?? 0)
  const data = new Uint8Array(new SharedArrayBuffer(Math.max(1, size)))
  const textOffsets: number[] = []
  let offset = 0
  for (const t of texts) {
    textOffsets.push(offset)
    data.set(t, offset)
    offset += t.length
  }
  const index = new Int32Array(new SharedArrayBuffer(Math.max(1, checks.length) * 16))
  checks.forEach((c, i) => {
    index[i * 4] = c.kind
    index[i * 4 + 1] = textOffsets[c.text] as number
    index[i * 4 + 2] = (texts[c.text] as Uint8Array).length
    index[i * 4 + 3] = offset
    data.set(c.signature, offset)
    offset += c.signature.length
    if (c.publicKey !== undefined) {
      data.set(c.publicKey, offset)
      offset += c.publicKey.length
    }
  })
  const control = new Int32Array(new SharedArrayBuffer(8))
  control[1] = checks.length
  const results = new Uint8Array(new SharedArrayBuffer(Math.max(1, checks.length) * resultSize))
  return { control, index, data, results }
}

function runCheck(job: SharedJob, i: number, crypto: CryptoProvider, by: number): void {
  const kind = job.index[i * 4] as number
  const textOffset = job.index[i * 4 + 1] as number
  const text = job.data.slice(textOffset, textOffset + (job.index[i * 4 + 2] as number))
  const payload = job.index[i * 4 + 3] as number
  const out = i * resultSize
  let status: number = Status.invalid
  try {
    if (kind === PooledKind.erc191) {
      const { address, replayKey } = recoverEcdsa(text, job.data.slice(payload, payload + 65), crypto)
      job.results.set(fromHex(address.slice(2)), out + 2)
      job.results.set(replayKey, out + 22)
    } else {
      checkInstallationSignature(
        text,
        job.data.slice(payload, payload + 64),
        job.data.slice(payload + 64, payload + 96),
        crypto,
      )
    }
    status = Status.valid
  } catch {
    // Invalid: the caller re-runs this signature on its own thread, which names the failure.
  }
  job.results[out + 1] = by
  Atomics.store(job.results, out, status)
}

/**
 * Claims and runs checks of `job` until none is left; returns how many this thread ran. A check's result
 * bytes are written before the atomic store of its status that publishes them.
 */
export function runJob(job: SharedJob, crypto: CryptoProvider, by: number): number {
  const count = job.control[1] as number
  let ran = 0
  for (;;) {
    const i = Atomics.add(job.control, 0, 1)
    if (i >= count) return ran
    runCheck(job, i, crypto, by)
    ran++
  }
}

/**
 * Runs on this thread every check that is claimed but not done yet (a worker is on it, or lost its core, or
 * died), so the caller never waits on a worker. The worker may finish the same check meanwhile and write the
 * same result bytes (the checks are deterministic); only who ran it may differ. Returns how many it ran.
 */
export function takeBack(job: SharedJob, crypto: CryptoProvider): number {
  const count = job.control[1] as number
  Atomics.store(job.control, 0, count)
  let ran = 0
  for (let i = 0; i < count; i++) {
    if (Atomics.load(job.results, i * resultSize) === Status.pending) {
      runCheck(job, i, crypto, By.caller)
      ran++
    }
  }
  return ran
}
