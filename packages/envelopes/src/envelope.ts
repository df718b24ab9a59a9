/**
 * The xmtpd envelope layers (protocol/xmtpd-network.md §1; proto package `xmtp.xmtpv4.envelopes`):
 * ClientEnvelope → PayerEnvelope → UnsignedOriginatorEnvelope → OriginatorEnvelope.
 *
 * Each outer layer carries the inner one as opaque `bytes`, and every signature covers those exact bytes.
 * So this module never re-encodes an inner layer: a parsed layer keeps the bytes it was parsed from
 * (`bytes`) next to its decoded fields, builders encode a layer once and keep the result, and signing and
 * verifying always hash the stored bytes. A re-encoded or tampered inner layer therefore fails its outer
 * signature (`Envelope::SignatureInvalid`) instead of being silently "fixed".
 *
 * Parsed objects hold views into one private copy of the input, made by the public `parse*` entry point.
 * @module
 */

import { defaultCrypto, equalBytes } from '@xmtp-lite/common'
import { decodeCursor, encodeCursor, type VectorClock } from './cursor.ts'
import { EnvelopeError } from './errors.ts'
import {
  checkUncompressedKey,
  type EnvelopeCrypto,
  originatorSignatureHash,
  payerSignatureHash,
  publicKeyToAddress,
  recoverSigner,
  samePublicKey,
  signHash,
} from './signing.ts'
import { parseTopic, type Topic, TopicKind, type TopicKindValue, topicKindLabels } from './topic.ts'
import { decodeFields, encodeFields, type FieldValue } from './wire.ts'

// --- field numbers (protocol/xmtpd-network.md §1.2) ---------------------------------------------------

/** The payload oneof of ClientEnvelope: name → field number. */
export const ClientPayloadField = {
  /** `xmtp.mls.api.v1.GroupMessageInput` */
  groupMessage: 2,
  /** `xmtp.mls.api.v1.WelcomeMessageInput` */
  welcomeMessage: 3,
  /** `xmtp.mls.api.v1.UploadKeyPackageRequest` */
  uploadKeyPackage: 4,
  /** `xmtp.identity.associations.IdentityUpdate` */
  identityUpdate: 5,
  /** `xmtp.xmtpv4.envelopes.PayerReport` (node-internal) */
  payerReport: 6,
  /** `xmtp.xmtpv4.envelopes.PayerReportAttestation` (node-internal) */
  payerReportAttestation: 7,
} as const

/** The name of a ClientEnvelope payload. */
export type ClientPayloadKind = keyof typeof ClientPayloadField

/** Which topic kind each payload must target (xmtpd `TopicMatchesPayload`, protocol §2). */
export const payloadTopicKind: Readonly<Record<ClientPayloadKind, TopicKindValue>> = Object.freeze({
  groupMessage: TopicKind.GroupMessagesV1,
  welcomeMessage: TopicKind.WelcomeMessagesV1,
  uploadKeyPackage: TopicKind.KeyPackagesV1,
  identityUpdate: TopicKind.IdentityUpdatesV1,
  payerReport: TopicKind.PayerReportsV1,
  payerReportAttestation: TopicKind.PayerReportAttestationsV1,
})

const payloadByField = new Map<number, ClientPayloadKind>(
  Object.entries(ClientPayloadField).map(([name, field]) => [field, name as ClientPayloadKind]),
)

const AAD_SCHEMA = { 2: 'bytes', 3: 'message' } as const
const CLIENT_SCHEMA = {
  1: 'message',
  2: 'message',
  3: 'message',
  4: 'message',
  5: 'message',
  6: 'message',
  7: 'message',
} as const
const PAYER_SCHEMA = { 1: 'bytes', 2: 'message', 3: 'uint32', 4: 'uint32' } as const
const SIGNATURE_SCHEMA = { 1: 'bytes' } as const
const UNSIGNED_SCHEMA = {
  1: 'uint32',
  2: 'uint64',
  3: 'int64',
  4: 'bytes',
  5: 'uint64',
  6: 'uint64',
  7: 'uint64',
} as const
const ORIGINATOR_SCHEMA = { 1: 'bytes', 2: 'message', 3: 'message' } as const
const PROOF_SCHEMA = { 1: 'bytes' } as const

// --- types -------------------------------------------------------------------------------------------

/** `AuthenticatedData`: what the node may read and the client authenticated. */
export interface AuthenticatedData {
  /** The exact bytes of the message. */
  readonly bytes: Uint8Array
  /** Field 2, parsed. */
  readonly targetTopic: Topic
  /** Field 3 (`depends_on`, XIP-49's `last_seen`); undefined when absent. */
  readonly dependsOn: VectorClock | undefined
}

/** A ClientEnvelope payload: which one, and its exact encoded bytes (decode them with `@xmtp-lite/proto`). */
export interface ClientPayload {
  readonly kind: ClientPayloadKind
  readonly bytes: Uint8Array
}

/** `ClientEnvelope`, made and serialized by the client. */
export interface ClientEnvelope {
  readonly bytes: Uint8Array
  readonly aad: AuthenticatedData
  readonly payload: ClientPayload
}

/** `PayerEnvelope`: the payer's signature over the ClientEnvelope bytes and the target node. */
export interface PayerEnvelope {
  readonly bytes: Uint8Array
  /** Field 1, exactly as signed. */
  readonly clientEnvelopeBytes: Uint8Array
  readonly clientEnvelope: ClientEnvelope
  /** Field 2 (`RecoverableEcdsaSignature.bytes`); absent on chain-derived envelopes. */
  readonly payerSignature: Uint8Array | undefined
  /** Field 3. */
  readonly targetOriginator: number
  /** Field 4. */
  readonly messageRetentionDays: number
}

/** `UnsignedOriginatorEnvelope`: sequencing and fees added by the originator. */
export interface UnsignedOriginatorEnvelope {
  readonly bytes: Uint8Array
  readonly originatorNodeId: number
  readonly originatorSequenceId: bigint
  /** Unix nanoseconds on the originator's clock (int64). */
  readonly originatorNs: bigint
  /** Field 4, exactly as carried. */
  readonly payerEnvelopeBytes: Uint8Array
  readonly payerEnvelope: PayerEnvelope
  readonly baseFeePicodollars: bigint
  readonly congestionFeePicodollars: bigint
  /** Unix seconds; 0 when absent (chain-derived envelopes). */
  readonly expiryUnixtime: bigint
}

/** The proof of an OriginatorEnvelope. */
export type OriginatorProof =
  | { readonly kind: 'originatorSignature'; readonly signature: Uint8Array }
  | { readonly kind: 'blockchain'; readonly transactionHash: Uint8Array }

/** `OriginatorEnvelope`: the unsigned originator envelope plus its proof. */
export interface OriginatorEnvelope {
  readonly bytes: Uint8Array
  /** Field 1, exactly as signed. */
  readonly unsignedOriginatorBytes: Uint8Array
  readonly unsignedOriginatorEnvelope: UnsignedOriginatorEnvelope
  readonly proof: OriginatorProof
}

// --- parsing -----------------------------------------------------------------------------------------

/** Options of {@link parseClientEnvelope} and the outer parsers. */
export interface ParseOptions {
  /**
   * Reject a client envelope whose topic kind does not match its payload (`Envelope::TopicPayloadMismatch`),
   * as xmtpd's gateway, publish path and indexer all do. Default true.
   */
  readonly checkTopicMatch?: boolean
}

function missing(what: string): EnvelopeError {
  return new EnvelopeError('Envelope::MissingField', `${what} is missing`)
}

function bytesField(fields: Map<number, FieldValue>, n: number): Uint8Array | undefined {
  return fields.get(n) as Uint8Array | undefined
}

/**
 * Builders already hold the parsed inner layer they just wrapped: reuse it instead of parsing the same bytes
 * again, but only when its bytes are exactly the field's bytes.
 */
function reuse<T extends { readonly bytes: Uint8Array }>(
  inner: T | undefined,
  field: Uint8Array,
): T | undefined {
  return inner !== undefined && equalBytes(inner.bytes, field) ? inner : undefined
}

function parseAad(bytes: Uint8Array): AuthenticatedData {
  const fields = decodeFields(bytes, AAD_SCHEMA, 'AuthenticatedData')
  const topicBytes = bytesField(fields, 2) ?? new Uint8Array(0)
  if (topicBytes.length === 0) throw missing('AuthenticatedData.target_topic')
  const targetTopic = parseTopic(topicBytes)
  const dependsOnBytes = bytesField(fields, 3)
  return {
    bytes,
    targetTopic,
    dependsOn: dependsOnBytes === undefined ? undefined : decodeCursor(dependsOnBytes),
  }
}

function parseClientView(bytes: Uint8Array, options: ParseOptions): ClientEnvelope {
  const fields = decodeFields(bytes, CLIENT_SCHEMA, 'ClientEnvelope')
  const aadBytes = bytesField(fields, 1)
  if (aadBytes === undefined) throw missing('ClientEnvelope.aad')
  let payload: ClientPayload | undefined
  for (const [field, kind] of payloadByField) {
    const value = bytesField(fields, field)
    if (value === undefined) continue
    if (payload !== undefined) {
      throw new EnvelopeError(
        'Envelope::Malformed',
        'ClientEnvelope: more than one payload of the oneof is set',
      )
    }
    payload = { kind, bytes: value }
  }
  if (payload === undefined) throw missing('ClientEnvelope.payload')
  const envelope: ClientEnvelope = { bytes, aad: parseAad(aadBytes), payload }
  if (options.checkTopicMatch !== false) assertTopicMatchesPayload(envelope)
  return envelope
}

function parsePayerView(bytes: Uint8Array, options: ParseOptions, inner?: ClientEnvelope): PayerEnvelope {
  const fields = decodeFields(bytes, PAYER_SCHEMA, 'PayerEnvelope')
  const clientEnvelopeBytes = bytesField(fields, 1)
  if (clientEnvelopeBytes === undefined) throw missing('PayerEnvelope.unsigned_client_envelope')
  const signatureMessage = bytesField(fields, 2)
  let payerSignature: Uint8Array | undefined
  if (signatureMessage !== undefined) {
    const sig = decodeFields(signatureMessage, SIGNATURE_SCHEMA, 'RecoverableEcdsaSignature')
    payerSignature = bytesField(sig, 1) ?? new Uint8Array(0)
  }
  return {
    bytes,
    clientEnvelopeBytes,
    clientEnvelope: reuse(inner, clientEnvelopeBytes) ?? parseClientView(clientEnvelopeBytes, options),
    payerSignature,
    targetOriginator: (fields.get(3) as number | undefined) ?? 0,
    messageRetentionDays: (fields.get(4) as number | undefined) ?? 0,
  }
}

function parseUnsignedView(
  bytes: Uint8Array,
  options: ParseOptions,
  inner?: PayerEnvelope,
): UnsignedOriginatorEnvelope {
  const fields = decodeFields(bytes, UNSIGNED_SCHEMA, 'UnsignedOriginatorEnvelope')
  const payerEnvelopeBytes = bytesField(fields, 4)
  if (payerEnvelopeBytes === undefined) throw missing('UnsignedOriginatorEnvelope.payer_envelope_bytes')
  return {
    bytes,
    originatorNodeId: (fields.get(1) as number | undefined) ?? 0,
    originatorSequenceId: (fields.get(2) as bigint | undefined) ?? 0n,
    originatorNs: (fields.get(3) as bigint | undefined) ?? 0n,
    payerEnvelopeBytes,
    payerEnvelope: reuse(inner, payerEnvelopeBytes) ?? parsePayerView(payerEnvelopeBytes, options),
    baseFeePicodollars: (fields.get(5) as bigint | undefined) ?? 0n,
    congestionFeePicodollars: (fields.get(6) as bigint | undefined) ?? 0n,
    expiryUnixtime: (fields.get(7) as bigint | undefined) ?? 0n,
  }
}

function parseOriginatorView(
  bytes: Uint8Array,
  options: ParseOptions,
  inner?: PayerEnvelope,
): OriginatorEnvelope {
  const fields = decodeFields(bytes, ORIGINATOR_SCHEMA, 'OriginatorEnvelope')
  const unsignedOriginatorBytes = bytesField(fields, 1)
  if (unsignedOriginatorBytes === undefined) throw missing('OriginatorEnvelope.unsigned_originator_envelope')
  const signatureMessage = bytesField(fields, 2)
  const proofMessage = bytesField(fields, 3)
  let proof: OriginatorProof
  if (signatureMessage !== undefined && proofMessage !== undefined) {
    throw new EnvelopeError('Envelope::Malformed', 'OriginatorEnvelope: both proofs of the oneof are set')
  } else if (signatureMessage !== undefined) {
    const sig = decodeFields(signatureMessage, SIGNATURE_SCHEMA, 'RecoverableEcdsaSignature')
    proof = { kind: 'originatorSignature', signature: bytesField(sig, 1) ?? new Uint8Array(0) }
  } else if (proofMessage !== undefined) {
    const p = decodeFields(proofMessage, PROOF_SCHEMA, 'BlockchainProof')
    proof = { kind: 'blockchain', transactionHash: bytesField(p, 1) ?? new Uint8Array(0) }
  } else {
    throw missing('OriginatorEnvelope.proof')
  }
  return {
    bytes,
    unsignedOriginatorBytes,
    unsignedOriginatorEnvelope: parseUnsignedView(unsignedOriginatorBytes, options, inner),
    proof,
  }
}

/**
 * Parses a ClientEnvelope: an aad with a parseable target topic and exactly one payload are required.
 * @throws {EnvelopeError} `Envelope::Malformed`, `Envelope::MissingField`, topic errors,
 *   `Envelope::TopicPayloadMismatch`.
 */
export function parseClientEnvelope(bytes: Uint8Array, options: ParseOptions = {}): ClientEnvelope {
  return parseClientView(bytes.slice(), options)
}

/**
 * Parses a PayerEnvelope and the ClientEnvelope inside it. The signature is not checked here: see
 * {@link verifyPayerEnvelope}.
 * @throws {EnvelopeError} as {@link parseClientEnvelope}.
 */
export function parsePayerEnvelope(bytes: Uint8Array, options: ParseOptions = {}): PayerEnvelope {
  return parsePayerView(bytes.slice(), options)
}

/**
 * Parses an UnsignedOriginatorEnvelope and every layer inside it.
 * @throws {EnvelopeError} as {@link parseClientEnvelope}.
 */
export function parseUnsignedOriginatorEnvelope(
  bytes: Uint8Array,
  options: ParseOptions = {},
): UnsignedOriginatorEnvelope {
  return parseUnsignedView(bytes.slice(), options)
}

/**
 * Parses an OriginatorEnvelope and every layer inside it. Signatures are not checked here: see
 * {@link verifyOriginatorEnvelope}.
 * @throws {EnvelopeError} as {@link parseClientEnvelope}; `Envelope::MissingField` without a proof.
 */
export function parseOriginatorEnvelope(bytes: Uint8Array, options: ParseOptions = {}): OriginatorEnvelope {
  return parseOriginatorView(bytes.slice(), options)
}

/** True when the client envelope's topic kind is the one its payload must target. */
export function topicMatchesPayload(envelope: ClientEnvelope): boolean {
  return payloadTopicKind[envelope.payload.kind] === envelope.aad.targetTopic.kind
}

/** @throws {EnvelopeError} `Envelope::TopicPayloadMismatch` unless {@link topicMatchesPayload}. */
export function assertTopicMatchesPayload(envelope: ClientEnvelope): void {
  if (!topicMatchesPayload(envelope)) {
    throw new EnvelopeError(
      'Envelope::TopicPayloadMismatch',
      `a ${envelope.payload.kind} payload cannot target a ${topicKindLabels[envelope.aad.targetTopic.kind]} topic`,
    )
  }
}

// --- building ----------------------------------------------------------------------------------------

const MAX_UINT64 = 0xffffffffffffffffn

function uint32Arg(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new EnvelopeError('Envelope::InvalidArgument', `${name} must be a uint32, got ${value}`)
  }
  return value
}

function uint64Arg(value: bigint | number, name: string): bigint {
  const v = typeof value === 'number' ? (Number.isInteger(value) ? BigInt(value) : -1n) : value
  if (v < 0n || v > MAX_UINT64)
    throw new EnvelopeError('Envelope::InvalidArgument', `${name} must be a uint64`)
  return v
}

function int64Arg(value: bigint | number, name: string): bigint {
  const v = typeof value === 'number' ? (Number.isInteger(value) ? BigInt(value) : 2n ** 64n) : value
  if (v !== BigInt.asIntN(64, v))
    throw new EnvelopeError('Envelope::InvalidArgument', `${name} must be an int64`)
  return v
}

function clientOf(value: ClientEnvelope | Uint8Array): ClientEnvelope | undefined {
  return value instanceof Uint8Array ? undefined : value
}

function payerOf(value: PayerEnvelope | Uint8Array): PayerEnvelope | undefined {
  return value instanceof Uint8Array ? undefined : value
}

/** What {@link createClientEnvelope} needs. */
export interface CreateClientEnvelopeParams {
  /** The target topic: built with the topic helpers, or its raw bytes. */
  readonly targetTopic: Topic | Uint8Array
  /** `depends_on`: the cursor of the commit this message depends on (libxmtp sets it on group messages). */
  readonly dependsOn?: VectorClock
  /** The payload kind and its encoded message bytes. */
  readonly payload: ClientPayload
}

/**
 * Builds a ClientEnvelope once: the returned object's `bytes` are what a payer signs.
 * @throws {EnvelopeError} topic errors, `Envelope::TopicPayloadMismatch`.
 */
export function createClientEnvelope(params: CreateClientEnvelopeParams): ClientEnvelope {
  const topicBytes = params.targetTopic instanceof Uint8Array ? params.targetTopic : params.targetTopic.bytes
  parseTopic(topicBytes)
  const aad = encodeFields([
    [2, 'bytes', topicBytes],
    [3, 'message', params.dependsOn === undefined ? undefined : encodeCursor(params.dependsOn)],
  ])
  const fields: Parameters<typeof encodeFields>[0] = [
    [1, 'message', aad],
    [ClientPayloadField[params.payload.kind], 'message', params.payload.bytes],
  ]
  return parseClientView(encodeFields(fields), {})
}

/** What {@link createPayerEnvelope} needs. */
export interface CreatePayerEnvelopeParams {
  /** The client envelope, parsed or as the exact bytes to carry. */
  readonly clientEnvelope: ClientEnvelope | Uint8Array
  /** The node this envelope is for (covered by the signature). */
  readonly targetOriginator: number
  /** Retention in days (xmtpd accepts 2..365, or 0xFFFFFFFF for "forever"). */
  readonly messageRetentionDays: number
  /** The payer's secp256k1 private key (32 bytes). */
  readonly payerPrivateKey: Uint8Array
  readonly crypto?: EnvelopeCrypto
}

/**
 * Signs and builds a PayerEnvelope around the exact client envelope bytes.
 * @throws {EnvelopeError} `Envelope::InvalidArgument`, or any parse error of the client envelope bytes.
 */
export function createPayerEnvelope(params: CreatePayerEnvelopeParams): PayerEnvelope {
  const crypto = params.crypto ?? defaultCrypto
  const clientBytes =
    params.clientEnvelope instanceof Uint8Array ? params.clientEnvelope : params.clientEnvelope.bytes
  const target = uint32Arg(params.targetOriginator, 'targetOriginator')
  const retention = uint32Arg(params.messageRetentionDays, 'messageRetentionDays')
  const signature = signHash(crypto, payerSignatureHash(crypto, target, clientBytes), params.payerPrivateKey)
  const bytes = encodeFields([
    [1, 'bytes', clientBytes],
    [2, 'message', encodeFields([[1, 'bytes', signature]])],
    [3, 'uint32', target],
    [4, 'uint32', retention],
  ])
  return parsePayerView(bytes, {}, clientOf(params.clientEnvelope))
}

/**
 * A chain-derived PayerEnvelope: only field 1, no signature, target or retention (xmtpd indexer,
 * protocol §1.5 "Chain-derived").
 */
export function createUnsignedPayerEnvelope(clientEnvelope: ClientEnvelope | Uint8Array): PayerEnvelope {
  const clientBytes = clientEnvelope instanceof Uint8Array ? clientEnvelope : clientEnvelope.bytes
  return parsePayerView(encodeFields([[1, 'bytes', clientBytes]]), {}, clientOf(clientEnvelope))
}

/** The sequencing and fee fields of an UnsignedOriginatorEnvelope. */
export interface OriginatorFields {
  /** The payer envelope, parsed or as the exact bytes to carry. */
  readonly payerEnvelope: PayerEnvelope | Uint8Array
  readonly originatorNodeId: number
  readonly originatorSequenceId: bigint | number
  /** Unix nanoseconds (int64). */
  readonly originatorNs: bigint | number
  readonly baseFeePicodollars?: bigint | number
  readonly congestionFeePicodollars?: bigint | number
  /** Unix seconds; leave out for chain-derived envelopes. */
  readonly expiryUnixtime?: bigint | number
}

function encodeUnsigned(fields: OriginatorFields): Uint8Array {
  const payerBytes =
    fields.payerEnvelope instanceof Uint8Array ? fields.payerEnvelope : fields.payerEnvelope.bytes
  return encodeFields([
    [1, 'uint32', uint32Arg(fields.originatorNodeId, 'originatorNodeId')],
    [2, 'uint64', uint64Arg(fields.originatorSequenceId, 'originatorSequenceId')],
    [3, 'int64', int64Arg(fields.originatorNs, 'originatorNs')],
    [4, 'bytes', payerBytes],
    [5, 'uint64', uint64Arg(fields.baseFeePicodollars ?? 0n, 'baseFeePicodollars')],
    [6, 'uint64', uint64Arg(fields.congestionFeePicodollars ?? 0n, 'congestionFeePicodollars')],
    [7, 'uint64', uint64Arg(fields.expiryUnixtime ?? 0n, 'expiryUnixtime')],
  ])
}

/** What {@link createOriginatorEnvelope} needs. */
export interface CreateOriginatorEnvelopeParams extends OriginatorFields {
  /** The originator node's secp256k1 private key (32 bytes). */
  readonly nodePrivateKey: Uint8Array
  readonly crypto?: EnvelopeCrypto
}

/**
 * Encodes the UnsignedOriginatorEnvelope once, signs those bytes, and builds the OriginatorEnvelope.
 * Sign once and keep the result: replicate and return the same bytes (protocol §12 item 5).
 * @throws {EnvelopeError} `Envelope::InvalidArgument`, or any parse error of the payer envelope bytes.
 */
export function createOriginatorEnvelope(params: CreateOriginatorEnvelopeParams): OriginatorEnvelope {
  const crypto = params.crypto ?? defaultCrypto
  const unsigned = encodeUnsigned(params)
  const signature = signHash(crypto, originatorSignatureHash(crypto, unsigned), params.nodePrivateKey)
  const bytes = encodeFields([
    [1, 'bytes', unsigned],
    [2, 'message', encodeFields([[1, 'bytes', signature]])],
  ])
  return parseOriginatorView(bytes, {}, payerOf(params.payerEnvelope))
}

/** What {@link createBlockchainOriginatorEnvelope} needs. */
export interface CreateBlockchainOriginatorEnvelopeParams extends OriginatorFields {
  /** The hash of the transaction that emitted the payload. */
  readonly transactionHash: Uint8Array
}

/**
 * A chain-derived OriginatorEnvelope (originator 0 for commits, 1 for identity updates) whose proof is a
 * transaction hash, as xmtpd's indexer builds it (protocol §1.5).
 */
export function createBlockchainOriginatorEnvelope(
  params: CreateBlockchainOriginatorEnvelopeParams,
): OriginatorEnvelope {
  const bytes = encodeFields([
    [1, 'bytes', encodeUnsigned(params)],
    [3, 'message', encodeFields([[1, 'bytes', params.transactionHash]])],
  ])
  return parseOriginatorView(bytes, {}, payerOf(params.payerEnvelope))
}

// --- verifying ---------------------------------------------------------------------------------------

/** Who signed a payer envelope. */
export interface PayerSigner {
  /** 65-byte uncompressed secp256k1 public key. */
  readonly publicKey: Uint8Array
  /** `0x` + 40 lowercase hex. */
  readonly address: string
}

/** Options of {@link verifyPayerEnvelope}. */
export interface VerifyPayerOptions {
  /** The payer address (`0x…`, any case) that must have signed; when absent any recoverable signer passes. */
  readonly expectedPayerAddress?: string
  /** The node the envelope must target (`Envelope::UnexpectedOriginator` otherwise). */
  readonly expectedTargetOriginator?: number
  readonly crypto?: EnvelopeCrypto
}

/**
 * Recovers the payer from the signature over `target|` ‖ target ‖ `payer|` ‖ the exact client envelope
 * bytes, as xmtpd's `RecoverSigner`, and checks it against the expectation.
 * @throws {EnvelopeError} `Envelope::MissingField` (no signature), `Envelope::SignatureInvalid`,
 *   `Envelope::UnexpectedOriginator`.
 */
export function verifyPayerEnvelope(envelope: PayerEnvelope, options: VerifyPayerOptions = {}): PayerSigner {
  const crypto = options.crypto ?? defaultCrypto
  if (
    options.expectedTargetOriginator !== undefined &&
    envelope.targetOriginator !== options.expectedTargetOriginator
  ) {
    throw new EnvelopeError(
      'Envelope::UnexpectedOriginator',
      `payer envelope targets node ${envelope.targetOriginator}, expected ${options.expectedTargetOriginator}`,
    )
  }
  if (envelope.payerSignature === undefined) throw missing('PayerEnvelope.payer_signature')
  const hash = payerSignatureHash(crypto, envelope.targetOriginator, envelope.clientEnvelopeBytes)
  const publicKey = recoverSigner(crypto, hash, envelope.payerSignature)
  const address = publicKeyToAddress(crypto, publicKey)
  if (options.expectedPayerAddress !== undefined && address !== options.expectedPayerAddress.toLowerCase()) {
    throw new EnvelopeError(
      'Envelope::SignatureInvalid',
      'payer signature does not recover the expected payer',
      {
        details: `recovered ${address}`,
      },
    )
  }
  return { publicKey, address }
}

/** Options of {@link verifyOriginatorEnvelope}. */
export interface VerifyOriginatorOptions {
  /**
   * The signing keys of the known nodes (node id → 65-byte uncompressed key, as in the NodeRegistry).
   * The envelope's `originator_node_id` picks the key that must have signed.
   */
  readonly nodeKeys: ReadonlyMap<number, Uint8Array>
  /** The node the envelope must come from (a publish reply, a replication stream for one originator). */
  readonly expectedNodeId?: number
  /** Accept a blockchain proof (it cannot be checked here) instead of failing with `MissingField`. */
  readonly allowBlockchainProof?: boolean
  /**
   * Also verify the payer signature inside. Default false. A chain-derived envelope (blockchain proof, payer
   * envelope without signature) passes without one; any other missing payer signature is `MissingField`.
   */
  readonly verifyPayer?: boolean
  readonly crypto?: EnvelopeCrypto
}

/** The outcome of {@link verifyOriginatorEnvelope}. */
export interface VerifiedOriginator {
  readonly originatorNodeId: number
  /** `'signature'` when a node signature was checked, `'blockchain'` for an accepted chain proof. */
  readonly proof: 'signature' | 'blockchain'
  /** The payer, when `verifyPayer` was set and the payer envelope is signed. */
  readonly payer: PayerSigner | undefined
}

/**
 * Verifies an originator envelope's node signature over `originator|` ‖ the exact unsigned bytes.
 *
 * Outcomes: the named originator's key recovers → ok. A different *known* node's key recovers →
 * `Envelope::SignerMismatch` (a node signing for another). Anything else (a tampered or re-encoded inner
 * envelope, a bad signature) → `Envelope::SignatureInvalid`.
 * @throws {EnvelopeError} `Envelope::UnexpectedOriginator`, `Envelope::UnknownOriginator`,
 *   `Envelope::SignatureInvalid`, `Envelope::SignerMismatch`, `Envelope::MissingField` (blockchain proof not
 *   allowed, or no payer signature with `verifyPayer`).
 */
export function verifyOriginatorEnvelope(
  envelope: OriginatorEnvelope,
  options: VerifyOriginatorOptions,
): VerifiedOriginator {
  const crypto = options.crypto ?? defaultCrypto
  const nodeId = envelope.unsignedOriginatorEnvelope.originatorNodeId
  if (options.expectedNodeId !== undefined && nodeId !== options.expectedNodeId) {
    throw new EnvelopeError(
      'Envelope::UnexpectedOriginator',
      `envelope is from originator ${nodeId}, expected ${options.expectedNodeId}`,
    )
  }
  let proof: VerifiedOriginator['proof']
  if (envelope.proof.kind === 'blockchain') {
    if (options.allowBlockchainProof !== true) throw missing('OriginatorEnvelope.originator_signature')
    proof = 'blockchain'
  } else {
    const expectedKey = options.nodeKeys.get(nodeId)
    if (expectedKey === undefined) {
      throw new EnvelopeError('Envelope::UnknownOriginator', `no signing key known for node ${nodeId}`)
    }
    checkUncompressedKey(expectedKey)
    const hash = originatorSignatureHash(crypto, envelope.unsignedOriginatorBytes)
    const recovered = recoverSigner(crypto, hash, envelope.proof.signature)
    if (!samePublicKey(recovered, expectedKey)) {
      for (const [otherId, otherKey] of options.nodeKeys) {
        if (otherId !== nodeId && samePublicKey(recovered, otherKey)) {
          throw new EnvelopeError(
            'Envelope::SignerMismatch',
            `envelope claims originator ${nodeId} but is signed by node ${otherId}`,
          )
        }
      }
      throw new EnvelopeError(
        'Envelope::SignatureInvalid',
        `originator signature does not verify under node ${nodeId}'s key`,
      )
    }
    proof = 'signature'
  }
  let payer: PayerSigner | undefined
  const payerEnvelope = envelope.unsignedOriginatorEnvelope.payerEnvelope
  // Chain-derived payer envelopes carry no payer signature by design (protocol §1.5).
  const unsignedChainPayer = proof === 'blockchain' && payerEnvelope.payerSignature === undefined
  if (options.verifyPayer === true && !unsignedChainPayer) {
    payer = verifyPayerEnvelope(payerEnvelope, { crypto })
  }
  return { originatorNodeId: nodeId, proof, payer }
}
