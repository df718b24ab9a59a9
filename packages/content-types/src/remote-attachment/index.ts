/**
 * `@xmtp-lite/content-types/remote-attachment`.
 * @module
 */
export type { DecryptOptions, EncryptedContent, EncryptOptions, RemoteKeyMaterial } from './encryption.ts'
export {
  decryptAttachment,
  decryptEncodedContent,
  encryptAttachment,
  encryptEncodedContent,
  NONCE_BYTES,
  SALT_BYTES,
  SECRET_BYTES,
} from './encryption.ts'
export type { LoadRemoteOptions, RemoteFetcher, RemoteFetchRequest } from './fetch.ts'
export {
  DEFAULT_MAX_REMOTE_BYTES,
  fetchRemoteBytes,
  loadRemoteAttachment,
  loadRemoteContent,
} from './fetch.ts'
export type { RemoteAttachment, UrlPolicy } from './remoteAttachment.ts'
export {
  assertSecureUrl,
  ContentTypeRemoteAttachment,
  checkRemoteAttachment,
  RemoteAttachmentCodec,
} from './remoteAttachment.ts'
export type { AttachmentAead, AttachmentCrypto } from './webCrypto.ts'
export { webCryptoAttachmentCrypto } from './webCrypto.ts'
