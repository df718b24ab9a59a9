/**
 * The codecs a client knows by default: every standard XMTP content type of `@xmtp-lite/content-types`,
 * and the sync-group content of preference sync.
 * Apps add their own with the `codecs` option; unknown types decode to their fallback text.
 * @module
 */
import { type ContentCodec, ContentCodecRegistry } from '@xmtp-lite/content-types'
import { ActionsCodec } from '@xmtp-lite/content-types/actions'
import { AttachmentCodec } from '@xmtp-lite/content-types/attachment'
import { DeleteMessageCodec } from '@xmtp-lite/content-types/delete-message'
import { GroupMembershipChangeCodec } from '@xmtp-lite/content-types/group-membership-change'
import { GroupUpdatedCodec } from '@xmtp-lite/content-types/group-updated'
import { IntentCodec } from '@xmtp-lite/content-types/intent'
import { LeaveRequestCodec } from '@xmtp-lite/content-types/leave-request'
import { MarkdownCodec } from '@xmtp-lite/content-types/markdown'
import { MultiRemoteAttachmentCodec } from '@xmtp-lite/content-types/multi-remote-attachment'
import { ReactionCodec, ReactionV2Codec } from '@xmtp-lite/content-types/reaction'
import { ReadReceiptCodec } from '@xmtp-lite/content-types/read-receipt'
import { RemoteAttachmentCodec } from '@xmtp-lite/content-types/remote-attachment'
import { ReplyCodec } from '@xmtp-lite/content-types/reply'
import { TextCodec } from '@xmtp-lite/content-types/text'
import { TransactionReferenceCodec } from '@xmtp-lite/content-types/transaction-reference'
import { WalletSendCallsCodec } from '@xmtp-lite/content-types/wallet-send-calls'
import { DeviceSyncContentCodec } from './preferences/content.ts'

/** A registry with every standard codec, plus `extra` (which win over a standard codec of the same type). */
// biome-ignore lint/suspicious/noExplicitAny: codecs of every content type.
export function defaultRegistry(extra: readonly ContentCodec<any>[] = []): ContentCodecRegistry {
  return new ContentCodecRegistry([
    new TextCodec(),
    new MarkdownCodec(),
    new ReactionCodec(),
    // What libxmtp sends (protobuf, mls-groups.md §6.3); same value type as the JSON v1.
    new ReactionV2Codec(),
    new ReplyCodec(),
    new ReadReceiptCodec(),
    new AttachmentCodec(),
    new RemoteAttachmentCodec(),
    new MultiRemoteAttachmentCodec(),
    new TransactionReferenceCodec(),
    new WalletSendCallsCodec(),
    new GroupUpdatedCodec(),
    new GroupMembershipChangeCodec(),
    new LeaveRequestCodec(),
    new ActionsCodec(),
    new IntentCodec(),
    new DeleteMessageCodec(),
    // Sync-group messages (mls-groups.md §10.2); never shown, read by Preferences.
    new DeviceSyncContentCodec(),
    ...extra,
  ])
}
