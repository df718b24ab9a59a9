import { describe, expect, it } from 'vitest'
import { BaseError, CommonError, defineErrorCodes, isBaseError } from './errors.ts'

describe('BaseError', () => {
  it('takes category and retryable from the table', () => {
    const error = new CommonError('Common::InvalidHex', 'bad')
    expect(error.code).toBe('Common::InvalidHex')
    expect(error.category).toBe('Codec')
    expect(error.retryable).toBe(false)
    expect(error).toBeInstanceOf(BaseError)
    expect(error.name).toBe('CommonError')
    expect(isBaseError(error, 'Common::InvalidHex')).toBe(true)
    expect(isBaseError(error, 'Common::InvalidBase64')).toBe(false)
  })
  it('walks the cause chain', () => {
    const root = new Error('root')
    const error = new CommonError('Common::CryptoFailure', 'outer', { cause: root })
    expect(error.walk()).toBe(root)
    expect(error.walk((e) => e === error)).toBe(error)
    expect(error.walk((e) => e === 'nothing')).toBeUndefined()
  })
  it('refuses malformed codes at definition', () => {
    expect(() =>
      defineErrorCodes('Area', { 'area::x': { category: 'Usage', retryable: false, description: '' } }),
    ).toThrow(TypeError)
    expect(() =>
      defineErrorCodes('Area', { 'Other::X': { category: 'Usage', retryable: false, description: '' } }),
    ).toThrow(TypeError)
  })
})
