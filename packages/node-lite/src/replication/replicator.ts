/**
 * Node-to-node replication modelled on xmtpd (protocol/xmtpd-network.md §1-§5, §12).
 *
 * - **Originate.** What this node's clients publish is wrapped, in the same atomic batch that stores it
 *   (a crash leaves both or neither; replication/crash.test.ts), in a ClientEnvelope →
 *   PayerEnvelope (unsigned: the devnet has no payers, §1.5 "chain-derived" form) → UnsignedOriginatorEnvelope
 *   with this node's id, the next gap-free sequence id of this originator and the time, signed by the node's
 *   secp256k1 key over `originator|` ‖ the exact unsigned bytes (§1.4). Signed once; the same bytes are
 *   served to every peer (§12 item 5).
 * - **Serve.** `GET /replication/v1/envelopes?after=<seq>&limit=<n>&wait=<ms>` on the node's HTTP port
 *   answers the envelopes this node ORIGINATED with sequence id > after, as frames `u32be length ‖ bytes`.
 *   With `wait`, an empty answer is held until something is originated (a long poll), so delivery to peers
 *   costs one round trip. `GET /replication/v1/status` is the JSON status.
 * - **Pull.** Per peer, from this node's cursor for that originator (a vector clock, §4): every envelope of a
 *   batch must parse, name that originator, verify under its registered key and carry exactly cursor + 1,
 *   cursor + 2, ... (§5: a gap or a reorder refuses the whole batch with a typed error, logged; the puller
 *   retries later from the same cursor; other peers are not affected). Accepted envelopes are applied to the
 *   V3 tables (dedup as for a client publish) and stored with the new cursor, for a page of messages in the
 *   same batch as its rows, so a node that was down resumes from its cursors (where a page takes two
 *   batches, a crash between them re-pulls the page, and applying it again is idempotent).
 * - **Pipelined catch-up.** While page n is stored, page n + 1 is checked (on worker threads for a big
 *   page, verifyPool.ts) and page n + 2 is fetched: a page is asked for as soon as the one before it is in,
 *   pages are checked in order and stored in order, each only after its check passed and only if it starts
 *   at the durable cursor (a refused page drops the pages asked for after it).
 * - **Not replicated: the V3 commit log** (BatchPublishCommitLog / BatchQueryCommitLog). xmtpd has no commit
 *   log at all (no table, no topic kind, no ClientEnvelope payload for it: only generated proto code), and
 *   libxmtp's d14n client turns both calls off (`publish_commit_log` is a no-op, `query_commit_log` answers
 *   empty, "commit log disabled for d14n": crates/xmtp_api_d14n/src/queries/d14n/mls.rs). So the commit log
 *   stays per node, as on node-go: a client reads back the entries published through its own node.
 *
 * Key layout (beside the store's tables, which use tags below 0x40):
 * `40 | originator u32 | seq u64` → OriginatorEnvelope bytes; `41 | originator u32` → last sequence id.
 * @module
 */
import { createECDH } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { defaultCrypto } from '@xmtp-lite/common'
import {
  buildTopic,
  createClientEnvelope,
  createOriginatorEnvelope,
  createUnsignedPayerEnvelope,
  type EnvelopeCrypto,
  type OriginatorEnvelope,
  parseOriginatorEnvelope,
  TopicKind,
  verifyOriginatorEnvelope,
} from '@xmtp-lite/envelopes'
import { xmtp } from '@xmtp-lite/proto'
import { parseGroupMessage } from '../mlsFraming.ts'
import type { IdentityValidator } from '../ports.ts'
import type { PublishedEvent } from '../service.ts'
import { type GroupMessageRow, type JoinedWrites, type NodeStore, writeBatch } from '../store/store.ts'
import type { WelcomeMessageInput } from '../types.ts'
import { ReplicationError } from './errors.ts'
import { httpGet, pullAgent } from './httpGet.ts'
import { originatorSignatureMatches } from './signature.ts'
import { defaultVerifyWorkers, type SignedItem, sharedVerifyPool, type VerifyPool } from './verifyPool.ts'

const mls = xmtp.mls.api.v1

/** One node of the registry (xmtpd's NodeRegistry, §3): id, where it serves, its signing key. */
export interface RegistryNode {
  /** Node id: a multiple of 100 in xmtpd's registry (100, 200, 300, ...). */
  readonly id: number
  /** Base URL of its HTTP port, e.g. `http://127.0.0.1:5557`. */
  readonly url: string
  /** 65-byte uncompressed secp256k1 public key. */
  readonly publicKey: Uint8Array
}

/** The replication options of a node. */
export interface ReplicationOptions {
  /** This node's id. */
  readonly nodeId: number
  /** This node's secp256k1 private key (32 bytes). */
  readonly privateKey: Uint8Array
  /** Every node, this one included (its url is not used). */
  readonly registry: readonly RegistryNode[]
  /** Where to reach a peer, when not its registry url (the devnet puts fault proxies there). */
  readonly peerUrl?: (peerId: number) => string
  /** Envelopes per pull (default 2000). */
  readonly batchSize?: number
  /** How long a pull waits for new envelopes (default 2000 ms). */
  readonly longPollMs?: number
  /** Pause after a failed pull (default 100 ms). */
  readonly retryMs?: number
  /**
   * Worker threads that check pulled signatures (verifyPool.ts; one pool per process, shared by its
   * nodes): default one per core beyond the first, at most 2; 0 verifies on the node's own thread. Only
   * with the default crypto provider (a worker has no other).
   */
  readonly verifyWorkers?: number
  /** Smallest page whose signatures go to the workers (default 64; smaller ones are checked in place). */
  readonly workerMinBatch?: number
  /**
   * The node's thread checks chunks of a page the workers check, from the other end, between its own work
   * (default true; verifyPool.ts `verify` with `here`). False leaves a worker's page to the workers.
   */
  readonly shareVerification?: boolean
  readonly crypto?: EnvelopeCrypto
}

/** What a node knows about replication right now (status page, tests). */
export interface ReplicationStatus {
  readonly nodeId: number
  /** Per originator: the last sequence id stored here (own: originated). */
  readonly cursors: Record<string, number>
  /** Per originator: envelopes stored here. */
  readonly counts: Record<string, number>
  /** Per peer: the peer's last originated id as last seen, and how far behind we are. */
  readonly peers: Record<
    string,
    {
      readonly peerLast: number
      readonly lag: number
      readonly connected: boolean
      readonly lastError: string | undefined
      readonly refused: number
    }
  >
}

/** A refused batch, as logged. */
export interface RefusedBatch {
  readonly peerId: number
  readonly error: ReplicationError
}

type Log = (level: 'info' | 'warn' | 'error', message: string) => void

/** Envelopes per pull when not configured: 2,000 (the serving side caps a page at 10,000). */
const defaultBatchSize = 2000

const envelopeTag = 0x40
const cursorTag = 0x41

function envelopeKey(originator: number, seq: number): Uint8Array {
  const out = new Uint8Array(13)
  const view = new DataView(out.buffer)
  out[0] = envelopeTag
  view.setUint32(1, originator)
  view.setBigUint64(5, BigInt(seq))
  return out
}

function cursorKey(originator: number): Uint8Array {
  const out = new Uint8Array(5)
  out[0] = cursorTag
  new DataView(out.buffer).setUint32(1, originator)
  return out
}

function u64(value: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(value))
  return out
}

/**
 * The uncompressed public key of a secp256k1 private key, to check a node's key against the registry:
 * OpenSSL's (node:crypto's ECDH on secp256k1) when it has the curve, else the provider's. (noble's first
 * `getPublicKey` in a process builds its table of multiples of G first: ~120 ms of a devnet's start; the
 * first signature builds it later.) A key OpenSSL refuses (0, not below the order) goes to the provider,
 * whose error is the one a bad key always gave.
 */
function publicKeyOf(crypto: EnvelopeCrypto, privateKey: Uint8Array): Uint8Array {
  let ecdh: ReturnType<typeof createECDH>
  try {
    ecdh = createECDH('secp256k1')
    ecdh.setPrivateKey(privateKey)
  } catch {
    return crypto.secp256k1.getPublicKey(privateKey)
  }
  return new Uint8Array(ecdh.getPublicKey())
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Encodes envelopes as `u32be length ‖ bytes` frames. */
export function encodeFrames(envelopes: readonly Uint8Array[]): Uint8Array {
  let size = 0
  for (const e of envelopes) size += 4 + e.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let offset = 0
  for (const e of envelopes) {
    view.setUint32(offset, e.length)
    out.set(e, offset + 4)
    offset += 4 + e.length
  }
  return out
}

/**
 * Splits `u32be length ‖ bytes` frames.
 * @throws {ReplicationError} `Replication::MalformedEnvelope` on a truncated frame.
 */
export function decodeFrames(body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  let offset = 0
  while (offset < body.length) {
    if (offset + 4 > body.length) throw malformed('truncated frame header')
    const len = view.getUint32(offset)
    if (offset + 4 + len > body.length) throw malformed('truncated frame')
    out.push(body.subarray(offset + 4, offset + 4 + len))
    offset += 4 + len
  }
  return out
}

function malformed(message: string, cause?: unknown): ReplicationError {
  return new ReplicationError('Replication::MalformedEnvelope', message, cause === undefined ? {} : { cause })
}

/** The structural pass over a batch: what parsed in order, and the first structural refusal, if any. */
interface ParsedBatch {
  readonly envelopes: OriginatorEnvelope[]
  /** Refuses the batch AFTER `envelopes` (whose signatures still come first, as in order). */
  readonly error: ReplicationError | undefined
}

/**
 * Parses a batch and checks, in order, that every envelope is the peer's and carries exactly cursor + 1,
 * cursor + 2, ...; stops at the first envelope that does not (its error is returned, not thrown, so that
 * the signatures of the envelopes before it are checked first, as a one-by-one check would).
 */
function parseBatch(frames: readonly Uint8Array[], originator: number, cursor: number): ParsedBatch {
  const envelopes: OriginatorEnvelope[] = []
  let expected = cursor + 1
  for (const frame of frames) {
    let envelope: OriginatorEnvelope
    try {
      envelope = parseOriginatorEnvelope(frame)
    } catch (error) {
      return { envelopes, error: malformed('a peer sent an unparseable originator envelope', error) }
    }
    const unsigned = envelope.unsignedOriginatorEnvelope
    if (unsigned.originatorNodeId !== originator) {
      const error = new ReplicationError(
        'Replication::UnexpectedOriginator',
        `envelope of originator ${unsigned.originatorNodeId} in the stream of ${originator}`,
      )
      return { envelopes, error }
    }
    const seq = unsigned.originatorSequenceId
    if (seq < BigInt(expected)) {
      const error = new ReplicationError(
        'Replication::SequenceReordered',
        `originator ${originator}: sequence id ${seq} at or below ${expected - 1}`,
      )
      return { envelopes, error }
    }
    if (seq > BigInt(expected)) {
      const error = new ReplicationError(
        'Replication::SequenceGap',
        `originator ${originator}: sequence id ${seq}, expected ${expected}`,
      )
      return { envelopes, error }
    }
    envelopes.push(envelope)
    expected++
  }
  return { envelopes, error: undefined }
}

/**
 * The signature step of a parsed batch, in order: an envelope that `vouched` does not vouch for goes
 * through `verifyOriginatorEnvelope`, which names the failure (or accepts it). Throws the first refusal.
 */
function finishBatch(
  parsed: ParsedBatch,
  vouched: (index: number, envelope: OriginatorEnvelope) => boolean,
  params: { readonly originator: number; readonly nodeKeys: ReadonlyMap<number, Uint8Array> },
  crypto: EnvelopeCrypto,
): OriginatorEnvelope[] {
  parsed.envelopes.forEach((envelope, i) => {
    if (vouched(i, envelope)) return
    try {
      verifyOriginatorEnvelope(envelope, {
        nodeKeys: params.nodeKeys,
        expectedNodeId: params.originator,
        crypto,
      })
    } catch (error) {
      const seq = envelope.unsignedOriginatorEnvelope.originatorSequenceId
      throw new ReplicationError(
        'Replication::BadSignature',
        `originator ${params.originator}: envelope ${seq} does not verify`,
        { cause: error },
      )
    }
  })
  if (parsed.error !== undefined) throw parsed.error
  return parsed.envelopes
}

/** The signature of an envelope as the fast checks take it (65 bytes), or undefined (re-checked). */
function signatureOf(envelope: OriginatorEnvelope): Uint8Array | undefined {
  const proof = envelope.proof
  return proof.kind === 'originatorSignature' && proof.signature.length === 65 ? proof.signature : undefined
}

/** Parameters of `checkBatch` and `checkBatchInWorkers`. */
export interface CheckBatchParams {
  readonly frames: readonly Uint8Array[]
  readonly originator: number
  readonly cursor: number
  readonly nodeKeys: ReadonlyMap<number, Uint8Array>
  readonly crypto?: EnvelopeCrypto
}

/**
 * Checks one batch from a peer against the cursor: every envelope parses, is the peer's, verifies, and the
 * sequence ids are exactly `cursor + 1, cursor + 2, ...`. Nothing of a refused batch is applied.
 *
 * Signatures: each is first checked with `originatorSignatureMatches` (signature.ts: libsecp256k1 recovery
 * with common's node provider, else the known-key verifier, about 2.5x faster than noble's recovery); only
 * an envelope it does not vouch for goes through `verifyOriginatorEnvelope`, which then names the failure
 * (bad signature, another node's key, ...). Either way the verdicts and error codes are those of the
 * recovering verifier (differential tests in replication/verify.test.ts and common's
 * secp256k1KnownKey.test.ts).
 * @throws {ReplicationError} `MalformedEnvelope`, `UnexpectedOriginator`, `BadSignature`, `SequenceGap`,
 *   `SequenceReordered`.
 */
export function checkBatch(params: CheckBatchParams): OriginatorEnvelope[] {
  const crypto = params.crypto ?? defaultCrypto
  const key = params.nodeKeys.get(params.originator)
  const parsed = parseBatch(params.frames, params.originator, params.cursor)
  return finishBatch(
    parsed,
    (_, envelope) => {
      const signature = signatureOf(envelope)
      return (
        key !== undefined &&
        signature !== undefined &&
        originatorSignatureMatches(crypto, key, envelope.unsignedOriginatorBytes, signature)
      )
    },
    params,
    crypto,
  )
}

/**
 * `checkBatch` with the signatures checked on the verification workers (verifyPool.ts) while this thread
 * is free for other work: same verdicts, same errors (what a worker does not vouch for is re-checked here).
 * Verifies in process when the pool has no ready worker, or when a custom crypto provider is given (a
 * worker has only the default one).
 * @throws {ReplicationError} as `checkBatch`.
 */
export async function checkBatchInWorkers(
  params: CheckBatchParams & {
    readonly pool: VerifyPool
    /** This thread checks chunks of the page too (verifyPool.ts `verify` with `here`). */
    readonly share?: boolean
  },
): Promise<OriginatorEnvelope[]> {
  const crypto = params.crypto ?? defaultCrypto
  const key = params.nodeKeys.get(params.originator)
  // The first big page starts the workers (they load on their own threads, about a second from source, so
  // a node's start does not wait or compete for them); pages are checked in place until one is ready.
  params.pool.warm()
  if (crypto !== defaultCrypto || key === undefined || params.pool.readyCount === 0) return checkBatch(params)
  const parsed = parseBatch(params.frames, params.originator, params.cursor)
  const items: SignedItem[] = []
  const itemOf: number[] = []
  for (const envelope of parsed.envelopes) {
    const signature = signatureOf(envelope)
    itemOf.push(signature === undefined ? -1 : items.length)
    if (signature !== undefined) items.push({ unsigned: envelope.unsignedOriginatorBytes, signature })
  }
  // The check a worker makes (verifyWorker.ts: the default provider), so the verdicts are the same.
  const here = (item: SignedItem) =>
    originatorSignatureMatches(defaultCrypto, key, item.unsigned, item.signature)
  const ok = await params.pool.verify(key, items, params.share === true ? here : undefined)
  return finishBatch(
    parsed,
    (i, envelope) => {
      const item = itemOf[i] as number
      if (item < 0) return false
      if (ok !== undefined) return ok[item] === 1
      const signature = items[item]?.signature as Uint8Array
      return originatorSignatureMatches(crypto, key, envelope.unsignedOriginatorBytes, signature)
    },
    params,
    crypto,
  )
}

interface PeerState {
  readonly id: number
  cursor: number
  peerLast: number
  connected: boolean
  lastError: string | undefined
  refused: number
  /** The requests in flight (the current pull and the prefetched pages), aborted by stop(). */
  readonly aborts: Set<AbortController>
  /** The next pages, asked for and checked while the current one is being stored (pipelining), in order. */
  prefetch: Prefetch[]
  /** The page asked for last (taken or not); the next page is asked from where it ends. */
  last: Prefetch | undefined
  /** The check of the page asked for last: a page's check starts once the one before it is done. */
  checking: Promise<unknown>
  loop: Promise<void> | undefined
}

/** One answer of a peer: the frames and the peer's last originated sequence id. */
interface Page {
  readonly body: Uint8Array
  readonly peerLast: number
}

/** A page that passed `checkBatch`: its envelopes, in order from the cursor it was asked from. */
interface CheckedPage {
  readonly envelopes: readonly OriginatorEnvelope[]
}

/** A page asked for, from `after`. */
interface Prefetch {
  readonly after: number
  /** The page checked: rejects with the page's refusal or the failed request. */
  readonly page: Promise<CheckedPage>
  /** Where the page ends, once its frames are in (the next page is asked from there). */
  end: number | undefined
}

/**
 * Pages asked for ahead of the one being stored (each in one of three stages: being fetched, waiting for
 * or in its check, checked): two, so that while this thread stores page n, the workers check page n + 1
 * and the peer reads and sends page n + 2.
 */
const prefetchDepth = 2

/** Replication of one node. Made by `startNode({ replication })`. */
export class Replicator {
  readonly nodeId: number
  private readonly store: NodeStore
  private readonly options: ReplicationOptions
  private readonly identityValidator: IdentityValidator
  private readonly log: Log
  private readonly crypto: EnvelopeCrypto
  private readonly nodeKeys: Map<number, Uint8Array>
  private readonly peers = new Map<number, PeerState>()
  private readonly counts = new Map<number, number>()
  private readonly waiters = new Set<() => void>()
  private readonly refusedListeners = new Set<(r: RefusedBatch) => void>()
  private lastSeq = 0
  private stopped = false
  private readonly applyLocks = new Map<string, Promise<unknown>>()
  /** The kept-alive connections of the pulls (httpGet.ts). */
  private readonly agent = pullAgent()
  /** The process's verification workers, unless `verifyWorkers` is 0 or the crypto is not the default. */
  private readonly pool: VerifyPool | undefined

  constructor(params: {
    store: NodeStore
    options: ReplicationOptions
    identityValidator: IdentityValidator
    log?: Log
  }) {
    const { options } = params
    this.store = params.store
    this.options = options
    this.nodeId = options.nodeId
    this.identityValidator = params.identityValidator
    this.log = params.log ?? (() => {})
    this.crypto = options.crypto ?? defaultCrypto
    const workers = options.verifyWorkers ?? defaultVerifyWorkers()
    this.pool = workers > 0 && this.crypto === defaultCrypto ? sharedVerifyPool(workers) : undefined
    this.nodeKeys = new Map()
    for (const n of options.registry) {
      if (!Number.isInteger(n.id) || n.id <= 0 || n.id > 0xffffffff || this.nodeKeys.has(n.id)) {
        throw new ReplicationError('Replication::InvalidConfig', `bad or repeated node id ${n.id}`)
      }
      if (n.publicKey.length !== 65 || n.publicKey[0] !== 4) {
        throw new ReplicationError(
          'Replication::InvalidConfig',
          `node ${n.id}: key must be 65-byte uncompressed`,
        )
      }
      this.nodeKeys.set(n.id, n.publicKey)
    }
    const own = this.nodeKeys.get(options.nodeId)
    if (own === undefined) {
      throw new ReplicationError(
        'Replication::InvalidConfig',
        `node ${options.nodeId} is not in the registry`,
      )
    }
    if (options.privateKey.length !== 32 || hex(publicKeyOf(this.crypto, options.privateKey)) !== hex(own)) {
      throw new ReplicationError(
        'Replication::InvalidConfig',
        "the private key does not match the registry's key",
      )
    }
    for (const n of options.registry) {
      if (n.id === options.nodeId) continue
      this.peers.set(n.id, {
        id: n.id,
        cursor: 0,
        peerLast: 0,
        connected: false,
        lastError: undefined,
        refused: 0,
        aborts: new Set(),
        prefetch: [],
        last: undefined,
        checking: Promise.resolve(),
        loop: undefined,
      })
    }
  }

  /** Loads the cursors and counts, then starts pulling from every peer. */
  async start(): Promise<void> {
    const ids = [this.nodeId, ...this.peers.keys()]
    const values = await this.store.db.getMany(ids.map((id) => cursorKey(id)))
    ids.forEach((id, i) => {
      const v = values[i]
      const seq = v === undefined ? 0 : Number(new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0))
      // Sequences are gap-free from 1, so the count of an originator's envelopes is its cursor.
      this.counts.set(id, seq)
      if (id === this.nodeId) this.lastSeq = seq
      else {
        const peer = this.peers.get(id) as PeerState
        peer.cursor = seq
      }
    })
    for (const peer of this.peers.values()) peer.loop = this.pullLoop(peer)
  }

  /** Resolves once the verification workers are ready (false: verification runs in process). */
  async verifyWorkersReady(): Promise<boolean> {
    return this.pool === undefined ? false : await this.pool.whenReady()
  }

  /** Stops pulling and waits for pending writes. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const peer of this.peers.values()) for (const a of peer.aborts) a.abort()
    for (const w of this.waiters) w()
    await Promise.all([...this.peers.values()].map((p) => p.loop))
    this.agent.destroy()
  }

  /** Told when a peer's batch is refused (tests, logs). */
  onRefused(listener: (r: RefusedBatch) => void): () => void {
    this.refusedListeners.add(listener)
    return () => this.refusedListeners.delete(listener)
  }

  /** The current status. */
  status(): ReplicationStatus {
    const cursors: Record<string, number> = { [this.nodeId]: this.lastSeq }
    const counts: Record<string, number> = {}
    for (const [id, n] of this.counts) counts[id] = n
    const peers: Record<string, ReplicationStatus['peers'][string]> = {}
    for (const p of this.peers.values()) {
      cursors[p.id] = p.cursor
      peers[p.id] = {
        peerLast: p.peerLast,
        lag: Math.max(0, p.peerLast - p.cursor),
        connected: p.connected,
        lastError: p.lastError,
        refused: p.refused,
      }
    }
    return { nodeId: this.nodeId, cursors, counts, peers }
  }

  /** Every stored envelope of one originator, ascending (tests, audits). */
  async envelopes(originator: number, after = 0, limit = Number.MAX_SAFE_INTEGER): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for await (const value of this.store.db.values({
      gt: envelopeKey(originator, after),
      lt: envelopeKey(originator + 1, 0),
      limit,
    })) {
      out.push(new Uint8Array(value))
    }
    return out
  }

  // ---------------------------------------------------------------------------------------------------
  // Originate

  /**
   * Originates what a client published: one signed envelope per stored item, sequence ids assigned in call
   * order. Called by the store while it builds the publish's batch (synchronously, so the order of batches
   * is the order of sequence ids); the envelopes and the new last sequence id are written IN that batch
   * (protocol §5.1: xmtpd stages and sequences in one transaction), so a crash leaves a publish either
   * stored and originated or neither. The ids are tentative until the batch is durable: a failed batch
   * gives them back (batches are written one at a time, so nothing was assigned after them), and peers are
   * served only what is durable.
   */
  originate(event: PublishedEvent): JoinedWrites | undefined {
    const payloads = clientPayloads(event)
    if (payloads.length === 0) return undefined
    const nowNs = BigInt(Date.now()) * 1_000_000n
    const before = this.lastSeq
    const puts: { key: Uint8Array; value: Uint8Array }[] = []
    for (const p of payloads) {
      const seq = before + puts.length + 1
      const client = createClientEnvelope({
        targetTopic: buildTopic(p.topicKind, p.identifier),
        payload: { kind: p.kind, bytes: p.bytes },
      })
      const envelope = createOriginatorEnvelope({
        payerEnvelope: createUnsignedPayerEnvelope(client),
        originatorNodeId: this.nodeId,
        originatorSequenceId: seq,
        originatorNs: nowNs,
        nodePrivateKey: this.options.privateKey,
        crypto: this.crypto,
      })
      puts.push({ key: envelopeKey(this.nodeId, seq), value: envelope.bytes })
    }
    const last = before + puts.length
    puts.push({ key: cursorKey(this.nodeId), value: u64(last) })
    this.lastSeq = last
    return {
      puts,
      committed: () => {
        this.counts.set(this.nodeId, Math.max(this.counts.get(this.nodeId) ?? 0, last))
        for (const w of [...this.waiters]) w()
      },
      failed: () => {
        this.lastSeq = before
      },
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Serve

  /** Handles the replication routes of the node's HTTP server; false when the URL is not one of them. */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://node')
    if (req.method !== 'GET') return false
    if (url.pathname === '/replication/v1/status') {
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
      res.end(JSON.stringify(this.status()))
      return true
    }
    if (url.pathname !== '/replication/v1/envelopes') return false
    const after = Number(url.searchParams.get('after') ?? '0')
    const limit = Math.min(Number(url.searchParams.get('limit') ?? '1000'), 10_000)
    const wait = Math.min(Number(url.searchParams.get('wait') ?? '0'), 30_000)
    if (
      !Number.isSafeInteger(after) ||
      after < 0 ||
      !Number.isSafeInteger(limit) ||
      limit < 1 ||
      !(wait >= 0)
    ) {
      res.writeHead(400).end()
      return true
    }
    void this.serve(after, limit, wait, req, res)
    return true
  }

  private async serve(
    after: number,
    limit: number,
    wait: number,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    try {
      if (this.lastSeq <= after && wait > 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer)
            this.waiters.delete(done)
            req.off('close', done)
            resolve()
          }
          const timer = setTimeout(done, wait)
          this.waiters.add(done)
          req.once('close', done)
        })
      }
      // Only what is on disk is served: `counts` moves after the batch is written.
      const durable = this.counts.get(this.nodeId) ?? 0
      const frames =
        durable > after ? await this.envelopes(this.nodeId, after, Math.min(limit, durable - after)) : []
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'x-originator-id': String(this.nodeId),
        'x-last-sequence-id': String(durable),
      })
      res.end(encodeFrames(frames))
    } catch {
      if (!res.headersSent) res.writeHead(503)
      res.end()
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Pull

  private peerBase(peerId: number): string {
    if (this.options.peerUrl !== undefined) return this.options.peerUrl(peerId)
    const node = this.options.registry.find((n) => n.id === peerId)
    return node?.url ?? ''
  }

  private async pullLoop(peer: PeerState): Promise<void> {
    const retryMs = this.options.retryMs ?? 100
    while (!this.stopped) {
      try {
        await this.pullOnce(peer)
      } catch (error) {
        if (this.stopped) return
        const e =
          error instanceof ReplicationError
            ? error
            : new ReplicationError('Replication::PeerUnavailable', `peer ${peer.id} unreachable`, {
                cause: error,
              })
        peer.lastError = e.code
        if (e.code === 'Replication::PeerUnavailable') {
          peer.connected = false
        } else {
          peer.refused++
          this.log('warn', `node ${this.nodeId}: refused a batch of node ${peer.id}: ${e.code}: ${e.message}`)
          for (const l of this.refusedListeners) l({ peerId: peer.id, error: e })
        }
        await new Promise((r) => setTimeout(r, retryMs))
      }
    }
  }

  /**
   * Asks a peer for its envelopes after `after` (long poll when it has none yet): over node:http with this
   * replicator's keep-alive agent for an http: peer (httpGet.ts), through `fetch` otherwise.
   */
  private async fetchPage(peer: PeerState, after: number): Promise<Page> {
    const abort = new AbortController()
    peer.aborts.add(abort)
    const wait = this.options.longPollMs ?? 2000
    const url = `${this.peerBase(peer.id)}/replication/v1/envelopes?after=${after}&limit=${this.options.batchSize ?? defaultBatchSize}&wait=${wait}`
    const timer = setTimeout(() => abort.abort(), wait + 5000)
    try {
      if (url.startsWith('http:')) {
        const res = await httpGet(url, this.agent, abort.signal)
        if (res.status !== 200) {
          throw new ReplicationError('Replication::PeerUnavailable', `peer ${peer.id} answered ${res.status}`)
        }
        return { body: res.body, peerLast: Number(res.header('x-last-sequence-id') ?? '0') }
      }
      const res = await fetch(url, { signal: abort.signal })
      if (res.status !== 200) {
        throw new ReplicationError('Replication::PeerUnavailable', `peer ${peer.id} answered ${res.status}`)
      }
      const body = new Uint8Array(await res.arrayBuffer())
      return { body, peerLast: Number(res.headers.get('x-last-sequence-id') ?? '0') }
    } finally {
      clearTimeout(timer)
      peer.aborts.delete(abort)
    }
  }

  /** Asks a peer for the page after `after`: its frames (the peer's last id is noted). */
  private async fetchFrames(peer: PeerState, after: number): Promise<Uint8Array[]> {
    const { body, peerLast } = await this.fetchPage(peer, after)
    peer.connected = true
    if (Number.isSafeInteger(peerLast)) peer.peerLast = Math.max(peer.peerLast, peerLast)
    return decodeFrames(body)
  }

  /** Checks a page's frames against `after` (signatures on the workers for a big page). */
  private async check(peer: PeerState, after: number, frames: readonly Uint8Array[]): Promise<CheckedPage> {
    const params = {
      frames,
      originator: peer.id,
      cursor: after,
      nodeKeys: this.nodeKeys,
      crypto: this.crypto,
    }
    const envelopes =
      this.pool !== undefined && frames.length >= (this.options.workerMinBatch ?? 64)
        ? await checkBatchInWorkers({
            ...params,
            pool: this.pool,
            share: this.options.shareVerification ?? true,
          })
        : checkBatch(params)
    return { envelopes }
  }

  /**
   * Asks for the page after `after` and queues it in `peer.prefetch`. The stages overlap across pages:
   * once this page's frames are in, the page after it is asked for (while fewer than `prefetchDepth` are
   * queued and the peer has more), and this page's check starts once the check of the page before it is
   * done (so the workers finish pages in order). Nothing here stores: `pullOnce` takes the pages in order,
   * each only if it starts at the cursor, and stores it once its check passed.
   */
  private ask(peer: PeerState, after: number): Prefetch {
    const frames = this.fetchFrames(peer, after)
    const previous = peer.checking
    const page = frames.then(async (f) => {
      await previous
      return await this.check(peer, after, f)
    })
    const entry: Prefetch = { after, page, end: undefined }
    peer.checking = page.catch(() => {})
    peer.prefetch.push(entry)
    peer.last = entry
    frames.then(
      (f) => {
        entry.end = after + f.length
        if (f.length > 0 && peer.last === entry) this.prefetch(peer, entry.end)
      },
      () => {},
    )
    page.catch(() => {}) // a failed or refused page fails (and is logged) when it is taken
    return entry
  }

  /** Asks for the page after `after` ahead of the cursor, when the peer has more and there is room. */
  private prefetch(peer: PeerState, after: number): void {
    if (this.stopped || peer.peerLast <= after || peer.prefetch.length >= prefetchDepth) return
    this.ask(peer, after)
  }

  /**
   * One pull from a peer: take the next page (asked for ahead, or now), wait for its check, apply and store
   * it. The page is used only if it starts at the cursor: after a refused or failed page the pages asked
   * ahead are dropped and asked for again from the cursor. While this page is stored, the pages after it
   * are fetched and checked (`ask`), so the peer reads and sends page n + 2 and the workers verify page
   * n + 1 while this thread writes page n.
   */
  private async pullOnce(peer: PeerState): Promise<void> {
    let head = peer.prefetch[0]
    if (head === undefined || head.after !== peer.cursor) {
      peer.prefetch = []
      peer.last = undefined
      head = this.ask(peer, peer.cursor)
    }
    peer.prefetch.shift()
    // Its slot is free: ask for the next page if the last one asked for is in and was not empty.
    const last = peer.last
    if (last !== undefined && last.end !== undefined && last.end > last.after) this.prefetch(peer, last.end)
    const { envelopes } = await head.page
    if (envelopes.length === 0) return
    const end = peer.cursor + envelopes.length
    const puts = envelopes.map((e) => ({
      key: envelopeKey(peer.id, Number(e.unsignedOriginatorEnvelope.originatorSequenceId)),
      value: e.bytes,
    }))
    puts.push({ key: cursorKey(peer.id), value: u64(end) })
    await this.apply(envelopes, puts)
    peer.cursor = end
    peer.lastError = undefined
    peer.peerLast = Math.max(peer.peerLast, end)
    this.counts.set(peer.id, end)
  }

  /**
   * Applies envelopes of another originator to the V3 tables, in order, and writes `tail` (the envelopes
   * and the new cursor). Group messages and welcomes keep the dedup of a client publish; identity updates
   * are validated against this node's log of the inbox (and skipped, logged, when they do not apply here).
   * `tail` joins the batch of the page's last group-message or welcome write (the usual page: ONE batch,
   * so the rows, the envelopes and the cursor are durable together); after a key package or an identity
   * update it is a batch of its own. A crash between two batches of a page re-pulls the page, and applying
   * it again is idempotent.
   */
  private async apply(
    envelopes: readonly OriginatorEnvelope[],
    tail: readonly { readonly key: Uint8Array; readonly value: Uint8Array }[],
  ): Promise<void> {
    let groupRows: GroupMessageRow[] = []
    let welcomes: WelcomeMessageInput[] = []
    const pending: Promise<unknown>[] = []
    const flush = () => {
      if (groupRows.length > 0) pending.push(this.store.appendGroupMessages(groupRows))
      if (welcomes.length > 0) pending.push(this.store.appendWelcomes(welcomes))
      groupRows = []
      welcomes = []
    }
    for (const envelope of envelopes) {
      const client = envelope.unsignedOriginatorEnvelope.payerEnvelope.clientEnvelope
      const topic = client.aad.targetTopic
      const payload = client.payload
      try {
        switch (payload.kind) {
          case 'groupMessage': {
            const v1 = mls.GroupMessageInput.decode(payload.bytes).v1
            if (v1 === null || v1 === undefined) throw malformed('group message without v1')
            const data = v1.data ?? new Uint8Array(0)
            const header = parseGroupMessage(data)
            if (welcomes.length > 0) flush()
            groupRows.push({
              groupId: header.groupId,
              data,
              senderHmac: v1.senderHmac ?? new Uint8Array(0),
              shouldPush: v1.shouldPush === true,
              isCommit: header.isCommit,
            })
            break
          }
          case 'welcomeMessage': {
            if (groupRows.length > 0) flush()
            welcomes.push(decodeWelcome(payload.bytes))
            break
          }
          case 'uploadKeyPackage': {
            const kp = mls.UploadKeyPackageRequest.decode(payload.bytes).keyPackage?.keyPackageTlsSerialized
            if (kp === null || kp === undefined || kp.length === 0) throw malformed('empty key package')
            flush()
            await Promise.all(pending)
            await this.store.putKeyPackage(topic.identifier, kp)
            break
          }
          case 'identityUpdate': {
            flush()
            await Promise.all(pending)
            await this.applyIdentityUpdate(hex(topic.identifier), topic.identifier, payload.bytes)
            break
          }
          default:
            this.log('warn', `node ${this.nodeId}: ignored a ${payload.kind} payload`)
        }
      } catch (error) {
        if (error instanceof ReplicationError) throw error
        throw malformed(`an envelope's ${payload.kind} payload does not apply`, error)
      }
    }
    const join = () => ({ puts: tail, committed: () => {}, failed: () => {} })
    if (groupRows.length > 0) pending.push(this.store.appendGroupMessages(groupRows, join))
    else if (welcomes.length > 0) pending.push(this.store.appendWelcomes(welcomes, join))
    else {
      await Promise.all(pending)
      pending.push(
        writeBatch(
          this.store.db,
          tail.map((p) => ({ type: 'put' as const, key: p.key, value: p.value })),
          false,
        ),
      )
    }
    await Promise.all(pending)
  }

  private async applyIdentityUpdate(inboxId: string, inboxBytes: Uint8Array, update: Uint8Array) {
    const previous = this.applyLocks.get(inboxId) ?? Promise.resolve()
    const run = previous.then(async () => {
      const log = await this.store.inboxLog(inboxBytes, 0)
      let effect: Awaited<ReturnType<IdentityValidator['validateIdentityUpdate']>>
      try {
        effect = await this.identityValidator.validateIdentityUpdate({
          inboxId,
          log: log.map((l) => l.update),
          update,
        })
      } catch (error) {
        // Already applied (a resumed pull) or conflicting with this node's log: not this peer's fault.
        this.log(
          'warn',
          `node ${this.nodeId}: a replicated identity update of ${inboxId} does not apply: ${String(error)}`,
        )
        return
      }
      await this.store.appendIdentityUpdate({
        inboxId: inboxBytes,
        update,
        addedAddresses: effect.addedAddresses,
        removedAddresses: effect.removedAddresses,
      })
    })
    this.applyLocks.set(inboxId, run)
    try {
      await run
    } finally {
      if (this.applyLocks.get(inboxId) === run) this.applyLocks.delete(inboxId)
    }
  }
}

interface Payload {
  readonly kind: 'groupMessage' | 'welcomeMessage' | 'uploadKeyPackage' | 'identityUpdate'
  readonly topicKind: (typeof TopicKind)[keyof typeof TopicKind]
  readonly identifier: Uint8Array
  readonly bytes: Uint8Array
}

/** The ClientEnvelope payloads of a publish (protocol §1.2 payload oneof, §2 topics). */
function clientPayloads(event: PublishedEvent): Payload[] {
  switch (event.kind) {
    case 'groupMessages':
      return event.messages.map((m) => ({
        kind: 'groupMessage',
        topicKind: TopicKind.GroupMessagesV1,
        identifier: m.groupId,
        bytes: mls.GroupMessageInput.encode({
          v1: { data: m.data, senderHmac: m.senderHmac, shouldPush: m.shouldPush },
        }).finish(),
      }))
    case 'welcomes':
      return event.messages.map((w) => ({
        kind: 'welcomeMessage',
        topicKind: TopicKind.WelcomeMessagesV1,
        identifier: w.installationKey,
        bytes: mls.WelcomeMessageInput.encode(
          w.kind === 'v1'
            ? {
                v1: {
                  installationKey: w.installationKey,
                  data: w.data,
                  hpkePublicKey: w.hpkePublicKey,
                  wrapperAlgorithm: w.wrapperAlgorithm,
                  welcomeMetadata: w.welcomeMetadata,
                },
              }
            : {
                welcomePointer: {
                  installationKey: w.installationKey,
                  welcomePointer: w.welcomePointer,
                  hpkePublicKey: w.hpkePublicKey,
                  wrapperAlgorithm: w.wrapperAlgorithm,
                },
              },
        ).finish(),
      }))
    case 'keyPackage':
      return [
        {
          kind: 'uploadKeyPackage',
          topicKind: TopicKind.KeyPackagesV1,
          identifier: event.installationKey,
          bytes: mls.UploadKeyPackageRequest.encode({
            keyPackage: { keyPackageTlsSerialized: event.keyPackage },
          }).finish(),
        },
      ]
    case 'identityUpdate':
      return [
        {
          kind: 'identityUpdate',
          topicKind: TopicKind.IdentityUpdatesV1,
          identifier: new Uint8Array(Buffer.from(event.inboxId, 'hex')),
          bytes: event.update,
        },
      ]
  }
}

function decodeWelcome(bytes: Uint8Array): WelcomeMessageInput {
  const w = mls.WelcomeMessageInput.decode(bytes)
  const empty = new Uint8Array(0)
  if (w.v1 !== null && w.v1 !== undefined) {
    return {
      kind: 'v1',
      installationKey: w.v1.installationKey ?? empty,
      data: w.v1.data ?? empty,
      hpkePublicKey: w.v1.hpkePublicKey ?? empty,
      wrapperAlgorithm: w.v1.wrapperAlgorithm ?? 0,
      welcomeMetadata: w.v1.welcomeMetadata ?? empty,
    }
  }
  const p = w.welcomePointer
  if (p === null || p === undefined) throw malformed('welcome without v1 or pointer')
  return {
    kind: 'pointer',
    installationKey: p.installationKey ?? empty,
    welcomePointer: p.welcomePointer ?? empty,
    hpkePublicKey: p.hpkePublicKey ?? empty,
    wrapperAlgorithm: p.wrapperAlgorithm ?? 0,
  }
}
