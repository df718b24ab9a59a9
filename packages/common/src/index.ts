/**
 * `@xmtp-lite/common`: the bottom layer every other package stands on.
 * @module
 */
export type { Brand, GroupId, InboxId, InstallationKey } from './brand.ts'
export {
  assertLength,
  bytesToUtf8,
  compareBytes,
  compareUnsigned,
  concatBytes,
  equalBytes,
  fromBase64,
  fromHex,
  isHex,
  toBase64,
  toHex,
  utf8ToBytes,
} from './bytes.ts'
export { nobleCrypto } from './crypto/noble.ts'
export { nodeCrypto } from './crypto/node.ts'
export { type KnownKeyVerifier, secp256k1KnownKeyVerifier } from './crypto/secp256k1KnownKey.ts'
export { isSmallOrderEd25519Point } from './crypto/smallOrder.ts'
export type { Aead, CryptoProvider, Ed25519, Secp256k1, X25519, X25519KeyPair } from './crypto/types.ts'
export {
  defaultCrypto,
  ethereumAddressFromPublicKey,
  keccak256,
  randomBytes,
  sha256,
  sha512,
} from './crypto.ts'
export type {
  BaseErrorOptions,
  CommonErrorCode,
  ErrorCategory,
  ErrorCodeInfo,
  ErrorCodeTable,
} from './errors.ts'
export { BaseError, CommonError, commonErrorCodes, defineErrorCodes, isBaseError } from './errors.ts'
