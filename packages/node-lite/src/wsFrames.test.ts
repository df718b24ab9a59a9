import { isBaseError } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, type Frame } from './wsFrames.ts'

describe('WebSocket frames', () => {
  it('round-trip every body kind with metadata', () => {
    const bodies: Frame['body'][] = [
      { kind: 'request', payload: Uint8Array.of(1, 2) },
      { kind: 'response', payload: Uint8Array.of(3) },
      { kind: 'streamItem', payload: Uint8Array.of(4) },
      { kind: 'streamEnd' },
      { kind: 'cancel' },
      { kind: 'error', code: 'Node::SlowReader', status: 8, message: 'too slow' },
    ]
    for (const body of bodies) {
      const frame: Frame = { requestId: 7, method: '/x.Y/Z', body, metadata: { a: 'b' } }
      expect(decodeFrame(encodeFrame(frame))).toEqual(frame)
    }
  })

  it('turns bytes that do not parse into Node::MalformedRequest', () => {
    for (const bytes of [
      Uint8Array.of(0x0a, 0x05, 0x01),
      Uint8Array.of(0xff, 0xff, 0xff),
      Uint8Array.of(0x07),
    ]) {
      let code: string | undefined
      try {
        decodeFrame(bytes)
      } catch (error) {
        code = isBaseError(error) ? error.code : 'untyped'
      }
      expect(code).toBe('Node::MalformedRequest')
    }
  })
})
