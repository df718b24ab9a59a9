/**
 * Codec speed of the generated code on a realistic page: a QueryGroupMessagesResponse of 100 GroupMessages
 * (256-byte MLS data, 32-byte HMAC, 64-bit ids and timestamps), and the identity update libxmtp 1.9.1 sent
 * at registration. Baseline: the official `@xmtp/proto@3.96.0` (ts-proto on protobufjs 7) doing the same
 * work in the same run. Run: `npx -y pnpm@10.34.9 bench proto`.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compare } from '@xmtp-lite/bench'
import { decodeMessage } from './decode.ts'
import { xmtp } from './gen/index.js'
import { toLong } from './long.ts'

interface OracleCodec {
  encode(message: unknown): { finish(): Uint8Array }
  decode(bytes: Uint8Array): unknown
}
const require = createRequire(import.meta.url)
const oracleDir = dirname(require.resolve('@xmtp/proto'))
const oracleMls = require(join(oracleDir, 'mls/api/v1/mls.pb.js')) as Record<string, OracleCodec>
const oracleIdentity = require(join(oracleDir, 'identity/api/v1/identity.pb.js')) as Record<
  string,
  OracleCodec
>
const OracleQuery = oracleMls.QueryGroupMessagesResponse as OracleCodec
const OraclePublish = oracleIdentity.PublishIdentityUpdateRequest as OracleCodec

const Query = xmtp.mls.api.v1.QueryGroupMessagesResponse
const page: xmtp.mls.api.v1.IQueryGroupMessagesResponse = {
  messages: Array.from({ length: 100 }, (_, i) => ({
    v1: {
      id: toLong(BigInt(1_000_000 + i)),
      createdNs: toLong(1_732_550_400_000_000_000n + BigInt(i)),
      groupId: new Uint8Array(16).fill(0x89),
      data: Uint8Array.from({ length: 256 }, (_, k) => (k * 31 + i) & 0xff),
      senderHmac: new Uint8Array(32).fill(i & 0xff),
      shouldPush: true,
      isCommit: i % 10 === 0,
    },
  })),
  pagingInfo: { direction: 1, limit: 100, idCursor: toLong(1_000_099n) },
}
const pageBytes = Query.encode(page).finish()
const oraclePage = OracleQuery.decode(pageBytes)

const sdkUpdate = new Uint8Array(
  readFileSync(
    join(
      fileURLToPath(import.meta.url),
      '..',
      '..',
      '..',
      '..',
      '..',
      'shared',
      'vectors',
      'libxmtp-1.9.1',
      'publish-identity-update-request.bin',
    ),
  ),
)

await compare({
  title: `decode a page of 100 group messages (${pageBytes.length} bytes)`,
  baseline: { name: '@xmtp/proto 3.96.0 decode', fn: () => OracleQuery.decode(pageBytes) },
  candidates: [{ name: 'decodeMessage (generated)', fn: () => decodeMessage(Query, pageBytes) }],
})

await compare({
  title: 'encode a page of 100 group messages',
  baseline: { name: '@xmtp/proto 3.96.0 encode', fn: () => OracleQuery.encode(oraclePage).finish() },
  candidates: [{ name: 'encode (generated)', fn: () => Query.encode(page).finish() }],
})

await compare({
  title: `decode libxmtp's registration PublishIdentityUpdateRequest (${sdkUpdate.length} bytes)`,
  baseline: { name: '@xmtp/proto 3.96.0 decode', fn: () => OraclePublish.decode(sdkUpdate) },
  candidates: [
    {
      name: 'decodeMessage (generated)',
      fn: () => decodeMessage(xmtp.identity.api.v1.PublishIdentityUpdateRequest, sdkUpdate),
    },
  ],
})
