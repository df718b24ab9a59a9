/**
 * Fixed keys, real payloads and the oracles the envelope tests share.
 *
 * - Keys are fixed 32-byte secp256k1 private keys (never random), so signatures are deterministic
 *   (RFC 6979) and vectors regenerate byte for byte.
 * - Payloads are bytes the official SDK (libxmtp 1.9.1) produced, from `shared/vectors/libxmtp-1.9.1`,
 *   wrapped in their `xmtp.mls.api.v1` messages by `@xmtp/proto` (ts-proto code nobody here wrote).
 * @module
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fromHex } from '@xmtp-lite/common'

const here = dirname(fileURLToPath(import.meta.url))
/** The repository root. */
export const repoRoot = join(here, '..', '..', '..')
/** `shared/vectors/libxmtp-1.9.1` (CI has `shared/` beside the clone, as the developers do). */
export const libxmtpVectors = join(repoRoot, '..', 'shared', 'vectors', 'libxmtp-1.9.1')

/** The payer: the throwaway wallet of the libxmtp capture (32 bytes of 0x11). */
export const payerKey = fromHex('11'.repeat(32))
/** Its address, as recorded in shared/vectors/libxmtp-1.9.1/README.md. */
export const payerAddress = '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a'
/** Node 100's signing key. */
export const node100Key = fromHex('22'.repeat(32))
/** Node 200's signing key. */
export const node200Key = fromHex('33'.repeat(32))

/** Reads a file of the libxmtp capture. */
export function libxmtpBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(libxmtpVectors, name)))
}

interface TsProtoMessage {
  encode(message: unknown): { finish(): Uint8Array }
  decode(bytes: Uint8Array): unknown
  fromPartial(object: unknown): unknown
}

const require = createRequire(import.meta.url)
const protoCjs = join(dirname(require.resolve('@xmtp/proto')))

/** ts-proto messages of `@xmtp/proto` 3.96.0 (CommonJS build, loaded by path: its ESM build does not load). */
export const oracle = {
  mls: require(join(protoCjs, 'mls/api/v1/mls.pb.js')) as Record<string, TsProtoMessage>,
  identityApi: require(join(protoCjs, 'identity/api/v1/identity.pb.js')) as Record<string, TsProtoMessage>,
}

/** Encodes `object` (partial: missing fields default) as the `xmtp.mls.api.v1` message `name`, with the oracle. */
export function encodeMls(name: string, object: unknown): Uint8Array {
  const message = oracle.mls[name]
  if (message === undefined) throw new Error(`@xmtp/proto has no xmtp.mls.api.v1.${name}`)
  return message.encode(message.fromPartial(object)).finish()
}

/** A `GroupMessageInput` (V1) around a libxmtp MLS message, encoded by the oracle. */
export function groupMessageInput(data: Uint8Array, shouldPush = true): Uint8Array {
  return encodeMls('GroupMessageInput', { v1: { data, senderHmac: new Uint8Array(32).fill(7), shouldPush } })
}
