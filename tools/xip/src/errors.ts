/**
 * Error codes of the protocol-contributor tools (`pnpm xip`, `pnpm vectors`, `pnpm conformance`).
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

export const xipErrorCodes = defineErrorCodes('Xip', {
  'Xip::InvalidSlug': {
    category: 'Usage',
    retryable: false,
    description: 'An XIP slug must be lowercase words joined by hyphens (a-z, 0-9), 2 to 40 characters.',
  },
  'Xip::AlreadyExists': {
    category: 'Usage',
    retryable: false,
    description:
      'The XIP draft, its vectors folder or its reader test already exists; nothing was overwritten.',
  },
  'Xip::UnknownPackage': {
    category: 'Usage',
    retryable: false,
    description: 'The package named to implement the XIP is not a workspace package.',
  },
  'Xip::VectorFileInvalid': {
    category: 'Validation',
    retryable: false,
    description: 'A vector file does not match the vector schema or names an error code no package defines.',
  },
  'Xip::GeneratorFailed': {
    category: 'Dependency',
    retryable: false,
    description: 'A vector generator exited with an error or did not write the *.new.json files it owns.',
  },
})

export type XipErrorCode = keyof typeof xipErrorCodes

/** An error of the protocol-contributor tools. */
export class XipError extends BaseError<XipErrorCode> {
  override name = 'XipError'
  constructor(code: XipErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(xipErrorCodes, code, shortMessage, options)
  }
}
