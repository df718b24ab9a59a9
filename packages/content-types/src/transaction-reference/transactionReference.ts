/**
 * Transaction reference: `xmtp.org/transactionReference:1.0`, JSON `{namespace?, networkId, reference,
 * metadata?}` (mls-groups.md §6.3; libxmtp transaction_reference.rs). Pushed.
 * @module
 */
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import {
  expectFiniteNumber,
  expectRecord,
  expectString,
  jsonBytes,
  optionalString,
  parseJsonBytes,
  schemaError,
} from '../internal.ts'

/** `xmtp.org/transactionReference:1.0`. */
export const ContentTypeTransactionReference: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'transactionReference',
  versionMajor: 1,
  versionMinor: 0,
})

/** Details of the transaction, all required when `metadata` is present. */
export interface TransactionMetadata {
  transactionType: string
  currency: string
  amount: number
  decimals: number
  fromAddress: string
  toAddress: string
}

/** A reference to an on-chain transaction (the official codec's type). */
export interface TransactionReference {
  /** The namespace of `networkId`, e.g. `eip155`. */
  namespace?: string
  /** The network id, decimal or hex; libxmtp writes a string and accepts a number on decode. */
  networkId: number | string
  /** The transaction hash. */
  reference: string
  metadata?: TransactionMetadata
}

function readMetadata(value: unknown): TransactionMetadata {
  const m = expectRecord(value, 'metadata')
  const decimals = expectFiniteNumber(m, 'decimals', 'metadata')
  // libxmtp reads decimals as u32.
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 0xffff_ffff) {
    throw schemaError('metadata.decimals must be a uint32')
  }
  return {
    transactionType: expectString(m, 'transactionType', 'metadata'),
    currency: expectString(m, 'currency', 'metadata'),
    amount: expectFiniteNumber(m, 'amount', 'metadata'),
    decimals,
    fromAddress: expectString(m, 'fromAddress', 'metadata'),
    toAddress: expectString(m, 'toAddress', 'metadata'),
  }
}

/** Validates a parsed transaction reference; exported for the vectors. */
export function readTransactionReference(value: unknown): TransactionReference {
  const o = expectRecord(value, 'transactionReference')
  const networkId = o.networkId
  if (typeof networkId !== 'string' && (typeof networkId !== 'number' || !Number.isFinite(networkId))) {
    throw schemaError('transactionReference.networkId must be a string or a number')
  }
  const reference = expectString(o, 'reference', 'transactionReference')
  const namespace = optionalString(o, 'namespace', 'transactionReference')
  const metadata = o.metadata === undefined || o.metadata === null ? undefined : readMetadata(o.metadata)
  // Key order of libxmtp's serde struct: namespace, networkId, reference, metadata.
  return {
    ...(namespace === undefined ? {} : { namespace }),
    networkId,
    reference,
    ...(metadata === undefined ? {} : { metadata }),
  }
}

/**
 * The transaction reference codec.
 * @example
 * const codec = new TransactionReferenceCodec()
 * codec.decode(codec.encode({ networkId: '1', reference: '0xabc' })).reference // '0xabc'
 */
export class TransactionReferenceCodec implements ContentCodec<TransactionReference> {
  get contentType(): ContentTypeId {
    return ContentTypeTransactionReference
  }

  encode(content: TransactionReference): EncodedContent {
    let checked: TransactionReference
    try {
      checked = readTransactionReference(content)
    } catch (error) {
      throw new ContentTypeError('ContentType::InvalidContent', 'not a valid transaction reference', {
        cause: error,
      })
    }
    return { type: ContentTypeTransactionReference, parameters: {}, content: jsonBytes(checked) }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `InvalidUtf8`, `InvalidJson`, `SchemaMismatch`. */
  decode(encoded: EncodedContent): TransactionReference {
    assertEncodedType(encoded, ContentTypeTransactionReference)
    return readTransactionReference(parseJsonBytes(encoded.content, 'transaction reference'))
  }

  fallback(content: TransactionReference): string {
    return content.reference
      ? `[Crypto transaction] Use a blockchain explorer to learn more using the transaction hash: ${content.reference}`
      : 'Crypto transaction'
  }

  shouldPush(): boolean {
    return true
  }
}
