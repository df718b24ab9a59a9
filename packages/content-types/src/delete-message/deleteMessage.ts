/**
 * Delete message: `xmtp.org/deleteMessage:1.0`, protobuf `DeleteMessage { string message_id = 1 }` (the hex
 * id of the message to delete; mls-groups.md §6.3, delete_message.proto). No fallback; not pushed. Whether
 * a delete is honoured (same group, deletable type, sender or super admin) is the client's rule, not the codec's.
 * @module
 */
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import { decodeProtobuf, plainBytes, schemaError } from '../internal.ts'

const DeleteMessageMessage = xmtp.mls.message_contents.content_types.DeleteMessage

/** `xmtp.org/deleteMessage:1.0`. */
export const ContentTypeDeleteMessage: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'deleteMessage',
  versionMajor: 1,
  versionMinor: 0,
})

/** A request to delete an earlier message. */
export interface DeleteMessage {
  /** Lowercase hex id of the message to delete (mls-groups.md §6.1). */
  messageId: string
}

/**
 * The delete message codec.
 * @example
 * const codec = new DeleteMessageCodec()
 * codec.decode(codec.encode({ messageId: 'ab'.repeat(32) })).messageId
 */
export class DeleteMessageCodec implements ContentCodec<DeleteMessage> {
  get contentType(): ContentTypeId {
    return ContentTypeDeleteMessage
  }

  encode(content: DeleteMessage): EncodedContent {
    if (typeof content?.messageId !== 'string' || content.messageId.length === 0) {
      throw new ContentTypeError('ContentType::InvalidContent', 'messageId must be a non-empty string')
    }
    return {
      type: ContentTypeDeleteMessage,
      parameters: {},
      content: DeleteMessageMessage.encode({ messageId: content.messageId }).finish(),
    }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `MalformedProtobuf`, `SchemaMismatch` (empty id). */
  decode(encoded: EncodedContent): DeleteMessage {
    assertEncodedType(encoded, ContentTypeDeleteMessage)
    const m = decodeProtobuf('DeleteMessage', () =>
      decodeMessage(DeleteMessageMessage, plainBytes(encoded.content)),
    )
    if (m.messageId === '') throw schemaError('DeleteMessage.message_id is empty')
    return { messageId: m.messageId }
  }

  fallback(): undefined {
    return undefined
  }

  shouldPush(): boolean {
    return false
  }
}
