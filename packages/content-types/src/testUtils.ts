/**
 * Test helpers (imported by tests only; not exported from the package).
 * @module
 */
import { expect } from 'vitest'
import { ContentTypeError, type ContentTypeErrorCode } from './errors.ts'

/** Asserts that `fn` throws a ContentTypeError with `code`. */
export function expectCode(fn: () => unknown, code: ContentTypeErrorCode): ContentTypeError {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(ContentTypeError)
  expect((caught as ContentTypeError).code).toBe(code)
  return caught as ContentTypeError
}

/** Asserts that `promise` rejects with a ContentTypeError with `code`. */
export async function expectCodeAsync(
  promise: Promise<unknown>,
  code: ContentTypeErrorCode,
): Promise<ContentTypeError> {
  let caught: unknown
  try {
    await promise
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(ContentTypeError)
  expect((caught as ContentTypeError).code).toBe(code)
  return caught as ContentTypeError
}
