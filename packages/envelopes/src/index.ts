/**
 * `@xmtp-lite/envelopes`: XMTP topics (V3 string topics and xmtpd kind-prefixed byte topics), the xmtpd
 * envelope layers, and cursors (V3 per-topic ids and per-originator vector clocks).
 * @module
 */
export type {
  ClockOrder,
  DecodeCursorOptions,
  IdCursor,
  IdCursorOrder,
  V3OriginatorName,
  VectorClock,
} from './cursor.ts'
export {
  advanceIdCursor,
  advanceVectorClock,
  compareIdCursors,
  compareVectorClocks,
  createIdCursor,
  createVectorClock,
  decodeCursor,
  dominates,
  encodeCursor,
  getSequenceId,
  idCursorFromVectorClock,
  idCursorToString,
  idCursorToVectorClock,
  MAX_VECTOR_CLOCK_LENGTH,
  mergeIdCursors,
  mergeVectorClocks,
  parseIdCursor,
  parseVectorClock,
  V3Originator,
  vectorClockToString,
} from './cursor.ts'
export type {
  AuthenticatedData,
  ClientEnvelope,
  ClientPayload,
  ClientPayloadKind,
  CreateBlockchainOriginatorEnvelopeParams,
  CreateClientEnvelopeParams,
  CreateOriginatorEnvelopeParams,
  CreatePayerEnvelopeParams,
  OriginatorEnvelope,
  OriginatorFields,
  OriginatorProof,
  ParseOptions,
  PayerEnvelope,
  PayerSigner,
  UnsignedOriginatorEnvelope,
  VerifiedOriginator,
  VerifyOriginatorOptions,
  VerifyPayerOptions,
} from './envelope.ts'
export {
  assertTopicMatchesPayload,
  ClientPayloadField,
  createBlockchainOriginatorEnvelope,
  createClientEnvelope,
  createOriginatorEnvelope,
  createPayerEnvelope,
  createUnsignedPayerEnvelope,
  parseClientEnvelope,
  parseOriginatorEnvelope,
  parsePayerEnvelope,
  parseUnsignedOriginatorEnvelope,
  payloadTopicKind,
  topicMatchesPayload,
  verifyOriginatorEnvelope,
  verifyPayerEnvelope,
} from './envelope.ts'
export type { EnvelopeErrorCode } from './errors.ts'
export { EnvelopeError, envelopesErrorCodes } from './errors.ts'
export type { DecodedClientPayload } from './payload.ts'
export { decodeClientPayload } from './payload.ts'
export {
  ChainOriginator,
  checkDependsOn,
  DEFAULT_RETENTION_DAYS,
  isNodeOriginator,
  isValidRetentionDays,
  MAX_RETENTION_DAYS,
  MIN_RETENTION_DAYS,
  NODE_ID_INCREMENT,
  RETENTION_FOREVER,
} from './rules.ts'
export type { EnvelopeCrypto } from './signing.ts'
export {
  originatorSignatureHash,
  payerSignatureHash,
  publicKeyToAddress,
  recoverSigner,
  SignatureLabels,
  signHash,
} from './signing.ts'
export type { Topic, TopicKindName, TopicKindValue, V3Topic } from './topic.ts'
export {
  buildTopic,
  groupMessagesTopic,
  identityUpdatesTopic,
  isReservedTopic,
  isTopicKind,
  keyPackagesTopic,
  MAX_TOPIC_LENGTH,
  parseTopic,
  parseTopicString,
  parseV3Topic,
  payerReportAttestationsTopic,
  payerReportsTopic,
  TopicKind,
  topicKindLabels,
  topicToString,
  topicToV3Topic,
  V3_TOPIC_PREFIX,
  v3GroupTopic,
  v3TopicToTopic,
  v3WelcomeTopic,
  welcomeMessagesTopic,
} from './topic.ts'
export { PROTOCOL_VERSION } from './version.ts'
