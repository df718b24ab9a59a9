/**
 * Writes vectors/xip-poll/poll.v1.new.json (vectors/README.md: `pnpm vectors` runs it and compares; the first
 * time, rename the file to poll.v1.json after review). Valid cases go through {@link PollCodec} and the
 * registry, so the bytes are exactly what our client sends (with the fallback text libxmtp shows); invalid
 * cases are EncodedContent with hand-made JSON bodies, one per rule of the draft's Specification.
 * Run from packages/content-types: node --conditions=@xmtp-lite/source --import tsx src/xip-poll/generateVectors.ts
 */
import { writeFileSync } from 'node:fs'
import { encodeEncodedContent } from '../encodedContent.ts'
import { ContentCodecRegistry } from '../registry.ts'
import { ContentTypePoll, type Poll, PollCodec } from './poll.ts'

const registry = new ContentCodecRegistry([new PollCodec()])
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const utf8 = (s: string) => new TextEncoder().encode(s)
const raw = (content: Uint8Array, type = ContentTypePoll) =>
  hex(encodeEncodedContent({ type, parameters: {}, fallback: 'Poll: ?', content }))

const valid = async (description: string, poll: Poll) => {
  const bytes = await registry.encodeBytes(poll, ContentTypePoll)
  return {
    description,
    encoder: 'PollCodec via ContentCodecRegistry.encodeBytes',
    encodedContent: hex(bytes),
    decoded: poll,
    fallback: new PollCodec().fallback(poll),
    valid: true,
  }
}
const invalid = (description: string, content: Uint8Array, error: string) => ({
  description,
  encodedContent: raw(content),
  valid: false,
  error,
})

const cases = [
  await valid('two options', { question: 'Lunch?', options: ['pizza', 'sushi'] }),
  await valid('ten options, several may be picked', {
    question: 'Which days work?',
    options: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'next mon', 'next tue', 'never'],
    multiple: true,
  }),
  await valid('emoji count as one character each (100 of them in one option)', {
    question: '🍕 or 🍣?',
    options: ['🍕'.repeat(100), '🍣'],
  }),
  invalid('one option', utf8('{"question":"q","options":["a"]}'), 'ContentType::SchemaMismatch'),
  invalid(
    'eleven options',
    utf8(JSON.stringify({ question: 'q', options: Array.from({ length: 11 }, (_, i) => `o${i}`) })),
    'ContentType::SchemaMismatch',
  ),
  invalid(
    'the same option twice',
    utf8('{"question":"q","options":["a","a"]}'),
    'ContentType::SchemaMismatch',
  ),
  invalid('a blank question', utf8('{"question":"  ","options":["a","b"]}'), 'ContentType::SchemaMismatch'),
  invalid(
    'a question of 301 characters',
    utf8(JSON.stringify({ question: 'q'.repeat(301), options: ['a', 'b'] })),
    'ContentType::SchemaMismatch',
  ),
  invalid(
    'an option that is not a string',
    utf8('{"question":"q","options":["a",2]}'),
    'ContentType::SchemaMismatch',
  ),
  invalid(
    'multiple is not a boolean',
    utf8('{"question":"q","options":["a","b"],"multiple":"yes"}'),
    'ContentType::SchemaMismatch',
  ),
  invalid('truncated JSON', utf8('{"question":"q","options":['), 'ContentType::InvalidJson'),
  invalid('malformed UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]), 'ContentType::InvalidUtf8'),
]

writeFileSync(
  new URL('../../../../vectors/xip-poll/poll.v1.new.json', import.meta.url),
  `${JSON.stringify(
    {
      description:
        'xmtp-lite.dev/poll:1.0 (xips/xip-poll.md): decode encodedContent; a valid case gives the poll (`decoded`) and the fallback text a receiver without the codec shows; an invalid one fails with `error`.',
      generator:
        'packages/content-types/src/xip-poll/generateVectors.ts (valid cases through PollCodec and the registry)',
      format:
        'encodedContent: hex EncodedContent protobuf (content.proto) whose content is UTF-8 JSON {question, options, multiple?}; decoded: the poll as JSON; fallback: EncodedContent.fallback',
      cases,
    },
    null,
    2,
  )}\n`,
)
console.log(`wrote vectors/xip-poll/poll.v1.new.json (${cases.length} cases)`)
