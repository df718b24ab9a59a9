import { describe, expect, it } from 'vitest'
import { decodeMessage } from './decode.ts'
import { isProtoError, ProtoError } from './errors.ts'
import { xmtp } from './gen/index.js'
import { toLong } from './long.ts'

const { IdentityUpdate, MemberIdentifier } = xmtp.identity.associations

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    return e instanceof ProtoError ? e.code : `untyped: ${String(e)}`
  }
  return undefined
}

const update = IdentityUpdate.encode({
  inboxId: 'a'.repeat(64),
  clientTimestampNs: toLong(1_732_550_400_000_000_000n),
  actions: [{ revoke: { memberToRevoke: { installationPublicKey: new Uint8Array(32).fill(7) } } }],
}).finish()

describe('decodeMessage', () => {
  it('decodes well-formed bytes into plain Uint8Array fields (never Node Buffer)', () => {
    expect(update.constructor).toBe(Uint8Array)
    const decoded = decodeMessage(IdentityUpdate, update)
    expect(decoded.inboxId).toBe('a'.repeat(64))
    expect(decoded.actions[0]?.revoke?.memberToRevoke?.installationPublicKey).toEqual(
      new Uint8Array(32).fill(7),
    )
    expect(decoded.actions[0]?.revoke?.memberToRevoke?.installationPublicKey?.constructor).toBe(Uint8Array)
  })

  it('turns every truncation into Proto::Malformed', () => {
    // Each strict prefix cuts a length-delimited field or a varint short, except at field boundaries.
    let malformed = 0
    for (let n = 1; n < update.length; n++) {
      const code = codeOf(() => decodeMessage(IdentityUpdate, update.subarray(0, n)))
      expect(code === undefined || code === 'Proto::Malformed').toBe(true)
      if (code === 'Proto::Malformed') malformed++
    }
    expect(malformed).toBeGreaterThan(update.length / 2)
  })

  it('rejects a length that runs past the end, a bad varint and reserved wire types', () => {
    expect(codeOf(() => decodeMessage(IdentityUpdate, Uint8Array.of(0x1a, 0x05, 0x61)))).toBe(
      'Proto::Malformed',
    )
    const longVarint = new Uint8Array(12).fill(0xff)
    longVarint[0] = 0x10
    expect(codeOf(() => decodeMessage(IdentityUpdate, longVarint))).toBe('Proto::Malformed')
    // wire types 6 and 7 do not exist; 4 (end group) without a start group is invalid
    expect(codeOf(() => decodeMessage(IdentityUpdate, Uint8Array.of(0x0e)))).toBe('Proto::Malformed')
    expect(codeOf(() => decodeMessage(IdentityUpdate, Uint8Array.of(0x0f)))).toBe('Proto::Malformed')
    expect(codeOf(() => decodeMessage(IdentityUpdate, Uint8Array.of(0x0c)))).toBe('Proto::Malformed')
  })

  it('skips a known field sent with another wire type, as protobuf requires', () => {
    // inbox_id (3) as a varint instead of a string: an unknown field, not an error, not a string.
    const decoded = decodeMessage(IdentityUpdate, Uint8Array.of(0x18, 0x05))
    expect(decoded.inboxId).toBe('')
    // ethereum_address (1) as fixed32: skipped, so no member of the oneof is set.
    const member = decodeMessage(MemberIdentifier, Uint8Array.of(0x0d, 1, 2, 3, 4))
    expect(member.kind).toBeUndefined()
  })

  it('stops hostile nesting with Proto::TooDeep, never a stack overflow', () => {
    // IdentityUpdate.actions[0].revoke.member_to_revoke... is finite, so nest unknown groups instead:
    // 200 start-group tags of field 15 that skipType must descend into.
    const deep = new Uint8Array(400)
    for (let i = 0; i < 200; i++) deep[i] = 0x7b // field 15, wire type 3 (start group)
    for (let i = 200; i < 400; i++) deep[i] = 0x7c // field 15, wire type 4 (end group)
    expect(codeOf(() => decodeMessage(IdentityUpdate, deep))).toBe('Proto::TooDeep')
  })

  it('exposes a type guard for its errors', () => {
    let caught: unknown
    try {
      decodeMessage(IdentityUpdate, Uint8Array.of(0x0f))
    } catch (e) {
      caught = e
    }
    expect(isProtoError(caught)).toBe(true)
    expect(isProtoError(caught, 'Proto::Malformed')).toBe(true)
    expect(isProtoError(caught, 'Proto::TooLarge')).toBe(false)
    expect(isProtoError(new Error('x'))).toBe(false)
  })

  it('enforces maxBytes and rejects non-bytes input', () => {
    expect(codeOf(() => decodeMessage(IdentityUpdate, update, { maxBytes: update.length }))).toBeUndefined()
    expect(codeOf(() => decodeMessage(IdentityUpdate, update, { maxBytes: update.length - 1 }))).toBe(
      'Proto::TooLarge',
    )
    expect(codeOf(() => decodeMessage(IdentityUpdate, 'abc' as unknown as Uint8Array))).toBe(
      'Proto::InvalidInput',
    )
  })
})
