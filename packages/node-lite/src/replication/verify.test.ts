/**
 * Differential test of checkBatch's signature path: the known-key fast path must give the verdict, and on
 * refusal the error, of `verifyOriginatorEnvelope` (recovery) for the same envelope, on honest envelopes
 * and on every signature malleation we can name.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { defaultCrypto, isBaseError, nobleCrypto } from '@xmtp-lite/common'
import {
  createClientEnvelope,
  createOriginatorEnvelope,
  createUnsignedPayerEnvelope,
  groupMessagesTopic,
  parseOriginatorEnvelope,
  verifyOriginatorEnvelope,
} from '@xmtp-lite/envelopes'
import { xmtp } from '@xmtp-lite/proto'
import { afterAll, describe, expect, it } from 'vitest'
import { encodePrivateMessageFrame } from '../mlsFraming.ts'
import { ReplicationError } from './errors.ts'
import { checkBatch, checkBatchInWorkers } from './replicator.ts'
import { originatorSignatureMatches } from './signature.ts'
import { VerifyPool } from './verifyPool.ts'

const n = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141')
const key = (id: number) => new Uint8Array(createHash('sha256').update(`verify test node ${id}`).digest())
const nodeKeys = new Map([100, 200].map((id) => [id, defaultCrypto.secp256k1.getPublicKey(key(id))]))
const group = new Uint8Array(16).fill(0x44)

function honest(seq: number, signer = key(100)): { unsigned: Uint8Array; signature: Uint8Array } {
  const client = createClientEnvelope({
    targetTopic: groupMessagesTopic(group),
    payload: {
      kind: 'groupMessage',
      bytes: xmtp.mls.api.v1.GroupMessageInput.encode({
        v1: { data: encodePrivateMessageFrame({ groupId: group, ciphertext: new Uint8Array([seq]) }) },
      }).finish(),
    },
  })
  const envelope = createOriginatorEnvelope({
    payerEnvelope: createUnsignedPayerEnvelope(client),
    originatorNodeId: 100,
    originatorSequenceId: seq,
    originatorNs: 1_795_564_800_000_000_000n + BigInt(seq),
    nodePrivateKey: signer,
  })
  if (envelope.proof.kind !== 'originatorSignature') throw new Error('expected a signature')
  return { unsigned: envelope.unsignedOriginatorBytes, signature: envelope.proof.signature }
}

function encode(unsigned: Uint8Array, signature: Uint8Array): Uint8Array {
  return xmtp.xmtpv4.envelopes.OriginatorEnvelope.encode({
    unsignedOriginatorEnvelope: unsigned,
    originatorSignature: { bytes: signature },
  }).finish()
}

function be32(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'))
}

/** The recovering verifier's outcome (noble's recovery): 'valid' or the envelope error code. */
function reference(frame: Uint8Array): string {
  try {
    verifyOriginatorEnvelope(parseOriginatorEnvelope(frame), {
      nodeKeys,
      expectedNodeId: 100,
      crypto: nobleCrypto,
    })
    return 'valid'
  } catch (error) {
    return isBaseError(error) ? error.code : `untyped: ${String(error)}`
  }
}

/**
 * checkBatch's outcome on that one envelope, 'valid' or the code of the BadSignature cause, through both of
 * its paths (which must agree): the known-key verifier (noble provider) and recovery by the default provider
 * (libsecp256k1 when it loads).
 */
function actual(frame: Uint8Array, seq: number): string {
  const [known, recovered] = [nobleCrypto, defaultCrypto].map((crypto) => outcome(frame, seq, crypto))
  expect(recovered).toBe(known)
  return known as string
}

function outcome(frame: Uint8Array, seq: number, crypto: typeof defaultCrypto): string {
  try {
    checkBatch({ frames: [frame], originator: 100, cursor: seq - 1, nodeKeys, crypto })
    return 'valid'
  } catch (error) {
    if (!(error instanceof ReplicationError)) return `untyped: ${String(error)}`
    if (error.code !== 'Replication::BadSignature') return error.code
    const cause = (error as { cause?: unknown }).cause
    return isBaseError(cause) ? cause.code : `untyped cause: ${String(cause)}`
  }
}

describe('checkBatch signature verdicts', () => {
  it('are those of verifyOriginatorEnvelope, malleations included', () => {
    const outcomes = new Map<string, number>()
    for (let seq = 1; seq <= 30; seq++) {
      const { unsigned, signature } = honest(seq)
      const s = BigInt(`0x${Buffer.from(signature.subarray(32, 64)).toString('hex')}`)
      const v = signature[64] as number
      const variant = (mutate: (sig: Uint8Array) => Uint8Array, bytes = unsigned) => {
        const frame = encode(bytes, mutate(signature.slice()))
        const want = reference(frame)
        expect(actual(frame, seq)).toBe(want)
        outcomes.set(want, (outcomes.get(want) ?? 0) + 1)
      }
      variant((sig) => sig)
      // The other parity (v flipped), and the mirrored high-s signature (s → n − s with v flipped), which
      // recovery accepts: there is no low-s rule on this path.
      variant((sig) => {
        sig[64] = 1 - v
        return sig
      })
      variant((sig) => {
        sig.set(be32(n - s), 32)
        sig[64] = 1 - v
        return sig
      })
      // 27/28 (personal_sign style) is refused: one signature, one encoding.
      variant((sig) => {
        sig[64] = v + 27
        return sig
      })
      variant((sig) => sig.subarray(0, 64))
      variant(() => new Uint8Array(0))
      variant((sig) => {
        sig.fill(0, 0, 32)
        return sig
      })
      variant((sig) => {
        sig.set(be32(n), 32)
        return sig
      })
      variant((sig) => {
        sig[5] = (sig[5] as number) ^ 0x10
        return sig
      })
      // The bytes changed after signing; a signature by node 200 under originator 100 (SignerMismatch).
      const tampered = unsigned.slice()
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1
      variant((sig) => sig, tampered)
      const other = honest(seq, key(200))
      const frame = encode(unsigned, other.signature)
      expect(actual(frame, seq)).toBe(reference(frame))
      outcomes.set(reference(frame), (outcomes.get(reference(frame)) ?? 0) + 1)
    }
    // Each kind of verdict really occurred.
    expect(outcomes.get('valid')).toBe(60)
    expect(outcomes.get('Envelope::SignatureInvalid')).toBeGreaterThanOrEqual(30 * 7)
    expect(outcomes.get('Envelope::SignerMismatch')).toBe(30)
  })
})

describe('checkBatchInWorkers', () => {
  const pool = new VerifyPool(1)
  afterAll(() => pool.close())

  function batchOutcome(check: () => unknown): Promise<string> {
    return Promise.resolve()
      .then(check)
      .then(
        () => 'valid',
        (error: unknown) => {
          if (!(error instanceof ReplicationError)) return `untyped: ${String(error)}`
          const cause = (error as { cause?: unknown }).cause
          return isBaseError(cause) ? `${error.code} / ${cause.code}` : error.code
        },
      )
  }

  it('a ready worker vouches for honest signatures and for nothing else', async () => {
    expect(await pool.whenReady()).toBe(true)
    const good = honest(1)
    const bad = honest(2)
    const flipped = bad.signature.slice()
    flipped[64] = 1 - (flipped[64] as number)
    const other = honest(3, key(200))
    const ok = await pool.verify(nodeKeys.get(100) as Uint8Array, [
      good,
      { unsigned: bad.unsigned, signature: flipped },
      other,
      { unsigned: good.unsigned.slice(1), signature: good.signature },
    ])
    expect([...(ok ?? [])]).toEqual([1, 0, 0, 0])
  })

  it('shares a page with the calling thread: the worker takes the front, this thread the back, same verdicts', async () => {
    expect(await pool.whenReady()).toBe(true)
    const key100 = nodeKeys.get(100) as Uint8Array
    const items = Array.from({ length: 700 }, (_, i) => {
      const item = honest(i + 1, i % 97 === 5 ? key(200) : key(100))
      if (i % 89 === 7) item.signature[64] = 1 - (item.signature[64] as number)
      return item
    })
    const expected = items.map((item) =>
      originatorSignatureMatches(defaultCrypto, key100, item.unsigned, item.signature) ? 1 : 0,
    )
    expect(expected.filter((x) => x === 0).length).toBeGreaterThan(10)
    let here = 0
    const ok = await pool.verify(key100, items, (item) => {
      here++
      return originatorSignatureMatches(defaultCrypto, key100, item.unsigned, item.signature)
    })
    expect([...(ok ?? [])]).toEqual(expected)
    // Both took part: the worker got the first two chunks (256 items) at once, this thread took chunks
    // from the back.
    expect(here).toBeGreaterThan(0)
    expect(here).toBeLessThanOrEqual(700 - 256)
  })

  it('gives the verdicts and errors of checkBatch, batch by batch, malleations and sequence faults included', async () => {
    expect(await pool.whenReady()).toBe(true)
    const frames = Array.from({ length: 12 }, (_, i) => {
      const { unsigned, signature } = honest(i + 1)
      return encode(unsigned, signature)
    })
    const malleated = (seq: number, mutate: (sig: Uint8Array) => void) => {
      const { unsigned, signature } = honest(seq)
      const sig = signature.slice()
      mutate(sig)
      return encode(unsigned, sig)
    }
    const mirrored = (sig: Uint8Array) => {
      const s = BigInt(`0x${Buffer.from(sig.subarray(32, 64)).toString('hex')}`)
      sig.set(be32(n - s), 32)
      sig[64] = 1 - (sig[64] as number)
    }
    const batches: [string, Uint8Array[]][] = [
      ['honest', frames],
      ['mirrored high-s (accepted by recovery)', [...frames.slice(0, 4), malleated(5, mirrored)]],
      [
        'flipped v in the middle',
        [...frames.slice(0, 3), malleated(4, (s) => (s[64] = 1 - (s[64] as number)))],
      ],
      ['v = 27', [...frames.slice(0, 2), malleated(3, (s) => (s[64] = (s[64] as number) + 27))]],
      [
        'signed by node 200',
        [...frames.slice(0, 2), encode(honest(3).unsigned, honest(3, key(200)).signature)],
      ],
      [
        'bad signature before a gap',
        [
          frames[0] as Uint8Array,
          malleated(2, (s) => (s[3] = (s[3] as number) ^ 1)),
          frames[5] as Uint8Array,
        ],
      ],
      ['gap after good ones', [...frames.slice(0, 3), frames[6] as Uint8Array]],
      ['replayed', [frames[0] as Uint8Array, frames[0] as Uint8Array]],
      ['unparseable', [frames[0] as Uint8Array, new Uint8Array([0xff, 0xff])]],
    ]
    // Pages of several chunks, so that with `share` the worker takes the front and this thread the back:
    // a fault near each end and in the middle.
    const big = Array.from({ length: 600 }, (_, i) => {
      const { unsigned, signature } = honest(i + 1)
      return encode(unsigned, signature)
    })
    const flipV = (s: Uint8Array) => {
      s[64] = 1 - (s[64] as number)
    }
    for (const at of [3, 300, 597]) {
      batches.push([
        `600, flipped v at ${at + 1}`,
        big.map((f, i) => (i === at ? malleated(i + 1, flipV) : f)),
      ])
    }
    batches.push([
      '600, mirrored high-s at 590',
      big.map((f, i) => (i === 589 ? malleated(590, mirrored) : f)),
    ])
    batches.push(['600 honest', big])
    const seen = new Set<string>()
    for (const [name, batch] of batches) {
      const params = { frames: batch, originator: 100, cursor: 0, nodeKeys }
      const want = await batchOutcome(() => checkBatch(params))
      const got = await batchOutcome(() => checkBatchInWorkers({ ...params, pool }))
      expect(got, name).toBe(want)
      const shared = await batchOutcome(() => checkBatchInWorkers({ ...params, pool, share: true }))
      expect(shared, `${name}, shared with this thread`).toBe(want)
      seen.add(want)
    }
    expect([...seen].sort()).toEqual(
      [
        'valid',
        'Replication::BadSignature / Envelope::SignatureInvalid',
        'Replication::BadSignature / Envelope::SignerMismatch',
        'Replication::SequenceGap',
        'Replication::SequenceReordered',
        'Replication::MalformedEnvelope / Envelope::Malformed',
      ].sort(),
    )
  })
})

describe('VerifyPool', () => {
  it('never keeps a process alive: a script whose worker is ready and idle exits by itself', () => {
    const script = `
      import { VerifyPool } from './src/replication/verifyPool.ts'
      const pool = new VerifyPool(1)
      console.log('ready', await pool.whenReady(1))
    `
    const r = spawnSync(
      process.execPath,
      ['--conditions=@xmtp-lite/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 120_000 },
    )
    expect(r.error).toBeUndefined()
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('ready true')
    expect(r.status).toBe(0)
  }, 150_000)
})
