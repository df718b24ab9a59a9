/**
 * Cursors: the xmtpd per-originator vector clock and the V3 per-topic id cursor.
 *
 * - Vector clock (protocol/xmtpd-network.md §1.2, §3.1): originator node id → highest sequence id seen.
 *   Sparse: a missing originator counts as 0. Wire form `xmtp.xmtpv4.envelopes.Cursor{1
 *   node_id_to_sequence_id: map<uint32, uint64>}`. At most 100 entries (`maxVectorClockLength`, §4.5).
 * - V3 id cursor (protocol/v3-node-api-and-identity.md §2.4-2.5): the last `id` seen on one V3 topic;
 *   the node returns ids strictly greater. libxmtp files V3 ids under fixed originators (§5.2 there,
 *   {@link V3Originator}) so both kinds of cursor share one store.
 * @module
 */
import { EnvelopeError } from './errors.ts'
import { parseV3Topic } from './topic.ts'
import { decodeFields, decodeRepeated, encodeMapEntryUint32Uint64, encodeRepeated } from './wire.ts'

/** The most entries a vector clock may carry on the wire (xmtpd `maxVectorClockLength`). */
export const MAX_VECTOR_CLOCK_LENGTH = 100

const MAX_UINT64 = 0xffffffffffffffffn

/** A vector clock: originator node id → highest sequence id seen. Immutable; missing means 0. */
export type VectorClock = ReadonlyMap<number, bigint>

/** How two clocks relate. */
export type ClockOrder = 'before' | 'after' | 'equal' | 'concurrent'

function checkNodeId(nodeId: number): number {
  if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > 0xffffffff) {
    throw new EnvelopeError('Envelope::InvalidArgument', `node id ${nodeId} is not a uint32`)
  }
  return nodeId
}

function checkSequence(sequence: bigint | number): bigint {
  const value =
    typeof sequence === 'number' ? (Number.isInteger(sequence) ? BigInt(sequence) : -1n) : sequence
  if (value < 0n || value > MAX_UINT64) {
    throw new EnvelopeError('Envelope::InvalidArgument', `sequence id ${String(sequence)} is not a uint64`)
  }
  return value
}

/**
 * A vector clock from entries (`[nodeId, sequenceId]` pairs or a `{ nodeId: sequenceId }` record).
 * Explicit zero entries are kept (they encode as written) but compare equal to missing ones.
 * @throws {EnvelopeError} `Envelope::InvalidArgument` on a node id beyond uint32 or a sequence beyond uint64.
 */
export function createVectorClock(
  entries: Iterable<readonly [number, bigint | number]> | Readonly<Record<number, bigint | number>> = [],
): VectorClock {
  const out = new Map<number, bigint>()
  const list: Iterable<readonly [number | string, bigint | number]> =
    Symbol.iterator in entries
      ? (entries as Iterable<readonly [number, bigint | number]>)
      : Object.entries(entries as Record<string, bigint | number>)
  for (const [nodeId, sequence] of list) out.set(checkNodeId(Number(nodeId)), checkSequence(sequence))
  return out
}

/** The sequence id a clock holds for an originator (0 when missing). */
export function getSequenceId(clock: VectorClock, nodeId: number): bigint {
  return clock.get(nodeId) ?? 0n
}

/**
 * The clock moved forward for one originator: `max(current, sequenceId)`. Never moves backwards.
 * @throws {EnvelopeError} `Envelope::InvalidArgument` on out-of-range values.
 */
export function advanceVectorClock(
  clock: VectorClock,
  nodeId: number,
  sequenceId: bigint | number,
): VectorClock {
  const seq = checkSequence(sequenceId)
  checkNodeId(nodeId)
  const current = clock.get(nodeId)
  if (current !== undefined && current >= seq) return clock
  const out = new Map(clock)
  out.set(nodeId, seq)
  return out
}

/** Pointwise maximum of two clocks (the least clock that dominates both). */
export function mergeVectorClocks(a: VectorClock, b: VectorClock): VectorClock {
  const out = new Map(a)
  for (const [nodeId, seq] of b) {
    const current = out.get(nodeId)
    if (current === undefined || seq > current) out.set(nodeId, seq)
  }
  return out
}

/**
 * How `a` relates to `b` as vector clocks: `before` when a ≤ b pointwise and a ≠ b, `after` the reverse,
 * `equal`, or `concurrent` when neither dominates. Missing entries count as 0.
 */
export function compareVectorClocks(a: VectorClock, b: VectorClock): ClockOrder {
  let less = false
  let greater = false
  for (const [nodeId, x] of a) {
    const y = b.get(nodeId) ?? 0n
    if (x < y) less = true
    else if (x > y) greater = true
  }
  for (const [nodeId, y] of b) {
    if (a.has(nodeId)) continue
    if (y > 0n) less = true
  }
  if (less && greater) return 'concurrent'
  if (less) return 'before'
  if (greater) return 'after'
  return 'equal'
}

/**
 * True when `clock[o] >= dependency[o]` for every originator (libxmtp CausalSort: an envelope may be
 * applied once the topic clock dominates its `depends_on`, protocol/xmtpd-network.md §3.3).
 */
export function dominates(clock: VectorClock, dependency: VectorClock): boolean {
  for (const [nodeId, seq] of dependency) if ((clock.get(nodeId) ?? 0n) < seq) return false
  return true
}

/**
 * The wire bytes of `xmtp.xmtpv4.envelopes.Cursor` for a clock, entries sorted by node id (deterministic;
 * protobuf map order carries no meaning).
 */
export function encodeCursor(clock: VectorClock): Uint8Array {
  const keys = [...clock.keys()].sort((x, y) => x - y)
  return encodeRepeated(
    1,
    keys.map((k) => encodeMapEntryUint32Uint64(k, clock.get(k) as bigint)),
  )
}

/** Options of {@link decodeCursor}. */
export interface DecodeCursorOptions {
  /** Most entries accepted (default {@link MAX_VECTOR_CLOCK_LENGTH}). */
  readonly maxEntries?: number
}

/**
 * Decodes `xmtp.xmtpv4.envelopes.Cursor` bytes. Entries may come in any order; a missing key or value
 * in an entry counts as 0 (proto3).
 * @throws {EnvelopeError} `Envelope::Malformed` (bad wire format, a node id repeated),
 *   `Envelope::CursorTooLong` (more than `maxEntries`).
 */
export function decodeCursor(bytes: Uint8Array, options: DecodeCursorOptions = {}): VectorClock {
  const maxEntries = options.maxEntries ?? MAX_VECTOR_CLOCK_LENGTH
  const entries = decodeRepeated(bytes, 1, 'Cursor')
  if (entries.length > maxEntries) {
    throw new EnvelopeError(
      'Envelope::CursorTooLong',
      `cursor has ${entries.length} entries, max ${maxEntries}`,
    )
  }
  const out = new Map<number, bigint>()
  for (const entry of entries) {
    const fields = decodeFields(entry, { 1: 'uint32', 2: 'uint64' }, 'Cursor.node_id_to_sequence_id')
    const nodeId = (fields.get(1) as number | undefined) ?? 0
    if (out.has(nodeId)) {
      throw new EnvelopeError('Envelope::Malformed', `Cursor: node id ${nodeId} occurs twice`)
    }
    out.set(nodeId, (fields.get(2) as bigint | undefined) ?? 0n)
  }
  return out
}

/**
 * The stable string form of a clock: `nodeId:sequenceId` pairs in ascending node id order, joined by `,`;
 * zero entries are left out (they mean the same as missing), so equal clocks give equal strings.
 * The empty clock is the empty string.
 */
export function vectorClockToString(clock: VectorClock): string {
  return [...clock.entries()]
    .filter(([, seq]) => seq !== 0n)
    .sort(([x], [y]) => x - y)
    .map(([nodeId, seq]) => `${nodeId}:${seq}`)
    .join(',')
}

const decimal = /^(0|[1-9][0-9]{0,19})$/

/**
 * Parses the string form of {@link vectorClockToString}. Only the canonical form is accepted: ascending
 * unique node ids, no zero entries, decimal without leading zeros.
 * @throws {EnvelopeError} `Envelope::CursorMalformed`, `Envelope::CursorTooLong`.
 */
export function parseVectorClock(text: string): VectorClock {
  const out = new Map<number, bigint>()
  if (text === '') return out
  const parts = text.split(',')
  if (parts.length > MAX_VECTOR_CLOCK_LENGTH) {
    throw new EnvelopeError('Envelope::CursorTooLong', `cursor has ${parts.length} entries`)
  }
  let previous = -1
  for (const part of parts) {
    const colon = part.indexOf(':')
    const nodeText = part.slice(0, colon)
    const seqText = part.slice(colon + 1)
    if (colon < 0 || !decimal.test(nodeText) || !decimal.test(seqText)) {
      throw new EnvelopeError('Envelope::CursorMalformed', 'cursor entry is not "nodeId:sequenceId"')
    }
    const nodeId = Number(nodeText)
    const seq = BigInt(seqText)
    if (nodeId > 0xffffffff || seq > MAX_UINT64 || seq === 0n || nodeId <= previous) {
      throw new EnvelopeError(
        'Envelope::CursorMalformed',
        'cursor entries must be ascending, non-zero and in range',
      )
    }
    previous = nodeId
    out.set(nodeId, seq)
  }
  return out
}

// --- V3 id cursors -----------------------------------------------------------------------------------

/**
 * The originator ids libxmtp files V3 ids under (`xmtp_configuration/src/common/d14n.rs`; protocol
 * xmtpd-network.md §1.5 "Migration"): commits, the inbox log, application messages, welcomes, key packages.
 */
export const V3Originator = {
  MlsCommits: 0,
  InboxLog: 1,
  ApplicationMessages: 10,
  WelcomeMessages: 11,
  Installations: 13,
} as const

/** A V3 originator's name. */
export type V3OriginatorName = keyof typeof V3Originator

/** The last id seen on one V3 string topic; 0 means "from the beginning" (ids start at 1). */
export interface IdCursor {
  readonly topic: string
  readonly id: bigint
}

/** How two id cursors on the same topic relate. */
export type IdCursorOrder = 'before' | 'after' | 'equal'

/**
 * A V3 id cursor on a topic.
 * @throws {EnvelopeError} `Envelope::TopicMalformed` for a non-V3 topic, `Envelope::InvalidArgument` for the id.
 */
export function createIdCursor(topic: string, id: bigint | number = 0n): IdCursor {
  parseV3Topic(topic)
  return { topic, id: checkSequence(id) }
}

/** The cursor after seeing `id`: `max(current, id)`, never backwards (paging asks for ids > cursor). */
export function advanceIdCursor(cursor: IdCursor, id: bigint | number): IdCursor {
  const value = checkSequence(id)
  return value > cursor.id ? { topic: cursor.topic, id: value } : cursor
}

function sameTopic(a: IdCursor, b: IdCursor): void {
  if (a.topic !== b.topic) {
    throw new EnvelopeError('Envelope::InvalidArgument', 'id cursors of different topics do not compare')
  }
}

/** The later of two cursors of one topic. @throws {EnvelopeError} `Envelope::InvalidArgument` across topics. */
export function mergeIdCursors(a: IdCursor, b: IdCursor): IdCursor {
  sameTopic(a, b)
  return b.id > a.id ? b : a
}

/** Orders two cursors of one topic. @throws {EnvelopeError} `Envelope::InvalidArgument` across topics. */
export function compareIdCursors(a: IdCursor, b: IdCursor): IdCursorOrder {
  sameTopic(a, b)
  return a.id < b.id ? 'before' : a.id > b.id ? 'after' : 'equal'
}

/**
 * The vector clock libxmtp keeps for a V3 id: `{ originator: id }`, where the originator tells which V3
 * stream the id counts in (commits 0, application messages 10, welcomes 11, ...).
 */
export function idCursorToVectorClock(cursor: IdCursor, originator: number): VectorClock {
  return createVectorClock([[originator, cursor.id]])
}

/**
 * The V3 id cursor a libxmtp-style vector clock holds for one topic and originator (the inverse of
 * {@link idCursorToVectorClock}); 0 when the originator is missing.
 */
export function idCursorFromVectorClock(topic: string, clock: VectorClock, originator: number): IdCursor {
  return createIdCursor(topic, clock.get(originator) ?? 0n)
}

/** The stable string form `<id>@<topic>`, e.g. `42@/xmtp/mls/1/g-ab…/proto`. */
export function idCursorToString(cursor: IdCursor): string {
  return `${cursor.id}@${cursor.topic}`
}

/**
 * Parses {@link idCursorToString}'s form.
 * @throws {EnvelopeError} `Envelope::CursorMalformed`, or the topic's error.
 */
export function parseIdCursor(text: string): IdCursor {
  const at = text.indexOf('@')
  const idText = text.slice(0, at)
  if (at < 0 || !decimal.test(idText) || BigInt(idText) > MAX_UINT64) {
    throw new EnvelopeError('Envelope::CursorMalformed', 'id cursor is not "<id>@<topic>"')
  }
  return createIdCursor(text.slice(at + 1), BigInt(idText))
}
