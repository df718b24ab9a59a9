import { describe, expect, it } from 'vitest'
import { codeOf } from '../test/codes.ts'
import { createVectorClock } from './cursor.ts'
import { checkDependsOn, isNodeOriginator, isValidRetentionDays } from './rules.ts'

describe('publish rules', () => {
  it('accepts retention of 2..365 days or forever', () => {
    for (const ok of [2, 60, 365, 0xffffffff]) expect(isValidRetentionDays(ok), String(ok)).toBe(true)
    for (const bad of [0, 1, 366, 0x7fffffff, 2.5, -1])
      expect(isValidRetentionDays(bad), String(bad)).toBe(false)
  })

  it('tells nodes from chain and migration originators', () => {
    expect(isNodeOriginator(0)).toBe(false)
    expect(isNodeOriginator(13)).toBe(false)
    expect(isNodeOriginator(100)).toBe(true)
  })

  it('checks depends_on as xmtpd validateClientInfo does', () => {
    const latest = createVectorClock({ 0: 10, 100: 4 })
    expect(checkDependsOn(undefined, latest)).toBeUndefined()
    expect(checkDependsOn(createVectorClock({ 0: 10 }), latest)).toBeUndefined()
    expect(codeOf(() => checkDependsOn(createVectorClock({ 0: 11 }), latest))).toBe(
      'Envelope::DependsOnInvalid',
    )
    expect(codeOf(() => checkDependsOn(createVectorClock({ 1: 1 }), latest))).toBe(
      'Envelope::DependsOnInvalid',
    )
    expect(codeOf(() => checkDependsOn(createVectorClock({ 100: 1 }), latest))).toBe(
      'Envelope::DependsOnInvalid',
    )
  })
})
