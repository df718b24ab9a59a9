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
 *   V3 tables (dedup as for a client publish) and then stored with the new cursor in one batch, so a node
 *   that was down resumes from its cursors (a crash between the two re-pulls the page, and applying it
 *   again is idempotent).
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
import type { IncomingMessage, ServerResponse } from 'node:http'
import { defaultCrypto, type KnownKeyVerifier, secp256k1KnownKeyVerifier } from '@xmtp-lite/common'
import {
  buildTopic,
  createClientEnvelope,
  createOriginatorEnvelope,
  createUnsignedPayerEnvelope,
  type EnvelopeCrypto,
  type OriginatorEnvelope,
  originatorSignatureHash,
  parseOriginatorEnvelope,
  TopicKind,
  verifyOriginatorEnvelope,
} from '@xmtp-lite/envelopes'
import { xmtp } from '@xmtp-lite/proto'
import { parseGroupMessage } from '../mlsFraming.ts'
import type { IdentityValidator } from '../ports.ts'
import type { PublishedEvent } from '../service.ts'
import type { GroupMessageRow, JoinedWrites, NodeStore } from '../store/store.ts'
import type { WelcomeMessageInput } from '../types.ts'
import { ReplicationError } from './errors.ts'

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

/** One fixed-base verifier per registry key (a table of ~4,000 points each, built on first use). */
const knownKeyVerifiers = new WeakMap<Uint8Array, KnownKeyVerifier>()

function verifierFor(key: Uint8Array): KnownKeyVerifier | undefined {
  // Only the key form verifyOriginatorEnvelope accepts (65-byte uncompressed); anything else takes the slow
  // path and fails there with its own error.
  if (key.length !== 65 || key[0] !== 4) return undefined
  let verifier = knownKeyVerifiers.get(key)
  if (verifier === undefined) {
    try {
      verifier = secp256k1KnownKeyVerifier(key)
    } catch {
      return undefined
    }
    knownKeyVerifiers.set(key, verifier)
  }
  return verifier
}

/** True when the provider's secp256k1 recovery runs on libsecp256k1 (common's node provider). */
function recoversNatively(crypto: EnvelopeCrypto): boolean {
  const native = (crypto as { readonly nativeBackends?: readonly string[] }).nativeBackends
  return native?.includes('libsecp256k1') === true
}

/**
 * Checks one batch from a peer against the cursor: every envelope parses, is the peer's, verifies, and the
 * sequence ids are exactly `cursor + 1, cursor + 2, ...`. Nothing of a refused batch is applied.
 *
 * Signatures: when the crypto provider recovers keys natively (libsecp256k1, common's node provider), each
 * envelope goes through `verifyOriginatorEnvelope` (recovery) — the fastest path there. Without it (noble:
 * browsers, or no prebuilt binary), the originator's key is known (the registry), so each signature is
 * first checked with `secp256k1KnownKeyVerifier`, which answers exactly "would recovery return this key?"
 * without recovering (about 2.5x faster than noble's recovery; v must still be 0 or 1, as
 * `verifyOriginatorEnvelope` requires); only an envelope it refuses goes through `verifyOriginatorEnvelope`,
 * which then names the failure (bad signature, another node's key, ...). Either way the verdicts and error
 * codes are those of the recovering verifier (differential tests in replication/verify.test.ts and
 * common's secp256k1KnownKey.test.ts).
 * @throws {ReplicationError} `MalformedEnvelope`, `UnexpectedOriginator`, `BadSignature`, `SequenceGap`,
 *   `SequenceReordered`.
 */
export function checkBatch(params: {
  readonly frames: readonly Uint8Array[]
  readonly originator: number
  readonly cursor: number
  readonly nodeKeys: ReadonlyMap<number, Uint8Array>
  readonly crypto?: EnvelopeCrypto
}): OriginatorEnvelope[] {
  const out: OriginatorEnvelope[] = []
  const crypto = params.crypto ?? defaultCrypto
  const key = params.nodeKeys.get(params.originator)
  const fast = key === undefined || recoversNatively(crypto) ? undefined : verifierFor(key)
  let expected = params.cursor + 1
  for (const frame of params.frames) {
    let envelope: OriginatorEnvelope
    try {
      envelope = parseOriginatorEnvelope(frame)
    } catch (error) {
      throw malformed('a peer sent an unparseable originator envelope', error)
    }
    const unsigned = envelope.unsignedOriginatorEnvelope
    if (unsigned.originatorNodeId !== params.originator) {
      throw new ReplicationError(
        'Replication::UnexpectedOriginator',
        `envelope of originator ${unsigned.originatorNodeId} in the stream of ${params.originator}`,
      )
    }
    const seq = unsigned.originatorSequenceId
    if (seq < BigInt(expected)) {
      throw new ReplicationError(
        'Replication::SequenceReordered',
        `originator ${params.originator}: sequence id ${seq} at or below ${expected - 1}`,
      )
    }
    if (seq > BigInt(expected)) {
      throw new ReplicationError(
        'Replication::SequenceGap',
        `originator ${params.originator}: sequence id ${seq}, expected ${expected}`,
      )
    }
    const proof = envelope.proof
    const verified =
      fast !== undefined &&
      proof.kind === 'originatorSignature' &&
      proof.signature.length === 65 &&
      (proof.signature[64] === 0 || proof.signature[64] === 1) &&
      fast(originatorSignatureHash(crypto, envelope.unsignedOriginatorBytes), proof.signature)
    if (!verified) {
      try {
        verifyOriginatorEnvelope(envelope, {
          nodeKeys: params.nodeKeys,
          expectedNodeId: params.originator,
          crypto,
        })
      } catch (error) {
        throw new ReplicationError(
          'Replication::BadSignature',
          `originator ${params.originator}: envelope ${seq} does not verify`,
          { cause: error },
        )
      }
    }
    out.push(envelope)
    expected++
  }
  return out
}

interface PeerState {
  readonly id: number
  cursor: number
  peerLast: number
  connected: boolean
  lastError: string | undefined
  refused: number
  /** The requests in flight (the current pull and the prefetched next page), aborted by stop(). */
  readonly aborts: Set<AbortController>
  /** The next page, asked for while the current one is being applied (pipelining). */
  prefetch: { readonly after: number; readonly page: Promise<Page> } | undefined
  loop: Promise<void> | undefined
}

/** One answer of a peer: the frames and the peer's last originated sequence id. */
interface Page {
  readonly body: Uint8Array
  readonly peerLast: number
}

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
    if (
      options.privateKey.length !== 32 ||
      hex(this.crypto.secp256k1.getPublicKey(options.privateKey)) !== hex(own)
    ) {
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
        prefetch: undefined,
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

  /** Stops pulling and waits for pending writes. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const peer of this.peers.values()) for (const a of peer.aborts) a.abort()
    for (const w of this.waiters) w()
    await Promise.all([...this.peers.values()].map((p) => p.loop))
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

  /** Asks a peer for its envelopes after `after` (long poll when it has none yet). */
  private async fetchPage(peer: PeerState, after: number): Promise<Page> {
    const abort = new AbortController()
    peer.aborts.add(abort)
    const wait = this.options.longPollMs ?? 2000
    const url = `${this.peerBase(peer.id)}/replication/v1/envelopes?after=${after}&limit=${this.options.batchSize ?? defaultBatchSize}&wait=${wait}`
    const timer = setTimeout(() => abort.abort(), wait + 5000)
    try {
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

  /**
   * One pull from a peer: fetch (or take the prefetched page), check, apply, store. When the peer has more
   * than this page, the next page is asked for before this one is applied and stored, so the peer reads and
   * sends page n + 1 while this node writes page n. A prefetched page is used only if it starts at the
   * cursor this page leaves (a refused or failed page drops it).
   */
  private async pullOnce(peer: PeerState): Promise<void> {
    const prefetched = peer.prefetch
    peer.prefetch = undefined
    const { body, peerLast } =
      prefetched !== undefined && prefetched.after === peer.cursor
        ? await prefetched.page
        : await this.fetchPage(peer, peer.cursor)
    peer.connected = true
    if (Number.isSafeInteger(peerLast)) peer.peerLast = Math.max(peer.peerLast, peerLast)
    const envelopes = checkBatch({
      frames: decodeFrames(body),
      originator: peer.id,
      cursor: peer.cursor,
      nodeKeys: this.nodeKeys,
      crypto: this.crypto,
    })
    if (envelopes.length === 0) return
    const last = peer.cursor + envelopes.length
    if (peer.peerLast > last && !this.stopped) {
      const page = this.fetchPage(peer, last)
      page.catch(() => {}) // a failed prefetch is retried as an ordinary pull
      peer.prefetch = { after: last, page }
    }
    await this.apply(envelopes)
    const ops = envelopes.map((e) => ({
      type: 'put' as const,
      key: envelopeKey(peer.id, Number(e.unsignedOriginatorEnvelope.originatorSequenceId)),
      value: e.bytes,
    }))
    ops.push({ type: 'put', key: cursorKey(peer.id), value: u64(last) })
    await this.store.db.batch(ops)
    peer.cursor = last
    peer.lastError = undefined
    peer.peerLast = Math.max(peer.peerLast, last)
    this.counts.set(peer.id, last)
  }

  /**
   * Applies envelopes of another originator to the V3 tables, in order. Group messages and welcomes keep
   * the dedup of a client publish; identity updates are validated against this node's log of the inbox (and
   * skipped, logged, when they do not apply here).
   */
  private async apply(envelopes: readonly OriginatorEnvelope[]): Promise<void> {
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
    flush()
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
