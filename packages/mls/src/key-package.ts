/**
 * Key packages built exactly as libxmtp builds them (protocol/mls-groups.md §3.1 and recipe §13.A), minus
 * the post-quantum welcome-wrapper extensions 0xff03 / 0xff04, which we do not implement (§5.3: without
 * them we always receive plain CURVE25519 welcomes to the init key).
 * @module
 */
import { defaultCrypto, utf8ToBytes } from '@xmtp-lite/common'
import { type Capabilities, type CiphersuiteImpl, generateKeyPackageWithKey } from 'ts-mls'
import { encode } from 'ts-mls/codec/tlsEncoder.js'
import { varLenDataEncoder } from 'ts-mls/codec/variableLength.js'
import { encodeKeyPackage } from 'ts-mls/keyPackage.js'
import { encodeMlsCredential } from './credential.ts'
import { MlsError } from './errors.ts'
import { xmtpCiphersuiteName, xmtpSuite } from './suite.ts'

/** Extension type numbers used by key packages (mls-groups.md §3.1, §4.3). */
const lastResortType = 0x000a

/**
 * Leaf capabilities of our key packages: libxmtp 1.10's list without 0xff03 / 0xff04 (which we do not
 * implement) and without AppData 0x0006 / 0x0008 (§4.8: never advertise them unless implemented). The
 * default types 0x0001 and 0x0007 are listed because ts-mls checks plain inclusion (§14.2).
 */
export function xmtpLeafCapabilities(advertiseX509 = false): Capabilities {
  return {
    versions: ['mls10'],
    ciphersuites: [xmtpCiphersuiteName],
    extensions: [lastResortType, 0x0001, 0xff02, 0xff00, 0xff01, 0xf000],
    proposals: [0x0007],
    credentials: advertiseX509 ? ['basic', 'x509'] : ['basic'],
  }
}

/** OpenMLS's default lifetime, mirrored (§3.1): one hour back, 84 days forward. */
export const keyPackageLifetimeSeconds = { before: 3600, after: 60 * 60 * 24 * 28 * 3 } as const

/** What {@link createKeyPackage} needs. */
export interface CreateKeyPackageOptions {
  /** The inbox id the installation is associated with (64 lowercase hex characters). */
  readonly inboxId: string
  /** The installation's Ed25519 private key (32-byte seed): the leaf signature key. */
  readonly installationPrivateKey: Uint8Array
  /** Creation time in Unix seconds; defaults to the clock. */
  readonly now?: number
  /**
   * Whether to carry the `last_resort` key-package extension (type 0x000A), as libxmtp always does (§3.1).
   * Defaults to true. Set it to false only for a peer that cannot parse it: Wire's OpenMLS fork (used by
   * `@wireapp/core-crypto` 10.3.0) gives 0x000A to its PerDomainTrustAnchor extension and rejects the
   * empty last_resort data with `InvalidVectorLength` (tools/openmls-check). The capabilities still list
   * 0x000A either way.
   */
  readonly lastResort?: boolean
  /**
   * Also list credential type x509 (0x0002) in the leaf capabilities; defaults to false (libxmtp lists
   * Basic only). Only for joining groups whose required_capabilities demand it: `@wireapp/core-crypto`
   * creates every group requiring [basic, x509] and refuses other key packages ("Credentials are not
   * acceptable."). This package still accepts Basic `MlsCredential` members only, so an x509 member
   * added later would be refused by us.
   */
  readonly advertiseX509?: boolean
}

/** A key package and the private keys that go with it. Keep them until 24 h after rotation (§3.2). */
export interface CreatedKeyPackage {
  /** The bare TLS `KeyPackage`, as uploaded (§3.1: not wrapped in an MLSMessage). */
  readonly keyPackage: Uint8Array
  /** The X25519 init private key (welcomes are HPKE-wrapped to its public key, §5.2). */
  readonly initPrivateKey: Uint8Array
  /** The leaf HPKE (encryption) private key. */
  readonly encryptionPrivateKey: Uint8Array
  /** The installation public key (= leaf signature key = installation id). */
  readonly installationKey: Uint8Array
  readonly notBefore: number
  readonly notAfter: number
}

/**
 * Builds a key package for `inboxId`, signed by the installation key: a last-resort one unless
 * `options.lastResort` is false.
 * @throws {MlsError} `Mls::InvalidArgument` on a private key that is not 32 bytes or an empty inbox id.
 */
export async function createKeyPackage(options: CreateKeyPackageOptions): Promise<CreatedKeyPackage> {
  return createKeyPackageWith(options, await xmtpSuite())
}

/** {@link createKeyPackage} with an explicit ts-mls suite implementation (benchmarks compare providers). */
export async function createKeyPackageWith(
  options: CreateKeyPackageOptions,
  suite: CiphersuiteImpl,
): Promise<CreatedKeyPackage> {
  const { inboxId, installationPrivateKey } = options
  if (installationPrivateKey.length !== 32) {
    throw new MlsError('Mls::InvalidArgument', 'the installation private key must be a 32-byte Ed25519 seed')
  }
  if (inboxId.length === 0) throw new MlsError('Mls::InvalidArgument', 'the inbox id is empty')
  const installationKey = defaultCrypto.ed25519.getPublicKey(installationPrivateKey)
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const notBefore = now - keyPackageLifetimeSeconds.before
  const notAfter = now + keyPackageLifetimeSeconds.after
  // §3.1: the leaf application_id carries an inner <V> length prefix before the inbox id.
  const applicationId = encode(varLenDataEncoder)(utf8ToBytes(inboxId))
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    { credentialType: 'basic', identity: encodeMlsCredential(inboxId) },
    xmtpLeafCapabilities(options.advertiseX509 === true),
    { notBefore: BigInt(notBefore), notAfter: BigInt(notAfter) },
    options.lastResort === false ? [] : [{ extensionType: lastResortType, extensionData: new Uint8Array() }],
    { signKey: installationPrivateKey, publicKey: installationKey },
    suite,
    [{ extensionType: 'application_id', extensionData: applicationId }],
  )
  return {
    keyPackage: encodeKeyPackage(publicPackage),
    initPrivateKey: privatePackage.initPrivateKey,
    encryptionPrivateKey: privatePackage.hpkePrivateKey,
    installationKey,
    notBefore,
    notAfter,
  }
}
