/**
 * The codecs a client knows by default: every standard XMTP content type of `@xmtp-lite/content-types`,
 * and the sync-group content of preference sync.
 * Apps add their own with the `codecs` option; unknown types decode to their fallback text.
 * @module
 */
import { type ContentCodec, ContentCodecRegistry } from '@xmtp-lite/content-types'
import { standardCodecs } from '@xmtp-lite/content-types/standard'
import { DeviceSyncContentCodec } from './preferences/content.ts'

/** A registry with every standard codec, plus `extra` (which win over a standard codec of the same type). */
// biome-ignore lint/suspicious/noExplicitAny: codecs of every content type.
export function defaultRegistry(extra: readonly ContentCodec<any>[] = []): ContentCodecRegistry {
  return new ContentCodecRegistry([
    ...standardCodecs(),
    // Sync-group messages (mls-groups.md §10.2); never shown, read by Preferences.
    new DeviceSyncContentCodec(),
    ...extra,
  ])
}
