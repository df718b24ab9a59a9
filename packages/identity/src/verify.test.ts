import { type CryptoProvider, concatBytes, defaultCrypto, toHex, utf8ToBytes } from '@xmtp-lite/common'
import { xmtp } from '@xmtp-lite/proto'
import { describe, expect, it } from 'vitest'
import { IdentityError } from './errors.ts'
import { inboxIdFor } from './inboxId.ts'
import type {
  IdentityAction,
  IdentityUpdate,
  LegacyDelegatedSignature,
  PasskeyIdentifier,
  UnverifiedSignature,
  VerifiedSignature,
} from './model.ts'
import { decodeIdentityUpdate, encodeIdentityUpdate } from './proto.ts'
import { addAssociationRequest, createInboxRequest, SignatureRequest } from './request.ts'
import { createPasskeySigner, createWalletSigner } from './signers.ts'
import { applyUpdate } from './state.ts'
import { at, installation, registration, wallet } from './testing.fixtures.ts'
import {
  createSignatureCache,
  hashPersonalMessage,
  legacyCreateIdentityText,
  parseAccountId,
  verifyIdentityUpdate,
  verifySignature,
} from './verify.ts'

const secpN = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    if (e instanceof IdentityError) return e.code
    throw e
  }
  return undefined
}

describe('ERC-191 wallet signatures', () => {
  const w = wallet(9)
  const text = 'XMTP : Authenticate to inbox\n\ntest'

  it('every accepted encoding (v 0/1/27/28, either s) recovers the same signer and one replay key', async () => {
    const sig = ((await w.sign(text)) as { signature: Uint8Array }).signature
    const s = BigInt(`0x${toHex(sig.subarray(32, 64))}`)
    const negS = Uint8Array.from(Buffer.from((secpN - s).toString(16).padStart(64, '0'), 'hex'))
    const v = sig[64] as number
    const forms = [
      sig,
      concatBytes(sig.subarray(0, 64), Uint8Array.of(v - 27)),
      concatBytes(sig.subarray(0, 32), negS, Uint8Array.of(v === 27 ? 28 : 27)),
      concatBytes(sig.subarray(0, 32), negS, Uint8Array.of(v === 27 ? 1 : 0)),
    ]
    const results = await Promise.all(
      forms.map((f) => verifySignature({ kind: 'erc191', signature: f }, text)),
    )
    for (const r of results) {
      expect(r.signer).toEqual(w.identifier)
      expect(toHex(r.rawBytes)).toBe(toHex(results[0]?.rawBytes as Uint8Array))
    }
  })

  it('normalizes s at the n / 2 boundary: s = ⌊n/2⌋ and ⌊n/2⌋ - 1 stay, s = ⌊n/2⌋ + 1 becomes ⌊n/2⌋ with the parity flipped', async () => {
    const sig = ((await w.sign(text)) as { signature: Uint8Array }).signature
    const be32 = (x: bigint) => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'))
    const half = secpN / 2n
    const r = sig.subarray(0, 32)
    for (const parity of [0, 1]) {
      const low = await verifySignature(
        { kind: 'erc191', signature: concatBytes(r, be32(half), Uint8Array.of(27 + parity)) },
        text,
      )
      const high = await verifySignature(
        { kind: 'erc191', signature: concatBytes(r, be32(half + 1n), Uint8Array.of(1 - parity)) },
        text,
      )
      expect(toHex(low.rawBytes)).toBe(toHex(concatBytes(r, be32(half), Uint8Array.of(parity))))
      expect(toHex(high.rawBytes)).toBe(toHex(low.rawBytes))
      expect(high.signer).toEqual(low.signer)
      const below = await verifySignature(
        { kind: 'erc191', signature: concatBytes(r, be32(half - 1n), Uint8Array.of(27 + parity)) },
        text,
      )
      expect(toHex(below.rawBytes)).toBe(toHex(concatBytes(r, be32(half - 1n), Uint8Array.of(parity))))
    }
  })

  it('refuses r or s of zero or at least the group order instead of reducing them', async () => {
    const sig = ((await w.sign(text)) as { signature: Uint8Array }).signature
    const be32 = (x: bigint) => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'))
    const r = sig.subarray(0, 32)
    const s = sig.subarray(32, 64)
    const maxU256 = (1n << 256n) - 1n
    const forged = [
      ...[secpN, secpN + 1n, secpN + 0x1234n, maxU256].map((bad) => concatBytes(r, be32(bad))),
      ...[0n, secpN, secpN + 1n, maxU256].map((bad) => concatBytes(be32(bad), s)),
      concatBytes(r, be32(0n)),
    ]
    for (const rs of forged) {
      for (const v of [0, 1, 27, 28]) {
        const signature = concatBytes(rs, Uint8Array.of(v))
        expect(await codeOf(verifySignature({ kind: 'erc191', signature }, text))).toBe(
          'Identity::SignatureInvalid',
        )
      }
    }
  })

  it('rejects bad recovery bytes and lengths, and matches viem-style digests', async () => {
    const sig = ((await w.sign(text)) as { signature: Uint8Array }).signature
    for (const v of [2, 26, 29, 35, 255]) {
      expect(
        await codeOf(
          verifySignature(
            { kind: 'erc191', signature: concatBytes(sig.subarray(0, 64), Uint8Array.of(v)) },
            text,
          ),
        ),
      ).toBe('Identity::SignatureInvalid')
    }
    expect(await codeOf(verifySignature({ kind: 'erc191', signature: sig.subarray(0, 64) }, text))).toBe(
      'Identity::SignatureInvalid',
    )
    expect(await codeOf(verifySignature({ kind: 'erc191', signature: new Uint8Array(65) }, text))).toBe(
      'Identity::SignatureInvalid',
    )
    // EIP-191 digest of "hello" (well-known value)
    expect(toHex(hashPersonalMessage('hello'))).toBe(
      '50b2c43fd39106bafbba0da34fc430e1f91e3c96ea2acee2bc34119f92b37750',
    )
  })
})

describe('installation-key signatures', () => {
  it('rejects a signature by another key, a wrong length and garbage', async () => {
    const a = installation(1)
    const b = installation(2)
    const text = 'some text'
    const sig = (await a.sign(text)) as { signature: Uint8Array; publicKey: Uint8Array }
    await expect(verifySignature(sig as UnverifiedSignature, text)).resolves.toMatchObject({
      kind: 'installationKey',
    })
    const swapped: UnverifiedSignature = {
      kind: 'installationKey',
      signature: sig.signature,
      publicKey: b.publicKey,
    }
    expect(await codeOf(verifySignature(swapped, text))).toBe('Identity::SignatureInvalid')
    const short: UnverifiedSignature = {
      kind: 'installationKey',
      signature: sig.signature.subarray(1),
      publicKey: a.publicKey,
    }
    expect(await codeOf(verifySignature(short, text))).toBe('Identity::SignatureInvalid')
    const junk: UnverifiedSignature = {
      kind: 'installationKey',
      signature: new Uint8Array(64).fill(0xff),
      publicKey: new Uint8Array(32).fill(0xff),
    }
    expect(await codeOf(verifySignature(junk, text))).toBe('Identity::SignatureInvalid')
  })

  it('caches successful verifications', async () => {
    const update = await registration(wallet(1), installation(1))
    const cache = createSignatureCache(10)
    const first = await verifyIdentityUpdate(update, { cache })
    const second = await verifyIdentityUpdate(update, { cache })
    expect(second.actions[1]).toStrictEqual(first.actions[1])
  })
})

describe('the signature cache remembers refusals (bounded, exact bytes)', () => {
  /** The default provider, counting the verifications and recoveries it runs. */
  function countingCrypto() {
    const counts = { verifyPh: 0, recover: 0 }
    const crypto: CryptoProvider = {
      ...defaultCrypto,
      ed25519: {
        ...defaultCrypto.ed25519,
        verifyPh: (...args) => {
          counts.verifyPh++
          return defaultCrypto.ed25519.verifyPh(...args)
        },
      },
      secp256k1: {
        ...defaultCrypto.secp256k1,
        recoverPublicKey: (...args) => {
          counts.recover++
          return defaultCrypto.secp256k1.recoverPublicKey(...args)
        },
      },
    }
    return { crypto, counts }
  }
  const text = 'XMTP : Authenticate to inbox\n\nforgeries'

  async function errorOf(p: Promise<unknown>): Promise<IdentityError> {
    try {
      await p
    } catch (e) {
      if (e instanceof IdentityError) return e
      throw e
    }
    throw new Error('expected a refusal')
  }

  async function forgedInstallation(n: number): Promise<UnverifiedSignature> {
    const sig = (await installation(n).sign(text)) as Extract<
      UnverifiedSignature,
      { kind: 'installationKey' }
    >
    const signature = new Uint8Array(sig.signature)
    signature[3] = (signature[3] as number) ^ 0x40
    return { ...sig, signature }
  }

  it('a forged installation signature seen before is refused without verifying it again, with the same error', async () => {
    const { crypto, counts } = countingCrypto()
    const cache = createSignatureCache()
    const forged = await forgedInstallation(1)
    const first = await errorOf(verifySignature(forged, text, { crypto, cache }))
    expect(first.code).toBe('Identity::SignatureInvalid')
    expect(counts.verifyPh).toBe(1)
    const again = await errorOf(verifySignature(forged, text, { crypto, cache }))
    expect(again).toBe(first)
    expect(counts.verifyPh).toBe(1)
    // Other bytes are other entries: the same forgery over another text, the honest signature.
    await errorOf(verifySignature(forged, `${text}!`, { crypto, cache }))
    expect(counts.verifyPh).toBe(2)
    const honest = await installation(1).sign(text)
    expect((await verifySignature(honest, text, { crypto, cache })).kind).toBe('installationKey')
    expect(counts.verifyPh).toBe(3)
  })

  it('a wallet signature that recovers no key is remembered; a replayed forged update costs no crypto', async () => {
    const { crypto, counts } = countingCrypto()
    const cache = createSignatureCache()
    const update = await registration(wallet(1), installation(1))
    // The wallet signature with r = 0: no key recovers (refused by the provider, after the call).
    const action = update.actions[0] as Extract<IdentityAction, { kind: 'createInbox' }>
    const sig = action.initialIdentifierSignature as Extract<UnverifiedSignature, { kind: 'erc191' }>
    const forged: IdentityUpdate = {
      ...update,
      actions: [
        {
          ...action,
          initialIdentifierSignature: {
            ...sig,
            signature: concatBytes(new Uint8Array(32), sig.signature.subarray(32)),
          },
        },
        ...update.actions.slice(1),
      ],
    }
    const first = await errorOf(verifyIdentityUpdate(forged, { crypto, cache }))
    expect(first.code).toBe('Identity::SignatureInvalid')
    const spent = { ...counts }
    expect(spent.recover).toBe(1)
    for (let i = 0; i < 3; i++)
      expect(await errorOf(verifyIdentityUpdate(forged, { crypto, cache }))).toBe(first)
    expect(counts).toEqual(spent)
  })

  it('is bounded (oldest refusal first) and can be turned off', async () => {
    const { crypto, counts } = countingCrypto()
    const cache = createSignatureCache(10, { maxFailures: 2 })
    const [a, b, c] = [await forgedInstallation(1), await forgedInstallation(2), await forgedInstallation(3)]
    for (const f of [a, b, c]) await errorOf(verifySignature(f, text, { crypto, cache }))
    expect(counts.verifyPh).toBe(3)
    await errorOf(verifySignature(c, text, { crypto, cache }))
    await errorOf(verifySignature(b, text, { crypto, cache }))
    expect(counts.verifyPh).toBe(3)
    await errorOf(verifySignature(a, text, { crypto, cache })) // evicted: verified again
    expect(counts.verifyPh).toBe(4)

    const off = createSignatureCache(10, { maxFailures: 0 })
    await errorOf(verifySignature(a, text, { crypto, cache: off }))
    await errorOf(verifySignature(a, text, { crypto, cache: off }))
    expect(counts.verifyPh).toBe(6)
  })

  it("a cache without failure methods (a caller's own) still works and remembers successes only", async () => {
    const { crypto, counts } = countingCrypto()
    const map = new Map<string, VerifiedSignature>()
    const cache = {
      get: (k: string) => map.get(k),
      set: (k: string, v: VerifiedSignature) => void map.set(k, v),
    }
    const forged = await forgedInstallation(4)
    await errorOf(verifySignature(forged, text, { crypto, cache }))
    await errorOf(verifySignature(forged, text, { crypto, cache }))
    expect(counts.verifyPh).toBe(2)
    expect(map.size).toBe(0)
  })
})

describe('passkeys (WebAuthn P-256)', () => {
  async function passkey() {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
    return createPasskeySigner({
      privateKey: pair.privateKey,
      publicKey,
      origin: 'https://app.example',
      rpId: 'app.example',
    })
  }

  it('a passkey creates an inbox and adds an installation; the relying party is the origin', async () => {
    const pk = await passkey()
    const inst = installation(4)
    const request = createInboxRequest({
      identifier: pk.identifier as PasskeyIdentifier,
      nonce: 0n,
      installationPublicKey: inst.publicKey,
      clientTimestampNs: at(1),
    })
    await request.sign(pk)
    await request.sign(inst)
    const update = request.build()
    // and it survives the wire
    const state = applyUpdate(
      undefined,
      await verifyIdentityUpdate(decodeIdentityUpdate(encodeIdentityUpdate(update))),
    )
    expect(state.inboxId).toBe(inboxIdFor(pk.identifier as PasskeyIdentifier, 0n))
    expect(state.recoveryIdentifier.kind).toBe('passkey')
    expect(state.members.size).toBe(2)
  })

  it('rejects a challenge that is not the text, a tampered signature and bad JSON', async () => {
    const pk = await passkey()
    const sig = (await pk.sign('the text')) as Extract<UnverifiedSignature, { kind: 'passkey' }>
    await expect(verifySignature(sig, 'the text')).resolves.toMatchObject({ kind: 'p256' })
    expect(await codeOf(verifySignature(sig, 'another text'))).toBe('Identity::SignatureInvalid')
    const tampered = { ...sig, authenticatorData: concatBytes(sig.authenticatorData, Uint8Array.of(1)) }
    expect(await codeOf(verifySignature(tampered, 'the text'))).toBe('Identity::SignatureInvalid')
    expect(await codeOf(verifySignature({ ...sig, clientDataJson: utf8ToBytes('{') }, 'the text'))).toBe(
      'Identity::SignatureInvalid',
    )
    expect(await codeOf(verifySignature({ ...sig, signature: Uint8Array.of(0x30, 0x00) }, 'the text'))).toBe(
      'Identity::SignatureInvalid',
    )
  })
})

describe('legacy (V2) delegated signatures', () => {
  const walletKey = new Uint8Array(32).fill(0x31)
  const legacyKey = new Uint8Array(32).fill(0x32)
  const w = createWalletSigner(walletKey)
  const keyBytes = xmtp.message_contents.UnsignedPublicKey.encode({
    secp256k1Uncompressed: { bytes: defaultCrypto.secp256k1.getPublicKey(legacyKey) },
  }).finish()

  function legacySign(text: string): LegacyDelegatedSignature {
    const walletSig = defaultCrypto.secp256k1.signRecoverable(
      hashPersonalMessage(legacyCreateIdentityText(keyBytes)),
      walletKey,
    )
    return {
      kind: 'legacyDelegated',
      delegatedKeyBytes: keyBytes,
      walletSignature: { bytes: walletSig.subarray(0, 64), recovery: (walletSig[64] as number) - 27 },
      signature: defaultCrypto.secp256k1.signRecoverable(hashPersonalMessage(text), legacyKey),
    }
  }

  function createWith(nonce: bigint) {
    return new SignatureRequest({
      inboxId: inboxIdFor(w.identifier as never, nonce),
      clientTimestampNs: at(2),
      actions: [{ kind: 'createInbox', identifier: w.identifier as never, nonce }],
    })
  }

  it('creates the nonce-0 inbox of the wallet, with the wallet as signer', async () => {
    const request = createWith(0n)
    await request.addSignature(legacySign(request.text))
    const state = applyUpdate(
      undefined,
      await verifyIdentityUpdate(decodeIdentityUpdate(encodeIdentityUpdate(request.build()))),
    )
    expect(state.recoveryIdentifier).toEqual(w.identifier)
  })

  it('refuses a legacy key for any other nonce, and reusing it on another inbox', async () => {
    const request = createWith(1n)
    await request.addSignature(legacySign(request.text))
    const verified = await verifyIdentityUpdate(request.build())
    expect(() => applyUpdate(undefined, verified)).toThrow(
      expect.objectContaining({ code: 'Identity::LegacySignatureReuse' }),
    )

    // the wallet's nonce-1 inbox exists; a legacy signature from it cannot add there
    const reg = await registration(w as never, installation(5), 1n)
    const state = applyUpdate(undefined, await verifyIdentityUpdate(reg))
    const inst = installation(6)
    const add = addAssociationRequest({
      inboxId: state.inboxId,
      newMember: inst.identifier,
      existingMember: w.identifier,
      clientTimestampNs: at(3),
    })
    await add.sign(inst)
    await add.addSignature(legacySign(add.text))
    const v = await verifyIdentityUpdate(add.build())
    expect(() => applyUpdate(state, v)).toThrow(
      expect.objectContaining({ code: 'Identity::LegacySignatureReuse' }),
    )
  })

  it('rejects a legacy signature made by another key than the delegated one', async () => {
    const request = createWith(0n)
    const sig = legacySign(request.text)
    const forged = {
      ...sig,
      signature: defaultCrypto.secp256k1.signRecoverable(hashPersonalMessage(request.text), walletKey),
    }
    expect(await codeOf(request.addSignature(forged))).toBe('Identity::SignatureInvalid')
  })
})

describe('CAIP-10 account ids', () => {
  it('parses eip155 ids and rejects the rest', () => {
    expect(parseAccountId('eip155:8453:0xABCDEF0123456789abcdef0123456789ABCDEF01')).toEqual({
      chainId: 8453n,
      address: '0xabcdef0123456789abcdef0123456789abcdef01',
    })
    for (const bad of [
      'eip155:8453',
      'eip155:8453:0x12:extra',
      'solana:8453:0xabcdef0123456789abcdef0123456789abcdef01',
      'eip155:-1:0xabcdef0123456789abcdef0123456789abcdef01',
      'eip155:99999999999999999999:0xabcdef0123456789abcdef0123456789abcdef01',
      'eip155:1:0x1234',
    ]) {
      expect(() => parseAccountId(bad)).toThrow(
        expect.objectContaining({ code: 'Identity::InvalidAccountId' }),
      )
    }
  })
})
