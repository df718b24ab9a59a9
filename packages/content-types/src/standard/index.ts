/**
 * `@xmtp-lite/content-types/standard`: one codec of every standard content type of the table in the
 * README (not the drafts behind feature flags), for a registry that reads whatever an official client sends.
 * Importing this subpath pulls in every codec; import the per-type subpaths to keep a bundle small.
 * @module
 */
import { ActionsCodec } from '../actions/actions.ts'
import { AttachmentCodec } from '../attachment/attachment.ts'
import type { ContentCodec } from '../codec.ts'
import { DeleteMessageCodec } from '../delete-message/deleteMessage.ts'
import { GroupMembershipChangeCodec } from '../group-membership-change/groupMembershipChange.ts'
import { GroupUpdatedCodec } from '../group-updated/groupUpdated.ts'
import { IntentCodec } from '../intent/intent.ts'
import { LeaveRequestCodec } from '../leave-request/leaveRequest.ts'
import { MarkdownCodec } from '../markdown/markdown.ts'
import { MultiRemoteAttachmentCodec } from '../multi-remote-attachment/multiRemoteAttachment.ts'
import { ReactionCodec } from '../reaction/reaction.ts'
import { ReactionV2Codec } from '../reaction/reactionV2.ts'
import { ReadReceiptCodec } from '../read-receipt/readReceipt.ts'
import { RemoteAttachmentCodec } from '../remote-attachment/remoteAttachment.ts'
import { ReplyCodec } from '../reply/reply.ts'
import { TextCodec } from '../text/text.ts'
import { TransactionReferenceCodec } from '../transaction-reference/transactionReference.ts'
import { WalletSendCallsCodec } from '../wallet-send-calls/walletSendCalls.ts'

/** New instances of the 17 standard codecs (reaction 1.0 and 2.0 both), in the README's table order. */
// biome-ignore lint/suspicious/noExplicitAny: codecs of every content type.
export function standardCodecs(): ContentCodec<any>[] {
  return [
    new TextCodec(),
    new MarkdownCodec(),
    new ReactionCodec(),
    // What libxmtp sends (protobuf, mls-groups.md §6.3); same value type as the JSON 1.0.
    new ReactionV2Codec(),
    new ReplyCodec(),
    new ReadReceiptCodec(),
    new AttachmentCodec(),
    new RemoteAttachmentCodec(),
    new MultiRemoteAttachmentCodec(),
    new TransactionReferenceCodec(),
    new WalletSendCallsCodec(),
    new ActionsCodec(),
    new IntentCodec(),
    new DeleteMessageCodec(),
    new LeaveRequestCodec(),
    new GroupUpdatedCodec(),
    new GroupMembershipChangeCodec(),
  ]
}
