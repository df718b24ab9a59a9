/**
 * The vector nobody here wrote: the identity update the official SDK (libxmtp 1.9.1) published when it
 * registered an inbox, captured from a recording gRPC endpoint (shared/vectors/libxmtp-1.9.1/README.md).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { toHex } from '@xmtp-lite/common'
import { xmtp } from '@xmtp-lite/proto'
import { describe, expect, it } from 'vitest'
import { IdentityError } from './errors.ts'
import { decodeIdentityUpdate, encodeIdentityUpdate, identityUpdateFromProto } from './proto.ts'
import { signatureText } from './signatureText.ts'
import { applyUpdateWithDiff, hasInstallation } from './state.ts'
import { verifyIdentityUpdate } from './verify.ts'

const captureDir = new URL('../../../../shared/vectors/libxmtp-1.9.1/', import.meta.url)
const requestBytes = new Uint8Array(readFileSync(new URL('publish-identity-update-request.bin', captureDir)))
const capturedText = readFileSync(new URL('signature-text.txt', captureDir), 'utf8')
const request = xmtp.identity.api.v1.PublishIdentityUpdateRequest.decode(requestBytes)
const updateBytes = xmtp.identity.associations.IdentityUpdate.encode(request.identityUpdate).finish()

// @xmtp/proto's ESM build does not load in Node; its CommonJS files are loaded by path (shared/interop.md).
const require = createRequire(import.meta.url)
const officialProtoDir = require.resolve('@xmtp/proto').replace(/ts[\\/]dist[\\/].*$/, '')
const official = require(`${officialProtoDir}ts/dist/cjs/identity/associations/association.pb.js`) as {
  IdentityUpdate: {
    decode(bytes: Uint8Array): { inboxId: string; actions: unknown[]; clientTimestampNs: unknown }
  }
}

describe('the identity update captured from libxmtp 1.9.1', () => {
  it('decodes, verifies and applies: wallet and installation members of inbox 45915b…', async () => {
    const update = identityUpdateFromProto(request.identityUpdate)
    expect(signatureText(update)).toBe(capturedText)
    const verified = await verifyIdentityUpdate(update)
    const { state, diff } = applyUpdateWithDiff(undefined, verified)
    expect(state.inboxId).toBe('45915bad9a857a62ceed43a7573d3eef87966c96961128c520dc1c5d6fa5d38b')
    expect(state.recoveryIdentifier).toEqual({
      kind: 'ethereum',
      address: '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a',
    })
    const installation = Buffer.from('mBKi0XkV9crDFY1tOACnh580iRXQIcLZY+zhpolPsGI=', 'base64')
    expect(hasInstallation(state, new Uint8Array(installation))).toBe(true)
    expect(diff.newMembers).toHaveLength(2)
    // the wallet's one signature fills two slots; the replay set holds it once, plus the installation's
    expect(state.seenSignatures.size).toBe(2)
  })

  it('re-encodes to the same bytes libxmtp sent', () => {
    expect(toHex(encodeIdentityUpdate(decodeIdentityUpdate(updateBytes)))).toBe(toHex(updateBytes))
  })

  it('our encoding decodes with the official @xmtp/proto', () => {
    const ours = encodeIdentityUpdate(decodeIdentityUpdate(updateBytes))
    const theirs = official.IdentityUpdate.decode(ours)
    expect(theirs.inboxId).toBe('45915bad9a857a62ceed43a7573d3eef87966c96961128c520dc1c5d6fa5d38b')
    expect(theirs.actions).toHaveLength(2)
    expect(String(theirs.clientTimestampNs)).toBe('1795522736771963557')
  })

  it('fails when the timestamp (and so the text) is changed: wrong signer, bad installation signature', async () => {
    const update = decodeIdentityUpdate(updateBytes)
    const tampered = { ...update, clientTimestampNs: update.clientTimestampNs + 1_000_000_000n }
    const error = await verifyIdentityUpdate(tampered)
      .then((v) => applyUpdateWithDiff(undefined, v))
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(error).toBeInstanceOf(IdentityError)
    // the wallet signature recovers some other address, the Ed25519ph signature fails outright
    expect((error as IdentityError).code).toBe('Identity::SignatureInvalid')
  })
})
