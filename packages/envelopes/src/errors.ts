/**
 * Error codes of `@xmtp-lite/envelopes`: topics, the xmtpd envelope layers, cursors.
 *
 * Every malformed or hostile input from the wire ends in an {@link EnvelopeError} with one of these codes.
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

/** The codes of the `envelopes` package. */
export const envelopesErrorCodes = defineErrorCodes('Envelope', {
  // --- topics ---
  'Envelope::TopicMalformed': {
    category: 'Codec',
    retryable: false,
    description:
      'A topic does not parse: wrong prefix or suffix, bad or uppercase hex, shorter than 2 bytes, or an empty identifier.',
  },
  'Envelope::TopicUnknownKind': {
    category: 'Validation',
    retryable: false,
    description: 'A kind-prefixed topic starts with a kind byte that no XMTP topic kind uses.',
  },
  'Envelope::TopicTooLong': {
    category: 'Limit',
    retryable: false,
    description: 'A kind-prefixed topic is longer than 128 bytes (xmtpd maxTopicLength).',
  },
  'Envelope::TopicNoV3Form': {
    category: 'Usage',
    retryable: false,
    description: 'A topic kind has no V3 string topic (only group messages and welcomes have one).',
  },
  'Envelope::TopicPayloadMismatch': {
    category: 'Validation',
    retryable: false,
    description:
      'A client envelope targets a topic whose kind does not match its payload (TopicMatchesPayload).',
  },
  // --- envelope layers ---
  'Envelope::Malformed': {
    category: 'Codec',
    retryable: false,
    description:
      'Envelope bytes do not parse as protobuf: truncated, wrong wire type, bad varint, out-of-range or repeated field.',
  },
  'Envelope::MissingField': {
    category: 'Validation',
    retryable: false,
    description:
      'A required envelope field is absent (aad, payload, inner envelope bytes, proof, signature).',
  },
  'Envelope::SignatureInvalid': {
    category: 'Crypto',
    retryable: false,
    description:
      'A payer or originator signature does not recover, or does not match the expected key over the exact signed bytes.',
  },
  'Envelope::SignerMismatch': {
    category: 'Crypto',
    retryable: false,
    description:
      'An originator envelope is validly signed, but by a known node other than its claimed originator.',
  },
  'Envelope::UnknownOriginator': {
    category: 'Validation',
    retryable: false,
    description: 'An originator envelope names a node id whose signing key is not known to the verifier.',
  },
  'Envelope::UnexpectedOriginator': {
    category: 'Validation',
    retryable: false,
    description: 'An envelope names an originator or target node other than the one the caller expected.',
  },
  'Envelope::InvalidArgument': {
    category: 'Usage',
    retryable: false,
    description:
      'A value given to a builder is out of range (node id beyond uint32, negative sequence id, wrong key size).',
  },
  'Envelope::DependsOnInvalid': {
    category: 'Validation',
    retryable: true,
    description:
      'A depends_on entry names a node originator, an originator never seen, or a sequence beyond the latest seen.',
  },
  // --- cursors ---
  'Envelope::CursorMalformed': {
    category: 'Codec',
    retryable: false,
    description: 'The string form of a cursor does not parse.',
  },
  'Envelope::CursorTooLong': {
    category: 'Limit',
    retryable: false,
    description: 'A vector clock has more entries than allowed (xmtpd maxVectorClockLength, 100).',
  },
})

/** A code of the `envelopes` package. */
export type EnvelopeErrorCode = keyof typeof envelopesErrorCodes

/** An error raised by `@xmtp-lite/envelopes`. */
export class EnvelopeError extends BaseError<EnvelopeErrorCode> {
  override name = 'EnvelopeError'
  constructor(code: EnvelopeErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(envelopesErrorCodes, code, shortMessage, options)
  }
}
