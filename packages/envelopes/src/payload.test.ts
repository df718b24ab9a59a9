import { fromHex, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { groupMessageInput, libxmtpBytes } from '../test/fixtures.ts'
import { EnvelopeError } from './errors.ts'
import { decodeClientPayload } from './payload.ts'

describe('decodeClientPayload', () => {
  it('decodes a libxmtp group message input', () => {
    const data = libxmtpBytes('group-join/gm-1-commit.bin')
    const decoded = decodeClientPayload({ kind: 'groupMessage', bytes: groupMessageInput(data, false) })
    if (decoded.kind !== 'groupMessage') throw new Error('wrong kind')
    expect(toHex(decoded.message.v1?.data ?? new Uint8Array(0))).toBe(toHex(data))
    expect(decoded.message.v1?.shouldPush).toBe(false)
  })

  it('decodes the captured identity update and reads its inbox id', () => {
    const update = libxmtpBytes('publish-identity-update-request.bin').subarray(3)
    const decoded = decodeClientPayload({ kind: 'identityUpdate', bytes: update })
    if (decoded.kind !== 'identityUpdate') throw new Error('wrong kind')
    expect(decoded.message.inboxId).toBe('45915bad9a857a62ceed43a7573d3eef87966c96961128c520dc1c5d6fa5d38b')
    expect(decoded.message.actions.length).toBe(2)
  })

  it('turns undecodable bytes into Envelope::Malformed', () => {
    try {
      decodeClientPayload({ kind: 'welcomeMessage', bytes: fromHex('0a05') })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(EnvelopeError)
      expect((error as EnvelopeError).code).toBe('Envelope::Malformed')
    }
  })
})
