/**
 * `pnpm bench welcome`: wrapping one 250-member group's welcome for its 249 new installations (issue 7:
 * a 250-member group created end to end in <= 2 s; this is the wrap part of its welcome phase).
 *
 * Baseline: the previous wrap, same run: `@hpke/core` (DHKEM and HKDF through WebCrypto, async per step)
 * with the provider's ChaCha20-Poly1305 as its AEAD, one ArrayBuffer copy of the welcome per recipient.
 * Candidate: `wrapWelcome` (hpke.ts, every step a synchronous call on the common crypto provider).
 * @module
 */
import type { AeadEncryptionContext, AeadInterface } from '@hpke/core'
import { AeadId, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { type BenchCase, compare } from '@xmtp-lite/bench'
import { concatBytes, defaultCrypto } from '@xmtp-lite/common'
import { encode } from 'ts-mls/codec/tlsEncoder.js'
import { varLenDataEncoder } from 'ts-mls/codec/variableLength.js'
import { decodeKeyPackage } from 'ts-mls/keyPackage.js'
import { MlsGroup } from './group.ts'
import { createKeyPackage } from './key-package.ts'
import { groupExtensions } from './test-fixtures/xmtp-extensions.ts'
import { encodeWelcomeMetadata, welcomeHpkeInfo, wrapWelcome } from './welcome.ts'

const members = 250

function identity(n: number) {
  const key = new Uint8Array(32)
  new DataView(key.buffer).setUint32(0, n + 1)
  return { inboxId: (n + 1).toString(16).padStart(64, '0'), installationPrivateKey: key }
}

const invitees = await Promise.all(
  Array.from({ length: members - 1 }, (_, i) => createKeyPackage(identity(i + 1))),
)
const initKeys = invitees.map((kp) => {
  const d = decodeKeyPackage(kp.keyPackage, 0)
  if (d === undefined) throw new Error('key package')
  return d[0].initKey
})
const group = await MlsGroup.create({
  identity: identity(0),
  extensions: groupExtensions(identity(0).inboxId),
  groupId: new Uint8Array(16).fill(8),
})
const pending = await group.commit({ add: invitees.map((k) => k.keyPackage) })
if (pending.welcome === undefined) throw new Error('welcome')
const welcome = pending.welcome
const cursor = 123_456n

// --- the previous wrap (`@hpke/core`), kept here as the same-run baseline ---
const ab = (b: Uint8Array): ArrayBuffer => b.slice().buffer
const view = (b: ArrayBufferLike | ArrayBufferView) =>
  ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b)
const providerChacha: AeadInterface = {
  id: AeadId.Chacha20Poly1305,
  keySize: 32,
  nonceSize: 12,
  tagSize: 16,
  createEncryptionContext(key): AeadEncryptionContext {
    const k = view(key).slice()
    return {
      async seal(iv, data, aad) {
        return ab(defaultCrypto.chacha20poly1305.encrypt(k, view(iv), view(data), view(aad)))
      },
      async open(iv, data, aad) {
        return ab(defaultCrypto.chacha20poly1305.decrypt(k, view(iv), view(data), view(aad)))
      },
    }
  },
}
const previous = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: providerChacha,
})
async function previousWrap(initKey: Uint8Array) {
  const recipientPublicKey = await previous.kem.deserializePublicKey(ab(initKey))
  const sender = await previous.createSenderContext({ recipientPublicKey, info: ab(welcomeHpkeInfo) })
  const sealed = new Uint8Array(await sender.seal(ab(welcome)))
  const metadata = new Uint8Array(await sender.seal(ab(encodeWelcomeMetadata(cursor))))
  const data = concatBytes(
    encode(varLenDataEncoder)(new Uint8Array(sender.enc)),
    encode(varLenDataEncoder)(sealed),
  )
  return { data, metadata }
}

const cases: BenchCase[] = [
  {
    name: 'wrapWelcome (sync HPKE on the provider)',
    fn: async () => {
      await Promise.all(initKeys.map((k) => wrapWelcome(welcome, k, cursor)))
    },
  },
]
await compare({
  title: `wrap one ${Math.round(welcome.length / 1024)} KiB welcome for ${members - 1} installations`,
  baseline: {
    name: 'previous wrap (@hpke/core, WebCrypto HKDF)',
    fn: async () => {
      await Promise.all(initKeys.map((k) => previousWrap(k)))
    },
  },
  candidates: cases,
  options: { minTimeMs: 3000, minSamples: 5 },
})
