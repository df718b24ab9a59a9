/**
 * The WebSocket framing `xmtplite.ws.v1.Frame` (proto/xmtplite/ws/v1/ws.proto) as a typed union over the
 * generated protobuf code of `@xmtp-lite/proto` (the same code the client's WebSocket transport uses, so
 * both ends share one codec).
 * @module
 */
import { decodeMessage, xmtplite } from '@xmtp-lite/proto'
import { NodeError } from './errors.ts'

const Wire = xmtplite.ws.v1.Frame

/** One frame. */
export interface Frame {
  readonly requestId: number
  readonly method: string
  readonly body:
    | { readonly kind: 'request'; readonly payload: Uint8Array }
    | { readonly kind: 'response'; readonly payload: Uint8Array }
    | { readonly kind: 'streamItem'; readonly payload: Uint8Array }
    | { readonly kind: 'streamEnd' }
    | { readonly kind: 'error'; readonly code: string; readonly status: number; readonly message: string }
    | { readonly kind: 'cancel' }
    | { readonly kind: 'none' }
  readonly metadata: Readonly<Record<string, string>>
}

/** Encodes a frame. */
export function encodeFrame(frame: Frame): Uint8Array {
  const b = frame.body
  return Wire.encode({
    requestId: frame.requestId,
    method: frame.method,
    metadata: { ...frame.metadata },
    ...(b.kind === 'request' ? { request: b.payload } : {}),
    ...(b.kind === 'response' ? { response: b.payload } : {}),
    ...(b.kind === 'streamItem' ? { streamItem: b.payload } : {}),
    ...(b.kind === 'streamEnd' ? { streamEnd: {} } : {}),
    ...(b.kind === 'cancel' ? { cancel: {} } : {}),
    ...(b.kind === 'error' ? { error: { code: b.code, status: b.status, message: b.message } } : {}),
  }).finish()
}

/** Decodes a frame. @throws NodeError `Node::MalformedRequest` */
export function decodeFrame(bytes: Uint8Array): Frame {
  let f: ReturnType<typeof Wire.decode>
  try {
    f = decodeMessage(Wire, bytes)
  } catch (cause) {
    throw new NodeError('Node::MalformedRequest', 'the WebSocket frame does not decode', { cause })
  }
  let body: Frame['body'] = { kind: 'none' }
  if (f.request !== null && f.request !== undefined) body = { kind: 'request', payload: f.request }
  else if (f.response !== null && f.response !== undefined) body = { kind: 'response', payload: f.response }
  else if (f.streamItem !== null && f.streamItem !== undefined)
    body = { kind: 'streamItem', payload: f.streamItem }
  else if (f.streamEnd !== null && f.streamEnd !== undefined) body = { kind: 'streamEnd' }
  else if (f.cancel !== null && f.cancel !== undefined) body = { kind: 'cancel' }
  else if (f.error !== null && f.error !== undefined) {
    body = {
      kind: 'error',
      code: f.error.code ?? '',
      status: f.error.status ?? 0,
      message: f.error.message ?? '',
    }
  }
  return { requestId: f.requestId ?? 0, method: f.method ?? '', body, metadata: { ...(f.metadata ?? {}) } }
}
