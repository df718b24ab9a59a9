/**
 * Feature flags of the client: protocol changes under review (XIP drafts, xips/) that a client runs only
 * when created with their name (`Client.create(signer, { flags: ['xip-poll'] })`). A flag changes what the
 * client does: the codecs it knows (without `xip-poll` a poll decodes as an unknown type showing its
 * fallback text, and sending one fails), and what it declares to its node (`x-xmtp-lite-flags`; a node that
 * does not run the flag refuses the client's writes, node-lite src/flags.ts), so one devnet can mix
 * versions (`pnpm devnet --flag xip-poll=100,200`).
 * @module
 */
import type { ContentCodec } from '@xmtp-lite/content-types'
import { PollCodec } from '@xmtp-lite/content-types/xip-poll'
import { ClientError } from './errors.ts'

/** The gRPC metadata key (and WebSocket frame metadata key) declaring the client's flags. */
export const flagsMetadataKey = 'x-xmtp-lite-flags'

/** What one flag changes in the client. */
export interface ClientFlag {
  /** The draft it implements, repository-relative. */
  readonly xip: string
  readonly description: string
  /** Codecs the client knows only with the flag. */
  // biome-ignore lint/suspicious/noExplicitAny: codecs of every content type.
  readonly codecs: () => readonly ContentCodec<any>[]
}

/** Every flag this client implements. */
export const clientFlags: Readonly<Record<string, ClientFlag>> = Object.freeze({
  'xip-poll': {
    xip: 'xips/xip-poll.md',
    description: 'the poll content type xmtp-lite.dev/poll:1.0',
    codecs: () => [new PollCodec()],
  },
})

/**
 * Checks flag names against {@link clientFlags}; returns them sorted, without duplicates.
 * @throws {ClientError} `Client::InvalidArgument` for a flag this client does not implement.
 */
export function checkClientFlags(names: readonly string[]): string[] {
  for (const name of names) {
    if (!Object.hasOwn(clientFlags, name)) {
      throw new ClientError(
        'Client::InvalidArgument',
        `unknown feature flag ${JSON.stringify(name)} (known: ${Object.keys(clientFlags).join(', ')})`,
      )
    }
  }
  return [...new Set(names)].sort()
}

/** The codecs the flags add. */
// biome-ignore lint/suspicious/noExplicitAny: codecs of every content type.
export function codecsOfFlags(names: readonly string[]): ContentCodec<any>[] {
  return names.flatMap((name) => [...(clientFlags[name]?.codecs() ?? [])])
}
