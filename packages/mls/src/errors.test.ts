import { isBaseError } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { MlsError, mlsErrorCodes } from './errors.ts'

describe('MlsError', () => {
  it('carries the code, category and retryable flag of its table row', () => {
    const error = new MlsError('Mls::StorageFailed', 'disk full')
    expect(error.code).toBe('Mls::StorageFailed')
    expect(error.category).toBe(mlsErrorCodes['Mls::StorageFailed'].category)
    expect(error.retryable).toBe(true)
    expect(isBaseError(error, 'Mls::StorageFailed')).toBe(true)
  })

  it('names every code in the Mls area', () => {
    for (const code of Object.keys(mlsErrorCodes)) expect(code.startsWith('Mls::')).toBe(true)
  })
})
