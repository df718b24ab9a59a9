/**
 * What the node reads from a group message: the MLS group id and whether it changes the group (commit or
 * proposal), exactly what node-go asks its validation service for (§3.3 step 2). Anything that is not a
 * TLS-encoded MLSMessage carrying a PublicMessage or PrivateMessage is refused.
 *
 * Layouts: RFC 9420 §6 (MLSMessage, FramedContent, Sender), §6.2 (PublicMessage), §6.3 (PrivateMessage),
 * §2.1.2 (variable-length integers).
 * @module
 */
import { NodeError } from './errors.ts'

/** What a valid group message tells the node. */
export interface GroupMessageHeader {
  readonly groupId: Uint8Array
  readonly epoch: bigint
  /** Content type 2 (proposal) or 3 (commit): node-go's `is_commit` (§3.3). */
  readonly isCommit: boolean
  readonly wireFormat: 'public' | 'private'
}

const WireFormat = { PublicMessage: 1, PrivateMessage: 2 } as const
const ContentType = { Application: 1, Proposal: 2, Commit: 3 } as const
const SenderType = { Member: 1, External: 2, NewMemberProposal: 3, NewMemberCommit: 4 } as const

class Reader {
  offset = 0
  readonly bytes: Uint8Array
  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }
  u8(): number {
    if (this.offset + 1 > this.bytes.length) fail('truncated')
    return this.bytes[this.offset++] as number
  }
  u16(): number {
    return (this.u8() << 8) | this.u8()
  }
  u32(): number {
    return ((this.u16() << 16) >>> 0) + this.u16()
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32())
  }
  /** RFC 9420 §2.1.2: a 1, 2 or 4-byte length whose top two bits give its size; minimal encoding only. */
  varint(): number {
    const first = this.u8()
    const prefix = first >> 6
    if (prefix === 0) return first & 0x3f
    if (prefix === 1) {
      const v = ((first & 0x3f) << 8) | this.u8()
      if (v < 0x40) fail('non-minimal length')
      return v
    }
    if (prefix === 2) {
      const v = ((first & 0x3f) * 0x1000000 + ((this.u8() << 16) | (this.u8() << 8) | this.u8())) >>> 0
      if (v < 0x4000) fail('non-minimal length')
      return v
    }
    return fail('invalid length prefix')
  }
  opaque(): Uint8Array {
    const len = this.varint()
    if (this.offset + len > this.bytes.length) fail('truncated vector')
    const v = this.bytes.subarray(this.offset, this.offset + len)
    this.offset += len
    return v
  }
  get remaining(): number {
    return this.bytes.length - this.offset
  }
}

function fail(reason: string): never {
  throw new NodeError('Node::InvalidGroupMessage', `not an MLS group message: ${reason}`)
}

/**
 * Parses a group message's MLS framing.
 * @throws NodeError `Node::InvalidGroupMessage` for anything that is not a PublicMessage or PrivateMessage.
 */
export function parseGroupMessage(data: Uint8Array): GroupMessageHeader {
  const r = new Reader(data)
  // RFC 9420 §6: ProtocolVersion mls10 = 1.
  if (r.u16() !== 1) fail('protocol version is not mls10')
  const wireFormat = r.u16()
  if (wireFormat === WireFormat.PrivateMessage) {
    // §6.3: group_id<V>, epoch, content_type, authenticated_data<V>, encrypted_sender_data<V>, ciphertext<V>.
    const groupId = r.opaque()
    const epoch = r.u64()
    const contentType = r.u8()
    checkContentType(contentType)
    r.opaque()
    r.opaque()
    r.opaque()
    if (r.remaining !== 0) fail('trailing bytes')
    return finish(groupId, epoch, contentType, 'private')
  }
  if (wireFormat === WireFormat.PublicMessage) {
    // §6.2 FramedContent: group_id<V>, epoch, sender, authenticated_data<V>, content_type, content.
    const groupId = r.opaque()
    const epoch = r.u64()
    const senderType = r.u8()
    if (senderType === SenderType.Member || senderType === SenderType.External) r.u32()
    else if (senderType !== SenderType.NewMemberProposal && senderType !== SenderType.NewMemberCommit) {
      fail('unknown sender type')
    }
    r.opaque()
    const contentType = r.u8()
    checkContentType(contentType)
    if (contentType === ContentType.Application) {
      // Application data, signature, and the membership tag when the sender is a member: nothing may follow.
      r.opaque()
      r.opaque()
      if (senderType === SenderType.Member) r.opaque()
      if (r.remaining !== 0) fail('trailing bytes')
    } else if (r.remaining === 0) {
      fail('truncated content')
    }
    return finish(groupId, epoch, contentType, 'public')
  }
  return fail(`wire format ${wireFormat} is not a PublicMessage or PrivateMessage`)
}

function checkContentType(contentType: number): void {
  if (contentType < ContentType.Application || contentType > ContentType.Commit) fail('unknown content type')
}

function finish(
  groupId: Uint8Array,
  epoch: bigint,
  contentType: number,
  wireFormat: 'public' | 'private',
): GroupMessageHeader {
  if (groupId.length === 0) fail('empty group id')
  return {
    groupId: new Uint8Array(groupId),
    epoch,
    isCommit: contentType === ContentType.Commit || contentType === ContentType.Proposal,
    wireFormat,
  }
}

/** Builds a minimal PrivateMessage frame (tests, benchmarks, load generators). */
export function encodePrivateMessageFrame(params: {
  readonly groupId: Uint8Array
  readonly epoch?: bigint
  readonly contentType?: 1 | 2 | 3
  readonly ciphertext: Uint8Array
}): Uint8Array {
  const lengthOf = (n: number) => (n < 0x40 ? 1 : n < 0x4000 ? 2 : 4)
  const { groupId, ciphertext } = params
  const out = new Uint8Array(
    4 +
      lengthOf(groupId.length) +
      groupId.length +
      8 +
      1 +
      1 +
      1 +
      lengthOf(ciphertext.length) +
      ciphertext.length,
  )
  const view = new DataView(out.buffer)
  let o = 0
  const putLength = (n: number) => {
    if (n < 0x40) out[o++] = n
    else if (n < 0x4000) {
      view.setUint16(o, 0x4000 | n)
      o += 2
    } else {
      view.setUint32(o, (0x80000000 | n) >>> 0)
      o += 4
    }
  }
  view.setUint16(0, 1) // mls10
  view.setUint16(2, 2) // private_message
  o = 4
  putLength(groupId.length)
  out.set(groupId, o)
  o += groupId.length
  view.setBigUint64(o, params.epoch ?? 0n)
  o += 8
  out[o++] = params.contentType ?? 1
  putLength(0) // authenticated_data
  putLength(0) // encrypted_sender_data
  putLength(ciphertext.length)
  out.set(ciphertext, o)
  return out
}
