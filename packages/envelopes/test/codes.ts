/**
 * Test helper: the `Envelope::*` code a call throws, or undefined when it returns. Any other throw is
 * re-thrown, so a test that expects a code fails on an untyped error.
 * @module
 */
import { EnvelopeError } from '../src/errors.ts'

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    if (error instanceof EnvelopeError) return error.code
    throw error
  }
  return undefined
}
