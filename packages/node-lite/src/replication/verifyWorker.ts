/**
 * The entry of a replication verification worker (verifyPool.ts): checks the originator signatures of a
 * packed page with `originatorSignatureMatches` and the default crypto provider, off the thread that stores.
 *
 * Request `{ id, key, packed, count }`: `packed` is `count` items of `u32be length ‖ unsigned bytes ‖
 * 65-byte signature`; answer `{ id, ok }` with `ok[i] = 1` when item i's signature is the key's.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads'
import { defaultCrypto } from '@xmtp-lite/common'
import { originatorSignatureMatches } from './signature.ts'

/** A page to check. */
export interface VerifyRequest {
  readonly id: number
  readonly key: Uint8Array
  readonly packed: Uint8Array
  readonly count: number
}

/** The verdicts of a page: 1 = the key's signature, 0 = not (re-checked by the caller). */
export interface VerifyAnswer {
  readonly id: number
  readonly ok: Uint8Array
}

/** Checks a packed page. */
function verifyPacked(request: Omit<VerifyRequest, 'id'>): Uint8Array {
  const { key, packed, count } = request
  const ok = new Uint8Array(count)
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength)
  let offset = 0
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(offset)
    const unsigned = packed.subarray(offset + 4, offset + 4 + len)
    const signature = packed.subarray(offset + 4 + len, offset + 4 + len + 65)
    offset += 4 + len + 65
    ok[i] = originatorSignatureMatches(defaultCrypto, key, unsigned, signature) ? 1 : 0
  }
  return ok
}

/** The `workerData.role` of a verification worker (the listener is attached only there). */
export const verifyWorkerRole = 'xmtp-lite-replication-verify'

const port = (workerData as { role?: unknown } | null)?.role === verifyWorkerRole ? parentPort : null
port?.on('message', (request: VerifyRequest) => {
  let ok: Uint8Array
  try {
    ok = verifyPacked(request)
  } catch {
    // A malformed request: nothing is vouched for, the caller re-checks everything.
    ok = new Uint8Array(request.count)
  }
  const answer: VerifyAnswer = { id: request.id, ok }
  port?.postMessage(answer, [ok.buffer as ArrayBuffer])
})
port?.postMessage({ ready: true })
