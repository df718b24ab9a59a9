/**
 * Typed errors with stable codes.
 *
 * Every error the project throws on purpose is a {@link BaseError} whose `code` is a stable
 * `"Area::Variant"` string taken from a code table defined with {@link defineErrorCodes}. Tests and
 * callers match on `code`, never on message text; `retryable` tells a caller whether the same call may
 * succeed later (a busy node, a dropped connection) or never will (a forged signature).
 *
 * Each package owns the table of its own area; `docs/errors.md` is rendered from all of them.
 * @module
 */

/** What kind of failure a code names (the ts-mls / openmls taxonomy, plus limits). */
export type ErrorCategory =
  /** The caller used the API wrongly. */
  | 'Usage'
  /** Data from a peer or the wire is well-formed but breaks a protocol rule. */
  | 'Validation'
  /** Bytes do not parse. */
  | 'Codec'
  /** A signature, MAC or AEAD check failed, or a key is unusable. */
  | 'Crypto'
  /** Storage or network below us failed. */
  | 'Dependency'
  /** A size, count or rate limit was hit. */
  | 'Limit'
  /** A bug of ours. */
  | 'Internal'

/** One row of a code table. */
export interface ErrorCodeInfo {
  readonly category: ErrorCategory
  readonly retryable: boolean
  /** One line: what happened, for the generated glossary. */
  readonly description: string
}

/** A table of error codes, keyed by `"Area::Variant"`. */
export type ErrorCodeTable = Readonly<Record<string, ErrorCodeInfo>>

const codePattern = /^[A-Z][A-Za-z0-9]*::[A-Z][A-Za-z0-9]*$/

/**
 * Declares the error codes of one area. Checks the shape of every code once, at module load.
 * @example
 * const codes = defineErrorCodes('Topic', {
 *   'Topic::Malformed': { category: 'Codec', retryable: false, description: 'The topic does not parse.' },
 * })
 */
export function defineErrorCodes<const Table extends ErrorCodeTable>(area: string, table: Table): Table {
  for (const code of Object.keys(table)) {
    if (!codePattern.test(code) || !code.startsWith(`${area}::`)) {
      throw new TypeError(`error code "${code}" must look like "${area}::Variant"`)
    }
  }
  return Object.freeze(table)
}

/** Options every {@link BaseError} accepts. */
export interface BaseErrorOptions {
  /** The error this one wraps. */
  cause?: unknown
  /** A longer explanation or the offending value, rendered on its own line. */
  details?: string
  /** Overrides the table's `retryable` for this instance (for example a timeout that is known fatal). */
  retryable?: boolean
}

/**
 * The root of every typed error in xmtp-lite.
 *
 * @example
 * try { decodeTopic(bytes) } catch (e) {
 *   if (e instanceof BaseError && e.code === 'Topic::UnknownKind') ...
 * }
 */
export class BaseError<Code extends string = string> extends Error {
  override name = 'BaseError'
  /** Stable, machine-readable code: `"Area::Variant"`. */
  readonly code: Code
  /** Whether the same operation may succeed if tried again later. */
  readonly retryable: boolean
  readonly category: ErrorCategory
  /** The message without the code prefix and details. */
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(table: ErrorCodeTable, code: Code, shortMessage: string, options: BaseErrorOptions = {}) {
    const info = table[code]
    const details = options.details
    super(`[${code}] ${shortMessage}${details === undefined ? '' : `\n\nDetails: ${details}`}`, {
      cause: options.cause,
    })
    this.code = code
    this.shortMessage = shortMessage
    this.details = details
    this.category = info?.category ?? 'Internal'
    this.retryable = options.retryable ?? info?.retryable ?? false
  }

  /** Walks the `cause` chain and returns the deepest error, or the first one `predicate` accepts. */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this
    const seen = new Set<unknown>()
    while (current instanceof Error && !seen.has(current)) {
      seen.add(current)
      if (predicate?.(current) === true) return current
      if (current.cause === undefined) return predicate === undefined ? current : undefined
      current = current.cause
    }
    if (predicate === undefined) return current
    return predicate(current) ? current : undefined
  }
}

/** True when `error` is a {@link BaseError}, with the given code if one is given. */
export function isBaseError(error: unknown, code?: string): error is BaseError {
  return error instanceof BaseError && (code === undefined || error.code === code)
}

/** The codes of the `common` package itself. */
export const commonErrorCodes = defineErrorCodes('Common', {
  'Common::InvalidHex': {
    category: 'Codec',
    retryable: false,
    description: 'A string given as hex has an odd length or a non-hex character.',
  },
  'Common::InvalidLength': {
    category: 'Usage',
    retryable: false,
    description: 'A byte array or value has the wrong length for its use.',
  },
  'Common::InvalidBase64': {
    category: 'Codec',
    retryable: false,
    description: 'A string given as base64 does not decode.',
  },
  'Common::InvalidUtf8': {
    category: 'Codec',
    retryable: false,
    description: 'Bytes given as UTF-8 text are not well-formed UTF-8.',
  },
  'Common::CryptoFailure': {
    category: 'Crypto',
    retryable: false,
    description: 'A cryptographic operation failed: a bad key, a failed AEAD tag, a bad signature encoding.',
  },
  'Common::AeadTagMismatch': {
    category: 'Crypto',
    retryable: false,
    description:
      'AEAD decryption failed: the tag does not match (wrong key, nonce or aad, or a tampered or truncated ciphertext).',
  },
  'Common::Unsupported': {
    category: 'Usage',
    retryable: false,
    description: 'The runtime lacks a primitive this call needs and no fallback exists.',
  },
})

/** A code of the `common` package. */
export type CommonErrorCode = keyof typeof commonErrorCodes

/** An error raised by `@xmtp-lite/common`. */
export class CommonError extends BaseError<CommonErrorCode> {
  override name = 'CommonError'
  constructor(code: CommonErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(commonErrorCodes, code, shortMessage, options)
  }
}
