/**
 * Leave request: `xmtp.org/leave_request:1.0` (underscore, as libxmtp's code writes it), protobuf
 * `LeaveRequest { optional bytes authenticated_note = 1 }` (libxmtp sends none). A member asks the admins
 * to remove it; the removal is later reported as "left" (mls-groups.md §6.3). No fallback; not pushed.
 * @module
 */
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import { decodeProtobuf, plainBytes } from '../internal.ts'

const LeaveRequestMessage = xmtp.mls.message_contents.content_types.LeaveRequest

/** `xmtp.org/leave_request:1.0`. */
export const ContentTypeLeaveRequest: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'leave_request',
  versionMajor: 1,
  versionMinor: 0,
})

/** A request to leave the group. */
export interface LeaveRequest {
  authenticatedNote?: Uint8Array
}

/**
 * The leave request codec.
 * @example
 * const codec = new LeaveRequestCodec()
 * codec.encode({}).content.length // 0
 */
export class LeaveRequestCodec implements ContentCodec<LeaveRequest> {
  get contentType(): ContentTypeId {
    return ContentTypeLeaveRequest
  }

  encode(content: LeaveRequest = {}): EncodedContent {
    const note = content?.authenticatedNote
    if (note !== undefined && !(note instanceof Uint8Array)) {
      throw new ContentTypeError('ContentType::InvalidContent', 'authenticatedNote must be bytes')
    }
    return {
      type: ContentTypeLeaveRequest,
      parameters: {},
      content: LeaveRequestMessage.encode(note === undefined ? {} : { authenticatedNote: note }).finish(),
    }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `MalformedProtobuf`. */
  decode(encoded: EncodedContent): LeaveRequest {
    assertEncodedType(encoded, ContentTypeLeaveRequest)
    const m = decodeProtobuf('LeaveRequest', () =>
      decodeMessage(LeaveRequestMessage, plainBytes(encoded.content)),
    )
    return m.authenticatedNote === null || m.authenticatedNote === undefined
      ? {}
      : { authenticatedNote: m.authenticatedNote }
  }

  fallback(): undefined {
    return undefined
  }

  shouldPush(): boolean {
    return false
  }
}
