/**
 * The content of sync-group messages (mls-groups.md §10.2, libxmtp worker/device_sync/mod.rs
 * `send_device_sync_message`): an `EncodedContent` of type `xmtp.org/application/x-protobuf:1.0`, no
 * fallback, no compression, whose content is a `DeviceSyncContent` (device_sync/content.proto). Only the
 * inbox's own installations are in a sync group, so nothing here is shown to a user.
 * @module
 */
import {
  assertEncodedType,
  type ContentCodec,
  ContentTypeError,
  ContentTypeId,
  type EncodedContent,
} from '@xmtp-lite/content-types'
import { decodeMessage, xmtp } from '@xmtp-lite/proto'

/** `xmtp.org/application/x-protobuf:1.0`, the content type of every sync-group message. */
export const ContentTypeDeviceSync: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'application/x-protobuf',
  versionMajor: 1,
  versionMinor: 0,
})

/** A decoded `DeviceSyncContent` (request, acknowledge, reply or preference updates). */
export type DeviceSyncContent = xmtp.device_sync.content.DeviceSyncContent

/** Sync-group payloads stay small (a batch of consent records); larger ones are refused before parsing. */
const maxDeviceSyncContentBytes = 1 << 20

/** The codec of sync-group messages. */
export class DeviceSyncContentCodec implements ContentCodec<DeviceSyncContent> {
  get contentType(): ContentTypeId {
    return ContentTypeDeviceSync
  }

  encode(content: DeviceSyncContent): EncodedContent {
    return {
      type: ContentTypeDeviceSync,
      parameters: {},
      content: xmtp.device_sync.content.DeviceSyncContent.encode(content).finish(),
    }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `MalformedProtobuf` (also for more than 1 MiB). */
  decode(encoded: EncodedContent): DeviceSyncContent {
    assertEncodedType(encoded, ContentTypeDeviceSync)
    try {
      return decodeMessage(xmtp.device_sync.content.DeviceSyncContent, encoded.content, {
        maxBytes: maxDeviceSyncContentBytes,
      })
    } catch (cause) {
      throw new ContentTypeError('ContentType::MalformedProtobuf', 'not a DeviceSyncContent', { cause })
    }
  }

  fallback(): undefined {
    return undefined
  }

  /** libxmtp sends sync messages with `should_push: false`. */
  shouldPush(): boolean {
    return false
  }
}
