/**
 * HPKE (RFC 9180) base mode for DHKEM(X25519, HKDF-SHA256) 0x0020, HKDF-SHA256 0x0001, ChaCha20-Poly1305
 * 0x0003, on a synchronous crypto provider (`@xmtp-lite/common` `defaultCrypto`: node:crypto where present,
 * noble otherwise). It serves both the HPKE of MLS ciphersuite 0x0003 (RFC 9420 §17.1, provider.ts) and
 * XMTP's welcome wrapper (protocol/mls-groups.md §5.2, welcome.ts), which is the same suite.
 *
 * Every step is a direct call: no WebCrypto key import, no thread-pool round trip per HKDF.
 * @module
 */
import { type CryptoProvider, concatBytes, type X25519KeyPair } from '@xmtp-lite/common'
import { CryptoError } from 'ts-mls/mlsError.js'

const text = (s: string) => new TextEncoder().encode(s)
const i2osp2 = (n: number) => new Uint8Array([(n >> 8) & 0xff, n & 0xff])
const hpkeV1 = text('HPKE-v1')
/** suite_id of the KEM: "KEM" ‖ I2OSP(0x0020, 2) (RFC 9180 §4.1). */
export const kemSuiteId: Uint8Array = concatBytes(text('KEM'), i2osp2(0x0020))
/** suite_id of the HPKE context: "HPKE" ‖ kem 0x0020 ‖ kdf 0x0001 ‖ aead 0x0003 (RFC 9180 §5.1). */
export const hpkeSuiteId: Uint8Array = concatBytes(
  text('HPKE'),
  i2osp2(0x0020),
  i2osp2(0x0001),
  i2osp2(0x0003),
)
const empty = new Uint8Array()
/** mode_base (RFC 9180 §5, Table 1). */
const modeBase = new Uint8Array([0x00])
/** Nn of ChaCha20-Poly1305 (RFC 9180 §7.3). */
const nonceLength = 12

/** The bytes of each label, encoded once: a label is encoded on every LabeledExtract/LabeledExpand. */
const labelBytes = new Map<string, Uint8Array>()
function label(name: string): Uint8Array {
  let bytes = labelBytes.get(name)
  if (bytes === undefined) {
    bytes = text(name)
    labelBytes.set(name, bytes)
  }
  return bytes
}

/** Node's memcmp-backed `Buffer.compare`, where there is one. */
const bufferCompare = (globalThis as { Buffer?: { compare?: (a: Uint8Array, b: Uint8Array) => number } })
  .Buffer?.compare

/** Equality of public bytes (not constant time: only for values that are not secret). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  if (bufferCompare !== undefined) return bufferCompare(a, b) === 0
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The output of KeySchedule (RFC 9180 §5.1). */
export interface HpkeKeySchedule {
  readonly key: Uint8Array
  readonly baseNonce: Uint8Array
  /** Empty unless the exporter secret was asked for. */
  readonly exporterSecret: Uint8Array
}

/**
 * A base-mode encryption context (RFC 9180 §5.2): `seal` and `open` use sequence numbers 0, 1, 2, … in
 * call order, nonce = base_nonce XOR I2OSP(seq, Nn).
 */
export interface HpkeContext {
  seal(plaintext: Uint8Array, aad?: Uint8Array): Uint8Array
  /** @throws {Error} the provider's AEAD error when the tag does not verify (the sequence does not advance). */
  open(ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array
}

/** The base-mode HPKE of the suite on `crypto`. */
export interface HpkeBase {
  labeledExtract(suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array
  labeledExpand(
    suiteId: Uint8Array,
    prk: Uint8Array,
    label: string,
    info: Uint8Array,
    length: number,
  ): Uint8Array
  /** Encap(pkR) (RFC 9180 §4.1). @throws {CryptoError} on a low-order or malformed key. */
  encap(publicKey: Uint8Array): { enc: Uint8Array; shared: Uint8Array }
  /** Decap(enc, skR) (RFC 9180 §4.1). @throws {CryptoError} on a malformed enc or key. */
  decap(privateKey: Uint8Array, enc: Uint8Array): Uint8Array
  keySchedule(sharedSecret: Uint8Array, info: Uint8Array, exporter?: boolean): HpkeKeySchedule
  /** SetupBaseS (RFC 9180 §5.1.1). @throws {CryptoError} on a bad recipient key. */
  setupSender(publicKey: Uint8Array, info: Uint8Array): { enc: Uint8Array; context: HpkeContext }
  /** SetupBaseR (RFC 9180 §5.1.1). @throws {CryptoError} on a bad enc or key. */
  setupRecipient(privateKey: Uint8Array, enc: Uint8Array, info: Uint8Array): HpkeContext
}

/** Builds {@link HpkeBase} on `crypto`. Each instance keeps its own cache of the last `info_hash`. */
export function makeHpkeBase(crypto: CryptoProvider): HpkeBase {
  const labeledExtract = (suiteId: Uint8Array, salt: Uint8Array, name: string, ikm: Uint8Array) =>
    crypto.hkdfExtractSha256(salt, concatBytes(hpkeV1, suiteId, label(name), ikm))
  const labeledExpand = (
    suiteId: Uint8Array,
    prk: Uint8Array,
    name: string,
    info: Uint8Array,
    length: number,
  ) => crypto.hkdfExpandSha256(prk, concatBytes(i2osp2(length), hpkeV1, suiteId, label(name), info), length)

  /** DH(skX, pkY) of a prepared private key; CryptoError on a low-order peer key. */
  const dh = (own: X25519KeyPair, publicKey: Uint8Array): Uint8Array => {
    let shared: Uint8Array
    try {
      shared = own.sharedSecret(publicKey)
    } catch (e) {
      throw new CryptoError(`X25519 failed: ${String(e)}`)
    }
    // RFC 9180 §7.1.4: abort on the all-zero output.
    if (shared.every((b) => b === 0)) throw new CryptoError('X25519 output is all zero')
    return shared
  }

  /** DHKEM ExtractAndExpand (RFC 9180 §4.1). */
  const extractAndExpand = (dhOutput: Uint8Array, kemContext: Uint8Array) => {
    const eaePrk = labeledExtract(kemSuiteId, empty, 'eae_prk', dhOutput)
    return labeledExpand(kemSuiteId, eaePrk, 'shared_secret', kemContext, 32)
  }

  // psk_id_hash of mode_base: the psk_id is always empty, so it is a constant of the suite.
  const pskIdHash = labeledExtract(hpkeSuiteId, empty, 'psk_id_hash', empty)
  // info_hash of the last info seen. MLS seals one info to many recipients in a row: every path secret of a
  // commit under EncryptContext("UpdatePathNode", GroupContext), every joiner of a Welcome under
  // EncryptContext("Welcome", encrypted_group_info), which for 250 members is ~100 KiB hashed per seal; the
  // welcome wrapper seals the constant "MLS_WELCOME" info to every new installation.
  // The info is public, so a plain comparison is enough; a hit requires the exact same bytes.
  let lastInfo: Uint8Array | undefined
  let lastInfoHash: Uint8Array = empty
  const infoHashOf = (info: Uint8Array) => {
    if (lastInfo !== undefined && sameBytes(lastInfo, info)) return lastInfoHash
    lastInfoHash = labeledExtract(hpkeSuiteId, empty, 'info_hash', info)
    lastInfo = info.slice()
    return lastInfoHash
  }

  /** KeySchedule for mode_base (RFC 9180 §5.1); the exporter secret only when asked for. */
  const keySchedule = (sharedSecret: Uint8Array, info: Uint8Array, exporter = false): HpkeKeySchedule => {
    const context = concatBytes(modeBase, pskIdHash, infoHashOf(info))
    const secret = labeledExtract(hpkeSuiteId, sharedSecret, 'secret', empty)
    return {
      key: labeledExpand(hpkeSuiteId, secret, 'key', context, 32),
      baseNonce: labeledExpand(hpkeSuiteId, secret, 'base_nonce', context, nonceLength),
      exporterSecret: exporter ? labeledExpand(hpkeSuiteId, secret, 'exp', context, 32) : empty,
    }
  }

  // Encap and Decap (RFC 9180 §4.1) on prepared keys: each private key is imported once, not per use.
  const encap = (publicKey: Uint8Array) => {
    if (publicKey.length !== 32) throw new CryptoError('an X25519 public key is 32 bytes')
    const ephemeral = crypto.x25519.generateKeyPair()
    const enc = ephemeral.publicKey
    const shared = extractAndExpand(dh(ephemeral, publicKey), concatBytes(enc, publicKey))
    return { enc, shared }
  }
  const decap = (privateKey: Uint8Array, enc: Uint8Array) => {
    if (enc.length !== 32) throw new CryptoError('HPKE enc is not an X25519 public key')
    let own: X25519KeyPair
    try {
      own = crypto.x25519.keyPair(privateKey)
    } catch (e) {
      throw new CryptoError(`X25519 failed: ${String(e)}`)
    }
    return extractAndExpand(dh(own, enc), concatBytes(enc, own.publicKey))
  }

  /** ContextS / ContextR of RFC 9180 §5.2: ComputeNonce(seq) and IncrementSeq. */
  const context = ({ key, baseNonce }: HpkeKeySchedule): HpkeContext => {
    let seq = 0
    const nonce = () => {
      const n = baseNonce.slice()
      // seq < 2^32 here (the welcome wrap uses 0 and 1); XOR into the low 4 bytes, big-endian.
      for (let i = 0, s = seq; i < 4; i++, s >>>= 8)
        n[nonceLength - 1 - i] = (n[nonceLength - 1 - i] as number) ^ (s & 0xff)
      return n
    }
    return {
      seal(plaintext, aad = empty) {
        const out = crypto.chacha20poly1305.encrypt(key, nonce(), plaintext, aad)
        seq++
        return out
      },
      open(ciphertext, aad = empty) {
        const out = crypto.chacha20poly1305.decrypt(key, nonce(), ciphertext, aad)
        seq++
        return out
      },
    }
  }

  return {
    labeledExtract,
    labeledExpand,
    encap,
    decap,
    keySchedule,
    setupSender(publicKey, info) {
      const { enc, shared } = encap(publicKey)
      return { enc, context: context(keySchedule(shared, info)) }
    },
    setupRecipient(privateKey, enc, info) {
      return context(keySchedule(decap(privateKey, enc), info))
    },
  }
}
