import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { IdentityUpdate } from './model.ts'
import { formatTimestampNs, signatureText } from './signatureText.ts'

const captureDir = new URL('../../../../shared/vectors/libxmtp-1.9.1/', import.meta.url)
const b64 = (s: string) => Uint8Array.from(Buffer.from(s, 'base64'))
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))

describe('signature text', () => {
  it('rebuilds the exact text libxmtp 1.9.1 asked the wallet to sign', () => {
    const capture = JSON.parse(
      readFileSync(new URL('publish-identity-update-request.json', captureDir), 'utf8'),
    )
    const u = capture.identityUpdate
    const update: IdentityUpdate = {
      inboxId: u.inboxId,
      clientTimestampNs: BigInt(u.clientTimestampNs),
      actions: [
        {
          kind: 'createInbox',
          initialIdentifier: { kind: 'ethereum', address: u.actions[0].createInbox.initialIdentifier },
          nonce: BigInt(u.actions[0].createInbox.nonce),
          initialIdentifierSignature: { kind: 'erc191', signature: new Uint8Array(65) },
        },
        {
          kind: 'addAssociation',
          newMemberIdentifier: {
            kind: 'installation',
            publicKey: b64(u.actions[1].add.newMemberIdentifier.installationPublicKey),
          },
          existingMemberSignature: { kind: 'erc191', signature: new Uint8Array(65) },
          newMemberSignature: { kind: 'erc191', signature: new Uint8Array(65) },
        },
      ],
    }
    const expected = readFileSync(new URL('signature-text.txt', captureDir), 'utf8')
    expect(signatureText(update)).toBe(expected)
  })

  it('renders every action kind as the libxmtp unit test does (§4.6)', () => {
    const sig = { kind: 'erc191', signature: new Uint8Array(65) } as const
    const text = signatureText({
      inboxId: 'fcd18d86276d7a99fe522dba9660c420f03c8648785ada7c5daae232a3df77a9',
      clientTimestampNs: 12n,
      actions: [
        {
          kind: 'createInbox',
          initialIdentifier: { kind: 'ethereum', address: '0x1234567890abcdef1234567890abcdef12345678' },
          nonce: 0n,
          initialIdentifierSignature: sig,
        },
        {
          kind: 'addAssociation',
          newMemberIdentifier: { kind: 'ethereum', address: '0x4567890abcdef1234567890abcdef12345678123' },
          existingMemberSignature: sig,
          newMemberSignature: sig,
        },
        {
          kind: 'addAssociation',
          newMemberIdentifier: { kind: 'installation', publicKey: hex('010203') },
          existingMemberSignature: sig,
          newMemberSignature: sig,
        },
        {
          kind: 'addAssociation',
          newMemberIdentifier: { kind: 'passkey', key: hex('04aabb') },
          existingMemberSignature: sig,
          newMemberSignature: sig,
        },
        {
          kind: 'revokeAssociation',
          memberToRevoke: { kind: 'ethereum', address: '0x4567890abcdef1234567890abcdef12345678123' },
          recoveryIdentifierSignature: sig,
        },
        {
          kind: 'revokeAssociation',
          memberToRevoke: { kind: 'installation', publicKey: hex('010203') },
          recoveryIdentifierSignature: sig,
        },
        {
          kind: 'revokeAssociation',
          memberToRevoke: { kind: 'passkey', key: hex('04aabb') },
          recoveryIdentifierSignature: sig,
        },
        {
          kind: 'changeRecoveryAddress',
          newRecoveryIdentifier: { kind: 'ethereum', address: '0x7890abcdef1234567890abcdef12345678123456' },
          existingRecoveryIdentifierSignature: sig,
        },
      ],
    })
    expect(text).toBe(
      [
        'XMTP : Authenticate to inbox',
        '',
        'Inbox ID: fcd18d86276d7a99fe522dba9660c420f03c8648785ada7c5daae232a3df77a9',
        'Current time: 1970-01-01T00:00:00Z',
        '',
        '- Create inbox',
        '  (Owner: 0x1234567890abcdef1234567890abcdef12345678)',
        '- Link address to inbox',
        '  (Address: 0x4567890abcdef1234567890abcdef12345678123)',
        '- Grant messaging access to app',
        '  (ID: 010203)',
        '- Link passkey to inbox',
        '  (Passkey: 04aabb)',
        '- Unlink address from inbox',
        '  (Address: 0x4567890abcdef1234567890abcdef12345678123)',
        '- Revoke messaging access from app',
        '  (ID: 010203)',
        '- Unlink passkey from inbox',
        '  (Passkey: 04aabb)',
        '- Change inbox recovery address',
        '  (Address: 0x7890abcdef1234567890abcdef12345678123456)',
        '',
        'For more info: https://xmtp.org/signatures',
      ].join('\n'),
    )
  })

  it('formats timestamps as RFC 3339 seconds, truncating the fraction', () => {
    expect(formatTimestampNs(0n)).toBe('1970-01-01T00:00:00Z')
    expect(formatTimestampNs(1_741_107_731_999_999_999n)).toBe('2025-03-04T17:02:11Z')
    expect(formatTimestampNs((1n << 64n) - 1n)).toBe('2554-07-21T23:34:33Z')
  })

  it('formats month, year and leap-day edges as Date does (1970 to 2554, every 29 Feb to 1 Mar of 2000-2100)', () => {
    const viaDate = (ns: bigint) => {
      const ms = ns / 1_000_000n
      return `${new Date(Number(ms - (ms % 1000n))).toISOString().slice(0, 19)}Z`
    }
    const edges: bigint[] = [0n, 999_999_999n, 1_000_000_000n, 86_399_999_999_999n, 86_400_000_000_000n]
    for (let year = 1970; year <= 2554; year++) {
      for (const [month, day] of [
        [0, 1],
        [1, 28],
        [1, 29],
        [2, 1],
        [11, 31],
      ] as const) {
        const ms = BigInt(Date.UTC(year, month, day))
        edges.push(ms * 1_000_000n, ms * 1_000_000n - 1n, ms * 1_000_000n + 86_399_999_999_999n)
      }
    }
    edges.push((1n << 64n) - 1n)
    for (const ns of edges) if (ns >= 0n) expect(formatTimestampNs(ns), `${ns}`).toBe(viaDate(ns))
    // Not a u64: as Date formats it.
    expect(formatTimestampNs(-1n)).toBe(viaDate(-1n))
    expect(formatTimestampNs(1n << 64n)).toBe(viaDate(1n << 64n))
  })

  it('formats every u64 as the seconds of its milliseconds would (fast-check)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (ns) => {
        const ms = ns / 1_000_000n
        const seconds = ms - (ms % 1000n)
        expect(formatTimestampNs(ns)).toBe(`${new Date(Number(seconds)).toISOString().slice(0, 19)}Z`)
      }),
      { numRuns: 2000 },
    )
  })
})
