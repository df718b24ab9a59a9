/**
 * The WebSocket framing `xmtplite.ws.v1.Frame` (proto/xmtplite/ws/v1/ws.proto): field numbers
 * 1 request_id, 2 method, oneof body {3 request, 4 response, 5 stream_item, 6 stream_end, 7 error,
 * 8 cancel}, 9 metadata (map<string,string>); `Error { code = 1; status = 2; message = 3 }`.
 *
 * Written against the wire format directly, because the generated code of that schema had not landed in
 * `@xmtp-lite/proto` when the node needed it; the tests check it against protobuf rules (unknown fields
 * skipped, last oneof member wins).
 * @module
 */
import { NodeError } from './errors.ts'

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

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

class Writer {
  private readonly parts: number[] = []
  private readonly chunks: Uint8Array[] = []
  private size = 0
  varint(v: number): void {
    let x = v >>> 0
    while (x > 0x7f) {
      this.parts.push((x & 0x7f) | 0x80)
      x >>>= 7
    }
    this.parts.push(x)
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire)
  }
  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2)
    this.varint(value.length)
    this.flush()
    this.chunks.push(value)
    this.size += value.length
  }
  finish(): Uint8Array {
    this.flush()
    const out = new Uint8Array(this.size)
    let o = 0
    for (const c of this.chunks) {
      out.set(c, o)
      o += c.length
    }
    return out
  }
  private flush(): void {
    if (this.parts.length === 0) return
    const c = Uint8Array.from(this.parts)
    this.parts.length = 0
    this.chunks.push(c)
    this.size += c.length
  }
}

/** Encodes a frame. */
export function encodeFrame(frame: Frame): Uint8Array {
  const w = new Writer()
  if (frame.requestId !== 0) {
    w.tag(1, 0)
    w.varint(frame.requestId)
  }
  if (frame.method !== '') w.bytes(2, utf8.encode(frame.method))
  const b = frame.body
  switch (b.kind) {
    case 'request':
      w.bytes(3, b.payload)
      break
    case 'response':
      w.bytes(4, b.payload)
      break
    case 'streamItem':
      w.bytes(5, b.payload)
      break
    case 'streamEnd':
      w.bytes(6, new Uint8Array(0))
      break
    case 'error': {
      const e = new Writer()
      if (b.code !== '') e.bytes(1, utf8.encode(b.code))
      if (b.status !== 0) {
        e.tag(2, 0)
        e.varint(b.status)
      }
      if (b.message !== '') e.bytes(3, utf8.encode(b.message))
      w.bytes(7, e.finish())
      break
    }
    case 'cancel':
      w.bytes(8, new Uint8Array(0))
      break
    case 'none':
      break
  }
  for (const [k, v] of Object.entries(frame.metadata)) {
    const entry = new Writer()
    entry.bytes(1, utf8.encode(k))
    entry.bytes(2, utf8.encode(v))
    w.bytes(9, entry.finish())
  }
  return w.finish()
}

class Reader {
  offset = 0
  readonly buf: Uint8Array
  constructor(buf: Uint8Array) {
    this.buf = buf
  }
  get done(): boolean {
    return this.offset >= this.buf.length
  }
  varint(): number {
    let result = 0
    let shift = 0
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.buf.length) bad('truncated varint')
      const b = this.buf[this.offset++] as number
      if (shift < 32) result += (b & 0x7f) * 2 ** shift
      shift += 7
      if ((b & 0x80) === 0) return result
    }
    return bad('varint too long')
  }
  bytes(): Uint8Array {
    const len = this.varint()
    if (this.offset + len > this.buf.length) bad('truncated field')
    const v = this.buf.subarray(this.offset, this.offset + len)
    this.offset += len
    return v
  }
  skip(wire: number): void {
    if (wire === 0) this.varint()
    else if (wire === 1) this.advance(8)
    else if (wire === 2) this.bytes()
    else if (wire === 5) this.advance(4)
    else bad(`unsupported wire type ${wire}`)
  }
  private advance(n: number): void {
    if (this.offset + n > this.buf.length) bad('truncated field')
    this.offset += n
  }
}

function bad(reason: string): never {
  throw new NodeError('Node::MalformedRequest', `malformed WebSocket frame: ${reason}`)
}

function text(bytes: Uint8Array): string {
  try {
    return fromUtf8.decode(bytes)
  } catch {
    return bad('string is not UTF-8')
  }
}

/** Decodes a frame. @throws NodeError `Node::MalformedRequest` */
export function decodeFrame(bytes: Uint8Array): Frame {
  const r = new Reader(bytes)
  let requestId = 0
  let method = ''
  let body: Frame['body'] = { kind: 'none' }
  const metadata: Record<string, string> = {}
  while (!r.done) {
    const key = r.varint()
    const field = Math.floor(key / 8)
    const wire = key & 7
    if (field === 1 && wire === 0) requestId = r.varint() >>> 0
    else if (field === 2 && wire === 2) method = text(r.bytes())
    else if (field === 3 && wire === 2) body = { kind: 'request', payload: r.bytes() }
    else if (field === 4 && wire === 2) body = { kind: 'response', payload: r.bytes() }
    else if (field === 5 && wire === 2) body = { kind: 'streamItem', payload: r.bytes() }
    else if (field === 6 && wire === 2) {
      r.bytes()
      body = { kind: 'streamEnd' }
    } else if (field === 7 && wire === 2) {
      const e = new Reader(r.bytes())
      let code = ''
      let status = 0
      let message = ''
      while (!e.done) {
        const k = e.varint()
        if (k === (1 << 3) + 2) code = text(e.bytes())
        else if (k === 2 << 3) status = e.varint()
        else if (k === (3 << 3) + 2) message = text(e.bytes())
        else e.skip(k & 7)
      }
      body = { kind: 'error', code, status, message }
    } else if (field === 8 && wire === 2) {
      r.bytes()
      body = { kind: 'cancel' }
    } else if (field === 9 && wire === 2) {
      const e = new Reader(r.bytes())
      let k = ''
      let v = ''
      while (!e.done) {
        const t = e.varint()
        if (t === (1 << 3) + 2) k = text(e.bytes())
        else if (t === (2 << 3) + 2) v = text(e.bytes())
        else e.skip(t & 7)
      }
      metadata[k] = v
    } else r.skip(wire)
  }
  return { requestId, method, body, metadata }
}
