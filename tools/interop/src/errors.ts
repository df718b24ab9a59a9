/**
 * Error codes of the official-SDK driver.
 * @module
 */
import { BaseError, type BaseErrorOptions, defineErrorCodes } from '@xmtp-lite/common'

export const interopErrorCodes = defineErrorCodes('Interop', {
  'Interop::Node22Missing': {
    category: 'Dependency',
    retryable: false,
    description: 'No Node 22 binary was found for the official SDK (install tools/interop dependencies).',
  },
  'Interop::DriverExited': {
    category: 'Dependency',
    retryable: false,
    description: 'The official-SDK driver process exited or could not start.',
  },
  'Interop::SdkCallFailed': {
    category: 'Dependency',
    retryable: false,
    description: 'A call made through the official SDK threw; the SDK message is in the details.',
  },
  'Interop::Timeout': {
    category: 'Dependency',
    retryable: true,
    description: 'The official-SDK driver did not answer in time.',
  },
})

export type InteropErrorCode = keyof typeof interopErrorCodes

/** An error of the official-SDK driver. */
export class InteropError extends BaseError<InteropErrorCode> {
  override name = 'InteropError'
  constructor(code: InteropErrorCode, shortMessage: string, options?: BaseErrorOptions) {
    super(interopErrorCodes, code, shortMessage, options)
  }
}
