/**
 * Encode + decode through the wire bytes, ours against the official codecs in the same run (issue 3 target:
 * at least as fast, ratio >= 1). Official path: `@xmtp/content-type-*` codec + `@xmtp/proto` (protobufjs 7).
 * Ours: our codec + `@xmtp-lite/proto` (protobufjs 8).
 * Run: `npx -y pnpm@10.34.9 bench content-types`.
 * @module
 */

import { AttachmentCodec as OfficialAttachmentCodec } from '@xmtp/content-type-remote-attachment'
import { TextCodec as OfficialTextCodec } from '@xmtp/content-type-text'
import { content as protoContent } from '@xmtp/proto'
import { compare } from '@xmtp-lite/bench'
import { AttachmentCodec } from './attachment/attachment.ts'
import { decodeEncodedContent, encodeEncodedContent } from './encodedContent.ts'
import { TextCodec } from './text/text.ts'

const text = 'The quick brown fox jumps over the lazy dog, ünïcödé 👋. '.repeat(20).slice(0, 1024)
const data = new Uint8Array(1024 * 1024)
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24
const attachment = { filename: 'photo.jpg', mimeType: 'image/jpeg', data }

const ourText = new TextCodec()
const theirText = new OfficialTextCodec()
const ourAttachment = new AttachmentCodec()
const theirAttachment = new OfficialAttachmentCodec()

let sink = 0
// A 1 KiB round trip takes ~20 us: time batches of 100 so that timer resolution and scheduler noise of the
// shared machine do not dominate. The reported mean is per batch; the ratio is what matters.
const batch = 100

await compare({
  options: { minTimeMs: 1500 },
  title: 'encode + decode, 1 KiB text (EncodedContent bytes round trip)',
  baseline: {
    name: 'official text + @xmtp/proto (x100)',
    fn: () => {
      for (let i = 0; i < batch; i++) {
        const bytes = protoContent.EncodedContent.encode(theirText.encode(text)).finish()
        sink += theirText.decode(protoContent.EncodedContent.decode(bytes) as never).length
      }
    },
  },
  candidates: [
    {
      name: 'xmtp-lite text (x100)',
      fn: () => {
        for (let i = 0; i < batch; i++) {
          const bytes = encodeEncodedContent(ourText.encode(text))
          sink += ourText.decode(decodeEncodedContent(bytes)).length
        }
      },
    },
  ],
  target: { minRatio: 1 },
})

await compare({
  options: { minTimeMs: 1500 },
  title: 'encode + decode, 1 MiB attachment (EncodedContent bytes round trip)',
  baseline: {
    name: 'official AttachmentCodec + @xmtp/proto',
    fn: () => {
      const bytes = protoContent.EncodedContent.encode(theirAttachment.encode(attachment)).finish()
      sink += theirAttachment.decode(protoContent.EncodedContent.decode(bytes) as never).data.length
    },
  },
  candidates: [
    {
      name: 'xmtp-lite attachment',
      fn: () => {
        const bytes = encodeEncodedContent(ourAttachment.encode(attachment))
        sink += ourAttachment.decode(decodeEncodedContent(bytes)).data.length
      },
    },
  ],
  target: { minRatio: 1 },
})

if (sink === 0) console.log('unreachable')
