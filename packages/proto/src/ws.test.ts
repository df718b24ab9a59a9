import { describe, expect, it } from 'vitest'
import { decodeMessage } from './decode.ts'
import { xmtp, xmtplite } from './gen/index.js'
import { toBigInt, toLong } from './long.ts'

const { Frame } = xmtplite.ws.v1

describe('xmtplite.ws.v1.Frame', () => {
  it('carries a gRPC request by full method path, with its exact payload bytes', () => {
    const query = xmtp.mls.api.v1.QueryGroupMessagesRequest.encode({
      groupId: new Uint8Array(16).fill(1),
      pagingInfo: {
        direction: xmtp.mls.api.v1.SortDirection.SORT_DIRECTION_ASCENDING,
        limit: 100,
        idCursor: toLong(7n),
      },
    }).finish()
    const bytes = Frame.encode({
      requestId: 42,
      method: '/xmtp.mls.api.v1.MlsApi/QueryGroupMessages',
      request: query,
      metadata: { 'x-app-version': 'test/1' },
    }).finish()
    const frame = decodeMessage(Frame, bytes)
    expect(frame.body).toBe('request')
    expect(frame.requestId).toBe(42)
    expect(frame.method).toBe('/xmtp.mls.api.v1.MlsApi/QueryGroupMessages')
    expect(frame.metadata).toEqual({ 'x-app-version': 'test/1' })
    expect(frame.request).toEqual(query)
    const inner = decodeMessage(xmtp.mls.api.v1.QueryGroupMessagesRequest, frame.request ?? new Uint8Array())
    expect(toBigInt(inner.pagingInfo?.idCursor ?? 0)).toBe(7n)
  })

  it('ends a call with a typed error or a stream end', () => {
    const error = decodeMessage(
      Frame,
      Frame.encode({
        requestId: 3,
        error: { code: 'NodeLite::RateLimited', status: 8, message: 'slow down' },
      }).finish(),
    )
    expect(error.body).toBe('error')
    expect(error.error).toMatchObject({ code: 'NodeLite::RateLimited', status: 8, message: 'slow down' })
    const end = decodeMessage(Frame, Frame.encode({ requestId: 3, streamEnd: {} }).finish())
    expect(end.body).toBe('streamEnd')
  })

  it('keeps one body per frame: the last oneof member on the wire wins', () => {
    const a = Frame.encode({ requestId: 1, response: Uint8Array.of(1) }).finish()
    const b = Frame.encode({ requestId: 1, cancel: {} }).finish()
    const merged = new Uint8Array([...a, ...b])
    const frame = decodeMessage(Frame, merged)
    expect(frame.body).toBe('cancel')
    expect(frame.response).toBeNull()
  })
})
