/**
 * `@xmtp-lite/client`: a pure-TypeScript XMTP client.
 * @module
 */

export type { GrpcTransportOptions } from '#grpc'
export { createGrpcTransport } from '#grpc'
export type {
  GroupMessageInput,
  GroupMessageRecord,
  IdentityLogEntry,
  WelcomeInput,
  WelcomeRecord,
  XmtpApiOptions,
} from './api/api.ts'
export { IdentityPaths, MlsPaths, maxPageSize, XmtpApi } from './api/api.ts'
export type { RetryPolicy } from './api/retry.ts'
export { backoffDelay, withRetry } from './api/retry.ts'
export type {
  AddIdentifierOptions,
  ClientHooks,
  ClientOptions,
  InboxState,
  InstallationRevokedEvent,
} from './client.ts'
export { Client } from './client.ts'
export { defaultRegistry } from './codecs.ts'
export type { ConsentEntityType, ConsentRecord, ConsentState, ConsentUpdate } from './consent/consent.ts'
export { ConsentStore, consentFromProto, consentToProto } from './consent/consent.ts'
export type {
  ConversationMember,
  ConversationRecord,
  IntentAction,
  IntentState,
  MessageListOptions,
} from './conversations/conversation.ts'
export { Conversation, syncInstallationsCheckIntervalMs } from './conversations/conversation.ts'
export type { ListOptions, NewGroupOptions } from './conversations/conversations.ts'
export { Conversations } from './conversations/conversations.ts'
export type { DecodedMessage, DeliveryStatus, MessageKind } from './conversations/messages.ts'
export type { StreamEvents } from './conversations/stream.ts'
export { ConversationStream, MessageStream } from './conversations/stream.ts'
export type { ClientErrorCode } from './errors.ts'
export { ClientError, clientErrorCodes } from './errors.ts'
export type { ClientFlag } from './flags.ts'
export { checkClientFlags, clientFlags, codecsOfFlags, flagsMetadataKey } from './flags.ts'
export { InboxDirectory } from './identity/inboxes.ts'
export type { DeviceSyncContent } from './preferences/content.ts'
export { ContentTypeDeviceSync, DeviceSyncContentCodec } from './preferences/content.ts'
export type { PreferenceUpdate } from './preferences/preferences.ts'
export { Preferences } from './preferences/preferences.ts'
export type { LevelDatabase, OpenStoreOptions, StoreOperation, StoreRange } from './storage/store.ts'
export { EncryptedStore } from './storage/store.ts'
export { GrpcStatus } from './transport/status.ts'
export type { CallOptions, StreamCall, StreamSink, Transport } from './transport/transport.ts'
export { clientVersion } from './transport/version.ts'
export type { WebSocketTransportOptions } from './transport/websocket.ts'
export { createWebSocketTransport } from './transport/websocket.ts'
