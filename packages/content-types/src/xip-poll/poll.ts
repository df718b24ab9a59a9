/**
 * Poll: `xmtp-lite.dev/poll:1.0`, the content type of the XIP draft xips/xip-poll.md (the worked example of
 * CONTRIBUTING.md), behind the feature flag `xip-poll`. JSON `{question, options, multiple?}`: a question
 * of 1-300 characters, 2-10 distinct options of 1-100 characters each. Receivers without the codec show
 * the fallback text, which lists the options.
 * @module
 */
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import {
  expectArray,
  expectRecord,
  expectString,
  jsonBytes,
  parseJsonBytes,
  schemaError,
} from '../internal.ts'

/** `xmtp-lite.dev/poll:1.0` (xips/xip-poll.md). */
export const ContentTypePoll: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp-lite.dev',
  typeId: 'poll',
  versionMajor: 1,
  versionMinor: 0,
})

/** A poll. */
export interface Poll {
  /** 1 to 300 characters. */
  question: string
  /** 2 to 10 distinct options of 1 to 100 characters. */
  options: string[]
  /** Whether a voter may pick several options (default false, left out on the wire when false). */
  multiple?: boolean
}

/** Limits of the draft's Specification. */
export const POLL_LIMITS = { question: 300, option: 100, minOptions: 2, maxOptions: 10 } as const

// Characters, not UTF-16 units: an emoji option counts once, as the draft says.
const chars = (s: string) => [...s].length

/**
 * Validates a parsed poll (xips/xip-poll.md, Specification).
 * @throws {ContentTypeError} `ContentType::SchemaMismatch`
 */
export function readPoll(value: unknown): Poll {
  const o = expectRecord(value, 'poll')
  const question = expectString(o, 'question', 'poll')
  if (chars(question.trim()) === 0 || chars(question) > POLL_LIMITS.question) {
    throw schemaError('poll.question', `1 to ${POLL_LIMITS.question} characters, not blank`)
  }
  const raw = expectArray(o, 'options', 'poll')
  if (raw.length < POLL_LIMITS.minOptions || raw.length > POLL_LIMITS.maxOptions) {
    throw schemaError('poll.options', `${POLL_LIMITS.minOptions} to ${POLL_LIMITS.maxOptions} options`)
  }
  const options = raw.map((v, i) => {
    if (typeof v !== 'string' || chars(v.trim()) === 0 || chars(v) > POLL_LIMITS.option) {
      throw schemaError(`poll.options[${i}]`, `a string of 1 to ${POLL_LIMITS.option} characters, not blank`)
    }
    return v
  })
  if (new Set(options).size !== options.length) throw schemaError('poll.options', 'options must be distinct')
  if (o.multiple !== undefined && typeof o.multiple !== 'boolean') {
    throw schemaError('poll.multiple', 'a boolean')
  }
  return o.multiple === true ? { question, options, multiple: true } : { question, options }
}

/**
 * The poll codec.
 * @example
 * const codec = new PollCodec()
 * codec.fallback({ question: 'Lunch?', options: ['pizza', 'sushi'] })
 * // 'Poll: Lunch? (1. pizza, 2. sushi). Your app does not support polls yet.'
 */
export class PollCodec implements ContentCodec<Poll> {
  get contentType(): ContentTypeId {
    return ContentTypePoll
  }

  /** @throws {ContentTypeError} `ContentType::InvalidContent` for a poll the Specification refuses. */
  encode(content: Poll): EncodedContent {
    let poll: Poll
    try {
      poll = readPoll(content)
    } catch (error) {
      throw new ContentTypeError('ContentType::InvalidContent', 'not a valid poll', { cause: error })
    }
    return { type: ContentTypePoll, parameters: {}, content: jsonBytes(poll) }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `InvalidUtf8`, `InvalidJson`, `SchemaMismatch`. */
  decode(encoded: EncodedContent): Poll {
    assertEncodedType(encoded, ContentTypePoll)
    return readPoll(parseJsonBytes(encoded.content, 'poll'))
  }

  fallback(content: Poll): string {
    const list = content.options.map((o, i) => `${i + 1}. ${o}`).join(', ')
    return `Poll: ${content.question} (${list}). Your app does not support polls yet.`
  }

  shouldPush(): boolean {
    return true
  }
}
