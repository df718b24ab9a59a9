/**
 * The stateless key-package validator the node runs before storing an upload, and clients run on
 * fetched key packages: libxmtp's `VerifiedKeyPackageV2::from_bytes` (protocol/mls-groups.md §3.3).
 *
 * Exported on its own as `@xmtp-lite/mls/validation`.
 * @module
 */
import { concatBytes, defaultCrypto, equalBytes } from '@xmtp-lite/common'
import { encode } from 'ts-mls/codec/tlsEncoder.js'
import { varLenDataEncoder } from 'ts-mls/codec/variableLength.js'
import type { Signature } from 'ts-mls/crypto/signature.js'
import { verifyWithLabel } from 'ts-mls/crypto/signature.js'
import { extensionTypeToNumber } from 'ts-mls/extension.js'
import { decodeKeyPackage, encodeKeyPackageTBS, type KeyPackage } from 'ts-mls/keyPackage.js'
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js'
import { decodeMlsCredential } from './credential.ts'
import { MlsError } from './errors.ts'
import type { VerifiedSignatures } from './verified.ts'

/** What a valid key package tells the node and the adder. */
export interface ValidatedKeyPackage {
  /** The inbox id from the credential's `MlsCredential`. */
  readonly inboxId: string
  /** The installation key: the leaf's Ed25519 signature key (32 bytes), also the welcome topic. */
  readonly installationKey: Uint8Array
  /** The X25519 init key; CURVE25519 welcome wraps are sealed to it (§3.4). */
  readonly initKey: Uint8Array
  /** The leaf HPKE encryption key. */
  readonly encryptionKey: Uint8Array
  /** Lifetime bounds, Unix seconds. */
  readonly notBefore: bigint
  readonly notAfter: bigint
  /** True when the key package has the last_resort extension (type 10). */
  readonly lastResort: boolean
  /** True when the key package has the X-Wing welcome-wrapper key 0xff03 (we never wrap to it, §5.2). */
  readonly postQuantumWrapperKey: boolean
  /** RFC 9420 KeyPackageRef: RefHash("MLS 1.0 KeyPackage Reference", KeyPackage). */
  readonly keyPackageRef: Uint8Array
}

/** Options of {@link validateKeyPackage}. */
export interface ValidateKeyPackageOptions {
  /** The time to check the lifetime against, in Unix seconds; defaults to the clock. */
  readonly now?: number | bigint
}

/** Ed25519 verification as a ts-mls signature scheme; through `verified` when one is given. */
function verifierOf(verified: VerifiedSignatures | undefined): Signature {
  return {
    async sign() {
      throw new MlsError('Mls::Internal', 'the validator never signs')
    },
    async verify(publicKey, message, signature) {
      if (verified !== undefined) return verified.verify(signature, message, publicKey)
      try {
        return (
          publicKey.length === 32 &&
          signature.length === 64 &&
          defaultCrypto.ed25519.verify(signature, message, publicKey)
        )
      } catch {
        return false
      }
    },
    async keygen() {
      throw new MlsError('Mls::Internal', 'the validator never makes keys')
    },
  }
}

const ed25519Verifier = verifierOf(undefined)

/** Extension types every implementation supports implicitly (RFC 9420 §7.2; OpenMLS treats them so). */
const defaultExtensionTypes = new Set([1, 2, 3, 4, 5])

function refHash(label: string, value: Uint8Array): Uint8Array {
  const labelBytes = new TextEncoder().encode(label)
  // Synchronous SHA-256: an await on the Web Crypto thread pool costs far more than the hash itself.
  return defaultCrypto.sha256(
    concatBytes(encode(varLenDataEncoder)(labelBytes), encode(varLenDataEncoder)(value)),
  )
}

function decode(bytes: Uint8Array): KeyPackage {
  let decoded: [KeyPackage, number] | undefined
  try {
    decoded = decodeKeyPackage(bytes, 0)
  } catch (cause) {
    throw new MlsError('Mls::KeyPackageMalformed', 'the key package does not parse', { cause })
  }
  if (decoded === undefined) throw new MlsError('Mls::KeyPackageMalformed', 'the key package does not parse')
  if (decoded[1] !== bytes.length) {
    throw new MlsError('Mls::KeyPackageMalformed', 'the key package has trailing bytes', {
      details: `${bytes.length - decoded[1]} extra bytes`,
    })
  }
  return decoded[0]
}

/**
 * Parses and verifies a bare TLS `KeyPackage` as libxmtp does (§3.3): exact length, protocol version
 * mls10, suite 0x0003, leaf source KeyPackage, leaf and key-package signatures, `encryption_key !=
 * init_key`, every non-default key-package extension listed in the leaf capabilities, the lifetime
 * containing `now`, and a Basic credential holding `MlsCredential{inbox_id}`.
 *
 * @throws {MlsError} `Mls::KeyPackageMalformed`, `Mls::UnsupportedProtocolVersion`,
 * `Mls::UnsupportedCiphersuite`, `Mls::InvalidKeyPackage`, `Mls::InvalidSignature`,
 * `Mls::KeyPackageExpired` or `Mls::InvalidCredential`.
 */
export function validateKeyPackage(
  bytes: Uint8Array,
  options: ValidateKeyPackageOptions = {},
): Promise<ValidatedKeyPackage> {
  return validateKeyPackageWith(bytes, options, ed25519Verifier).then(([valid]) => valid)
}

/**
 * {@link validateKeyPackage} recording its signature verdicts in `verified`, so that ts-mls's own checks of
 * the same key package within one commit reuse them (verified.ts); also gives the decoded key package.
 * Package-internal.
 * @internal
 */
export function validateKeyPackageRecording(
  bytes: Uint8Array,
  options: ValidateKeyPackageOptions,
  verified: VerifiedSignatures,
): Promise<readonly [ValidatedKeyPackage, KeyPackage]> {
  return validateKeyPackageWith(bytes, options, verifierOf(verified))
}

async function validateKeyPackageWith(
  bytes: Uint8Array,
  options: ValidateKeyPackageOptions,
  verifier: Signature,
): Promise<readonly [ValidatedKeyPackage, KeyPackage]> {
  if (!(bytes instanceof Uint8Array) || bytes.length < 4) {
    throw new MlsError('Mls::KeyPackageMalformed', 'the key package is too short')
  }
  // KeyPackage starts with ProtocolVersion version (u16) and CipherSuite cipher_suite (u16), RFC 9420 §10.
  const version = ((bytes[0] as number) << 8) | (bytes[1] as number)
  if (version !== 0x0001) {
    throw new MlsError('Mls::UnsupportedProtocolVersion', 'the key package is not protocol version mls10', {
      details: `version 0x${version.toString(16)}`,
    })
  }
  const suite = ((bytes[2] as number) << 8) | (bytes[3] as number)
  if (suite === 0x0005 && bytes[4] === 0x00 && bytes[5] === 0x01) {
    // §14.8: key packages travel bare; this is an MLSMessage header (mls10, wire format mls_key_package).
    throw new MlsError(
      'Mls::KeyPackageMalformed',
      'the key package is MLSMessage-framed, not a bare KeyPackage',
    )
  }
  if (suite !== 0x0003) {
    throw new MlsError('Mls::UnsupportedCiphersuite', 'the key package does not use ciphersuite 0x0003', {
      details: `suite 0x${suite.toString(16).padStart(4, '0')}`,
    })
  }
  const kp = decode(bytes)
  const leaf = kp.leafNode
  if (leaf.leafNodeSource !== 'key_package') {
    throw new MlsError('Mls::InvalidKeyPackage', 'the leaf node source is not key_package')
  }
  if (!(await verifyLeafNodeSignatureKeyPackage(leaf, verifier))) {
    throw new MlsError('Mls::InvalidSignature', 'the leaf node signature does not verify')
  }
  const tbs = encodeKeyPackageTBS({
    version: kp.version,
    cipherSuite: kp.cipherSuite,
    initKey: kp.initKey,
    leafNode: kp.leafNode,
    extensions: kp.extensions,
  })
  if (!(await verifyWithLabel(leaf.signaturePublicKey, 'KeyPackageTBS', tbs, kp.signature, verifier))) {
    throw new MlsError('Mls::InvalidSignature', 'the key package signature does not verify')
  }
  if (equalBytes(kp.initKey, leaf.hpkePublicKey)) {
    throw new MlsError('Mls::InvalidKeyPackage', 'the init key equals the leaf encryption key')
  }
  const extensionTypes = kp.extensions.map((e) => extensionTypeToNumber(e.extensionType))
  for (const type of extensionTypes) {
    if (!defaultExtensionTypes.has(type) && !leaf.capabilities.extensions.includes(type)) {
      throw new MlsError(
        'Mls::InvalidKeyPackage',
        'a key package extension is not in the leaf capabilities',
        {
          details: `extension 0x${type.toString(16)}`,
        },
      )
    }
  }
  const now = BigInt(options.now ?? Math.floor(Date.now() / 1000))
  const { notBefore, notAfter } = leaf.lifetime
  if (notBefore > notAfter) throw new MlsError('Mls::InvalidLifetime', 'the key package lifetime is inverted')
  if (now < notBefore || now > notAfter) {
    throw new MlsError(
      'Mls::KeyPackageExpired',
      'the key package lifetime does not contain the current time',
      {
        details: `now ${now}, lifetime ${notBefore}..${notAfter}`,
      },
    )
  }
  if (leaf.credential.credentialType !== 'basic') {
    throw new MlsError('Mls::InvalidCredential', 'the credential is not a Basic credential')
  }
  const inboxId = decodeMlsCredential(leaf.credential.identity)
  const valid: ValidatedKeyPackage = {
    inboxId,
    installationKey: leaf.signaturePublicKey,
    initKey: kp.initKey,
    encryptionKey: leaf.hpkePublicKey,
    notBefore,
    notAfter,
    lastResort: extensionTypes.includes(0x000a),
    postQuantumWrapperKey: extensionTypes.includes(0xff03),
    keyPackageRef: refHash('MLS 1.0 KeyPackage Reference', bytes),
  }
  return [valid, kp]
}
