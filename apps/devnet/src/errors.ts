/**
 * The error codes of the devnet (the library and the CLI).
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

/** The codes of `@xmtp-lite/devnet`. */
export const devnetErrorCodes = defineErrorCodes('Devnet', {
  'Devnet::InvalidArgument': {
    category: 'Usage',
    retryable: false,
    description: 'A devnet option or command-line argument is missing or out of range.',
  },
  'Devnet::NotRestartable': {
    category: 'Usage',
    retryable: false,
    description:
      'An in-memory node cannot be restarted (its data and originator sequence would be lost); use a data dir.',
  },
  'Devnet::NodeNotRunning': {
    category: 'Usage',
    retryable: false,
    description: 'The node is stopped (or already running) for this operation.',
  },
})

/** A code of the devnet. */
export type DevnetErrorCode = keyof typeof devnetErrorCodes

/** An error raised by `@xmtp-lite/devnet`. */
export class DevnetError extends BaseError<DevnetErrorCode> {
  override name = 'DevnetError'
  constructor(code: DevnetErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(devnetErrorCodes, code, shortMessage, options)
  }
}
