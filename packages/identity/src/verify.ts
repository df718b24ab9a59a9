/**
 * Signature verification: from a signature as it travels to who signed, with which kind, and the bytes
 * that enter the replay set (protocol/v3-node-api-and-identity.md §4.7; libxmtp `verified_signature.rs`).
 *
 * Every failure is an {@link IdentityError}; a hostile signature never throws anything else.
 * @module
 */
import {
  type CryptoProvider,
  concatBytes,
  defaultCrypto,
  ethereumAddressFromPublicKey,
  toHex,
  utf8ToBytes,
} from '@xmtp-lite/common'
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import { IdentityError } from './errors.ts'
import type {
  IdentityAction,
  IdentityUpdate,
  InstallationKeySignature,
  LegacyDelegatedSignature,
  PasskeySignature,
  SmartContractWalletSignature,
  UnverifiedSignature,
  VerifiedIdentityUpdate,
  VerifiedSignature,
} from './model.ts'
import { signatureText } from './signatureText.ts'
import {
  bigFrom,
  bytes32,
  checkInstallationSignature,
  hashPersonalMessage,
  installationKeyContext,
  invalid,
  recoverEcdsa,
} from './verifyCore.ts'

export { hashPersonalMessage, installationKeyContext }

/** P-256 group order. */
const p256N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

/** Parameters of {@link SmartContractWalletVerifier.verify}. */
export interface ScwVerifyParams {
  readonly chainId: bigint
  /** Lowercase `0x` address of the wallet. */
  readonly address: string
  /** The 32-byte EIP-191 hash of the signature text. */
  readonly hash: Uint8Array
  readonly signature: Uint8Array
  /** The block to verify at; `undefined` means the latest block. */
  readonly blockNumber: bigint | undefined
}

/** What a smart-contract-wallet verifier answers. */
export interface ScwVerifyResult {
  readonly isValid: boolean
  /** The block the answer holds at (the latest block when none was asked for). */
  readonly blockNumber?: bigint
}

/**
 * The port through which smart-contract-wallet signatures (ERC-1271, ERC-6492 counterfactual, and plain
 * EOA signatures given as SCW) are checked on a chain at a block number. node-lite and client implement
 * it with {@link createViemScwVerifier} against an RPC URL.
 */
export interface SmartContractWalletVerifier {
  /**
   * @throws {IdentityError} `Identity::ScwChainUnsupported` for a chain it has no RPC for,
   * `Identity::ScwRpcFailed` when the RPC fails (both retryable).
   */
  verify(params: ScwVerifyParams): Promise<ScwVerifyResult>
}

/**
 * A cache of verification verdicts keyed by the exact bytes verified (signature text hash, signature, key):
 * re-validating a log then costs only the new signatures, and a forged signature seen before is refused
 * without verifying it again.
 */
export interface SignatureCache {
  get(key: string): VerifiedSignature | undefined
  set(key: string, value: VerifiedSignature): void
  /**
   * The error a signature with exactly these bytes was refused with (a cache without failures leaves both
   * methods out). Only `Identity::SignatureInvalid` of a signature whose verdict depends on its bytes alone
   * is kept: never a smart-contract-wallet verdict, which depends on a chain.
   */
  getFailure?(key: string): IdentityError | undefined
  setFailure?(key: string, error: IdentityError): void
}

/** Options of {@link createSignatureCache}. */
export interface SignatureCacheOptions {
  /** Refused signatures kept (default 1,000; 0 keeps none). */
  readonly maxFailures?: number
}

/**
 * A bounded in-memory {@link SignatureCache}: up to `maxEntries` successes and `maxFailures` refusals, each
 * dropping its oldest entry first.
 */
export function createSignatureCache(
  maxEntries = 10_000,
  options: SignatureCacheOptions = {},
): SignatureCache {
  const bounded = <V>(max: number) => {
    const map = new Map<string, V>()
    return {
      get: (key: string) => map.get(key),
      set(key: string, value: V) {
        if (max <= 0) return
        if (map.size >= max && !map.has(key)) {
          const oldest = map.keys().next()
          if (oldest.done !== true) map.delete(oldest.value)
        }
        map.set(key, value)
      },
    }
  }
  const successes = bounded<VerifiedSignature>(maxEntries)
  const failures = bounded<IdentityError>(options.maxFailures ?? 1_000)
  return {
    get: successes.get,
    set: successes.set,
    getFailure: failures.get,
    setFailure: failures.set,
  }
}

/** Options of the verifiers. */
export interface VerifyOptions {
  /** The crypto provider (default `defaultCrypto` of `@xmtp-lite/common`). */
  readonly crypto?: CryptoProvider
  /** Needed only when an update carries a smart-contract-wallet signature. */
  readonly scwVerifier?: SmartContractWalletVerifier
  /** Reuse earlier successful verifications. */
  readonly cache?: SignatureCache
}

/** Minimal DER `SEQUENCE { INTEGER r, INTEGER s }` parser (short-form lengths only, as P-256 needs). */
function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } {
  let i = 0
  const byte = () => {
    const b = der[i++]
    if (b === undefined) throw invalid('truncated DER signature')
    return b
  }
  if (byte() !== 0x30) throw invalid('DER signature is not a SEQUENCE')
  const seqLen = byte()
  if (seqLen > 0x7f || seqLen !== der.length - 2) throw invalid('bad DER sequence length')
  const integer = () => {
    if (byte() !== 0x02) throw invalid('DER signature part is not an INTEGER')
    const len = byte()
    if (len === 0 || len > 33 || i + len > der.length) throw invalid('bad DER integer length')
    const bytes = der.subarray(i, i + len)
    i += len
    // DER: no negative numbers, no superfluous leading zero.
    if (((bytes[0] as number) & 0x80) !== 0) throw invalid('negative DER integer')
    if (len > 1 && bytes[0] === 0 && ((bytes[1] as number) & 0x80) === 0)
      throw invalid('non-minimal DER integer')
    return bigFrom(bytes)
  }
  const r = integer()
  const s = integer()
  if (i !== der.length) throw invalid('trailing bytes after DER signature')
  if (r === 0n || s === 0n || r >= p256N || s >= p256N) throw invalid('DER signature out of range')
  return { r, s }
}

function base64UrlNoPad(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

async function verifyPasskey(
  text: Uint8Array,
  sig: PasskeySignature,
  crypto: CryptoProvider,
): Promise<VerifiedSignature> {
  let clientData: unknown
  try {
    clientData = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(sig.clientDataJson))
  } catch (cause) {
    throw invalid('client data is not JSON', cause)
  }
  const { challenge, origin } = (clientData ?? {}) as { challenge?: unknown; origin?: unknown }
  if (typeof challenge !== 'string' || typeof origin !== 'string')
    throw invalid('client data lacks challenge or origin')
  // WebAuthn: the challenge is the signature text itself, base64url without padding (§4.7).
  if (challenge !== base64UrlNoPad(text)) throw invalid('the passkey challenge is not the signature text')
  const { r, s } = parseDerSignature(sig.signature)
  let ok: boolean
  try {
    const key = await globalThis.crypto.subtle.importKey(
      'raw',
      new Uint8Array(sig.publicKey),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    )
    const data = concatBytes(sig.authenticatorData, crypto.sha256(sig.clientDataJson))
    ok = await globalThis.crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      new Uint8Array(concatBytes(bytes32(r), bytes32(s))),
      new Uint8Array(data),
    )
  } catch (cause) {
    throw invalid('the passkey public key or signature is unusable', cause)
  }
  if (!ok) throw invalid('the passkey signature does not verify')
  const lowS = s > p256N / 2n ? p256N - s : s
  return {
    kind: 'p256',
    signer: { kind: 'passkey', key: sig.publicKey, relyingParty: origin },
    rawBytes: concatBytes(bytes32(r), bytes32(lowS)),
  }
}

/** The text a V2 wallet signed to delegate to its identity key (xmtp-js V2 "Create Identity"). */
export function legacyCreateIdentityText(keyBytes: Uint8Array): string {
  return `XMTP : Create Identity\n${toHex(keyBytes)}\n\nFor more info: https://xmtp.org/signatures/`
}

function verifyLegacy(
  text: Uint8Array,
  sig: LegacyDelegatedSignature,
  crypto: CryptoProvider,
): VerifiedSignature {
  const legacy = recoverEcdsa(text, sig.signature, crypto)
  let unsigned: xmtp.message_contents.UnsignedPublicKey
  try {
    unsigned = decodeMessage(xmtp.message_contents.UnsignedPublicKey, sig.delegatedKeyBytes, {
      maxBytes: 4096,
    })
  } catch (cause) {
    throw invalid('the legacy delegated key does not decode', cause)
  }
  const point = unsigned.secp256k1Uncompressed?.bytes
  if (point === undefined || point === null || point.length !== 65 || point[0] !== 0x04) {
    throw invalid('the legacy delegated key is not an uncompressed secp256k1 key')
  }
  let keyAddress: string
  try {
    keyAddress = ethereumAddressFromPublicKey(point)
  } catch (cause) {
    throw invalid('the legacy delegated key is unusable', cause)
  }
  if (keyAddress !== legacy.address) throw invalid('the legacy key did not make the signature')
  const w = sig.walletSignature
  if (w.bytes.length !== 64 || w.recovery < 0 || w.recovery > 1) throw invalid('bad legacy wallet signature')
  const wallet = recoverEcdsa(
    utf8ToBytes(legacyCreateIdentityText(sig.delegatedKeyBytes)),
    concatBytes(w.bytes, Uint8Array.of(w.recovery)),
    crypto,
  )
  // The wallet's signature is the replay key: a legacy key can be associated once (§4.7).
  return {
    kind: 'legacyDelegated',
    signer: { kind: 'ethereum', address: wallet.address },
    rawBytes: wallet.replayKey,
  }
}

const caipChain = /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/
const caipAddress = /^[-.%a-zA-Z0-9]{1,128}$/
const maxU64 = (1n << 64n) - 1n

/**
 * Parses a CAIP-10 account id as libxmtp does: exactly three `:`-separated parts, an `eip155` chain with a
 * u64 id, and an Ethereum address (lower-cased).
 * @throws {IdentityError} `Identity::InvalidAccountId`
 */
export function parseAccountId(accountId: string): { chainId: bigint; address: string } {
  const parts = accountId.split(':')
  const bad = () =>
    new IdentityError('Identity::InvalidAccountId', 'not a CAIP-10 eip155 account id', { details: accountId })
  if (parts.length !== 3) throw bad()
  const [namespace, reference, address] = parts as [string, string, string]
  if (!caipChain.test(`${namespace}:${reference}`) || !caipAddress.test(address)) throw bad()
  if (namespace !== 'eip155' || !/^[0-9]{1,20}$/.test(reference)) throw bad()
  const chainId = BigInt(reference)
  if (chainId > maxU64) throw bad()
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw bad()
  return { chainId, address: address.toLowerCase() }
}

async function verifyScw(
  text: Uint8Array,
  sig: SmartContractWalletSignature,
  options: VerifyOptions,
  crypto: CryptoProvider,
): Promise<VerifiedSignature> {
  const { chainId, address } = parseAccountId(sig.accountId)
  const verifier = options.scwVerifier
  if (verifier === undefined) {
    throw new IdentityError(
      'Identity::ScwVerifierMissing',
      'a smart-contract-wallet signature needs a verifier',
    )
  }
  let result: Awaited<ReturnType<SmartContractWalletVerifier['verify']>>
  try {
    result = await verifier.verify({
      chainId,
      address,
      hash: hashPersonalMessage(text, crypto),
      signature: sig.signature,
      // The proto's block number is always used: verification is pinned to it (§4.7).
      blockNumber: sig.blockNumber,
    })
  } catch (cause) {
    if (cause instanceof IdentityError) throw cause
    // A verifier of someone else's making failed in its own way: still a typed, retryable error.
    throw new IdentityError('Identity::ScwRpcFailed', 'the smart-contract-wallet verifier failed', { cause })
  }
  if (!result.isValid) throw invalid('the smart-contract wallet does not accept the signature')
  return { kind: 'erc1271', signer: { kind: 'ethereum', address }, rawBytes: sig.signature, chainId }
}

/** The cache key of a signature: its kind and every byte its verdict depends on. */
export function cacheKey(sig: UnverifiedSignature, textHash: string): string {
  switch (sig.kind) {
    case 'erc191':
      return `e:${textHash}:${toHex(sig.signature)}`
    case 'installationKey':
      return `i:${textHash}:${toHex(sig.publicKey)}:${toHex(sig.signature)}`
    case 'smartContractWallet':
      return `s:${textHash}:${sig.accountId}:${sig.blockNumber}:${toHex(sig.signature)}`
    case 'passkey':
      return `p:${textHash}:${toHex(sig.publicKey)}:${toHex(sig.signature)}:${toHex(sig.authenticatorData)}:${toHex(sig.clientDataJson)}`
    case 'legacyDelegated':
      return `l:${textHash}:${toHex(sig.delegatedKeyBytes)}:${toHex(sig.walletSignature.bytes)}:${sig.walletSignature.recovery}:${toHex(sig.signature)}`
  }
}

/** The verified form of an EIP-191 signature that recovered `address` (lowercase `0x`). */
export function verifiedErc191(address: string, replayKey: Uint8Array): VerifiedSignature {
  return { kind: 'erc191', signer: { kind: 'ethereum', address }, rawBytes: replayKey }
}

/** The verified form of an installation key's signature. */
export function verifiedInstallation(sig: InstallationKeySignature): VerifiedSignature {
  return {
    kind: 'installationKey',
    signer: { kind: 'installation', publicKey: sig.publicKey },
    rawBytes: sig.signature,
  }
}

async function verifyUncached(
  sig: UnverifiedSignature,
  text: Uint8Array,
  options: VerifyOptions,
  crypto: CryptoProvider,
): Promise<VerifiedSignature> {
  switch (sig.kind) {
    case 'erc191': {
      const { address, replayKey } = recoverEcdsa(text, sig.signature, crypto)
      return verifiedErc191(address, replayKey)
    }
    case 'installationKey':
      checkInstallationSignature(text, sig.signature, sig.publicKey, crypto)
      return verifiedInstallation(sig)
    case 'smartContractWallet':
      return verifyScw(text, sig, options, crypto)
    case 'passkey':
      return verifyPasskey(text, sig, crypto)
    case 'legacyDelegated':
      return verifyLegacy(text, sig, crypto)
  }
}

/**
 * Verifies one signature over a signature text.
 * @throws {IdentityError} `Identity::SignatureInvalid` and, for smart-contract wallets,
 * `Identity::InvalidAccountId`, `Identity::ScwVerifierMissing`, `Identity::ScwChainUnsupported`, `Identity::ScwRpcFailed`
 */
export async function verifySignature(
  signature: UnverifiedSignature,
  text: string,
  options: VerifyOptions = {},
): Promise<VerifiedSignature> {
  const crypto = options.crypto ?? defaultCrypto
  const textBytes = utf8ToBytes(text)
  return verifyWithText(
    signature,
    textBytes,
    options,
    crypto,
    options.cache === undefined ? '' : toHex(crypto.sha256(textBytes)),
  )
}

/**
 * A refusal that depends on the signature's bytes alone, so that the cache may remember it: not a
 * smart-contract wallet's (its verdict comes from a chain, and RPC failures are retryable).
 */
function rememberedFailure(signature: UnverifiedSignature, error: unknown): error is IdentityError {
  return (
    signature.kind !== 'smartContractWallet' &&
    error instanceof IdentityError &&
    error.code === 'Identity::SignatureInvalid'
  )
}

/** {@link verifySignature} over the text's bytes, with the hex SHA-256 of the text for the cache key. */
export async function verifyWithText(
  signature: UnverifiedSignature,
  text: Uint8Array,
  options: VerifyOptions,
  crypto: CryptoProvider,
  textHash: string,
): Promise<VerifiedSignature> {
  const cache = options.cache
  if (cache === undefined) return verifyUncached(signature, text, options, crypto)
  const key = cacheKey(signature, textHash)
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const refused = cache.getFailure?.(key)
  if (refused !== undefined) throw refused
  let verified: VerifiedSignature
  try {
    verified = await verifyUncached(signature, text, options, crypto)
  } catch (error) {
    if (rememberedFailure(signature, error)) cache.setFailure?.(key, error)
    throw error
  }
  cache.set(key, verified)
  return verified
}

/**
 * The update with each signature replaced by what `verify` makes of it, in the order the actions list
 * them (the order of {@link actionSignatures}); the first failure propagates.
 */
export async function verifyUpdateWith(
  update: IdentityUpdate,
  verify: (signature: UnverifiedSignature) => Promise<VerifiedSignature>,
): Promise<VerifiedIdentityUpdate> {
  const actions: IdentityAction<VerifiedSignature>[] = []
  for (const action of update.actions) {
    switch (action.kind) {
      case 'createInbox':
        actions.push({
          ...action,
          initialIdentifierSignature: await verify(action.initialIdentifierSignature),
        })
        break
      case 'addAssociation':
        actions.push({
          ...action,
          existingMemberSignature: await verify(action.existingMemberSignature),
          newMemberSignature: await verify(action.newMemberSignature),
        })
        break
      case 'revokeAssociation':
        actions.push({
          ...action,
          recoveryIdentifierSignature: await verify(action.recoveryIdentifierSignature),
        })
        break
      case 'changeRecoveryAddress':
        actions.push({
          ...action,
          existingRecoveryIdentifierSignature: await verify(action.existingRecoveryIdentifierSignature),
        })
        break
    }
  }
  return { inboxId: update.inboxId, clientTimestampNs: update.clientTimestampNs, actions }
}

/**
 * Verifies every signature of an update over its signature text (§4.8 "verification pipeline") and
 * returns the update with verified signatures, ready for the reducer.
 * @throws {IdentityError} the first verification failure
 */
export async function verifyIdentityUpdate(
  update: IdentityUpdate,
  options: VerifyOptions = {},
): Promise<VerifiedIdentityUpdate> {
  const crypto = options.crypto ?? defaultCrypto
  const text = utf8ToBytes(signatureText(update))
  const textHash = options.cache === undefined ? '' : toHex(crypto.sha256(text))
  return verifyUpdateWith(update, (sig) => verifyWithText(sig, text, options, crypto, textHash))
}
