import { toBigInt, toLong, xmtp } from '@xmtp-lite/proto'
import { describe, expect, it } from 'vitest'
import {
  encodeGetNewestGroupMessageResponse,
  encodeGroupMessage,
  encodeGroupRowsResponse,
  encodeQueryGroupMessagesResponse,
} from './groupMessageWire.ts'
import { groupMessageProps } from './rpc.ts'
import { openStore } from './store/store.ts'
import { rng } from './testing/rng.ts'
import type { GroupMessage, Page } from './types.ts'

const mls = xmtp.mls.api.v1

/** Values at every varint length boundary, the 2^53 and 2^63 edges, and the u64 maximum. */
const edgeIds = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]
const edgeNs = [
  0n,
  1n,
  127n,
  128n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 56n - 1n,
  2n ** 56n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  1_765_000_000_000_000_000n,
]

function randomMessage(r: ReturnType<typeof rng>): GroupMessage {
  const pickLen = () => [0, 1, 31, 127, 128, 300, 16_384][r.below(7)] as number
  return {
    id: r.below(3) === 0 ? (edgeIds[r.below(edgeIds.length)] as number) : r.next(),
    createdNs:
      r.below(3) === 0
        ? (edgeNs[r.below(edgeNs.length)] as bigint)
        : (BigInt(r.next()) << 30n) + BigInt(r.next()),
    groupId: r.bytes(r.below(4) === 0 ? 0 : 16),
    data: r.bytes(pickLen()),
    senderHmac: r.bytes(r.below(3) === 0 ? 0 : 32),
    shouldPush: r.below(2) === 0,
    isCommit: r.below(2) === 0,
  }
}

/** What the generated protobuf code writes for the same values (the encoding node-lite used before). */
function generatedPage(page: Page<GroupMessage>): Uint8Array {
  return mls.QueryGroupMessagesResponse.encode({
    messages: page.items.map(groupMessageProps),
    pagingInfo: {
      direction: page.pagingInfo.direction,
      limit: page.pagingInfo.limit,
      idCursor: toLong(page.pagingInfo.idCursor),
    },
  } as never).finish()
}

describe('group message wire encoding', () => {
  it('writes the same bytes as the generated protobuf code for one message', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const m = randomMessage(rng(seed))
      const generated = mls.GroupMessage.encode(groupMessageProps(m) as never).finish()
      expect(Buffer.from(encodeGroupMessage(m)).toString('hex'), `seed ${seed}`).toBe(
        Buffer.from(generated).toString('hex'),
      )
    }
  })

  it('writes every 64-bit edge value as the generated code does, and it decodes back', () => {
    for (const createdNs of edgeNs) {
      for (const id of edgeIds) {
        const m: GroupMessage = {
          id,
          createdNs,
          groupId: new Uint8Array(0),
          data: new Uint8Array(0),
          senderHmac: new Uint8Array(0),
          shouldPush: false,
          isCommit: false,
        }
        const bytes = encodeGroupMessage(m)
        expect(bytes).toEqual(mls.GroupMessage.encode(groupMessageProps(m) as never).finish())
        const back = mls.GroupMessage.decode(bytes).v1
        expect(toBigInt((back?.createdNs ?? 0) as never)).toBe(createdNs)
        expect(Number(toBigInt((back?.id ?? 0) as never))).toBe(id)
      }
    }
  })

  it('writes the same QueryGroupMessagesResponse bytes as the generated code, empty pages included', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const r = rng(seed * 7919)
      const items = Array.from({ length: r.below(4) === 0 ? 0 : r.below(101) }, () => randomMessage(r))
      const page: Page<GroupMessage> = {
        items,
        pagingInfo: {
          direction: r.below(3),
          limit: [0, 1, 100, 127, 128, 2 ** 32 - 1][r.below(6)] as number,
          idCursor: r.below(2) === 0 ? 0 : (edgeIds[r.below(edgeIds.length)] as number),
        },
      }
      expect(Buffer.from(encodeQueryGroupMessagesResponse(page)).toString('hex'), `seed ${seed}`).toBe(
        Buffer.from(generatedPage(page)).toString('hex'),
      )
    }
  })
})

describe('newest messages', () => {
  it('writes the same GetNewestGroupMessageResponse bytes as the generated code, groups without one included', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed * 104_729)
      const newest = Array.from({ length: r.below(12) }, () =>
        r.below(4) === 0 ? undefined : randomMessage(r),
      )
      const generated = mls.GetNewestGroupMessageResponse.encode({
        responses: newest.map((g) => (g === undefined ? {} : { groupMessage: groupMessageProps(g) })),
      } as never).finish()
      expect(Buffer.from(encodeGetNewestGroupMessageResponse(newest)).toString('hex'), `seed ${seed}`).toBe(
        Buffer.from(generated).toString('hex'),
      )
    }
  })
})

describe('pages encoded straight from stored rows', () => {
  /** A store whose clock hands out the 64-bit edges first, then random times. */
  async function storeWithRows(seed: number, group: Uint8Array, n: number) {
    const r = rng(seed)
    let tick = 0
    const clock = () =>
      tick < edgeNs.length
        ? (edgeNs[tick++] as bigint)
        : (BigInt(r.next()) << BigInt(r.below(33))) + BigInt(r.next())
    const store = await openStore({ memory: true, clock })
    for (let i = 0; i < n; i++) {
      const m = randomMessage(r)
      // One message per call: each takes the next clock value as its created_ns.
      await store.appendGroupMessages([{ ...m, groupId: group }])
    }
    return { store, r }
  }

  it('writes the bytes of the decoded page and of the generated code, through a real store', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const group = rng(seed).bytes(seed % 3 === 0 ? 32 : 16)
      const { store, r } = await storeWithRows(seed, group, 40 + seed)
      for (let q = 0; q < 8; q++) {
        const bounds = {
          ascending: r.below(2) === 0,
          limit: [1, 5, 40, 100][r.below(4)] as number,
          idCursor: r.below(2) === 0 ? 0 : 1 + r.below(60),
        }
        const pagingInfo = {
          direction: bounds.ascending ? 1 : 2,
          limit: bounds.limit,
          idCursor: r.below(2) === 0 ? 0 : (edgeIds[r.below(edgeIds.length)] as number),
        }
        const items = await store.queryGroupMessages(group, bounds)
        const rows = await store.queryGroupRows(group, bounds)
        expect(rows).toHaveLength(items.length)
        const fromRows = Buffer.from(encodeGroupRowsResponse(group, rows, pagingInfo)).toString('hex')
        expect(fromRows, `seed ${seed} query ${q}`).toBe(
          Buffer.from(encodeQueryGroupMessagesResponse({ items, pagingInfo })).toString('hex'),
        )
        expect(fromRows, `seed ${seed} query ${q}`).toBe(
          Buffer.from(generatedPage({ items, pagingInfo })).toString('hex'),
        )
      }
      await store.close()
    }
  })

  it('refuses a truncated stored row with Node::StorageFailure, as the decoding path does', async () => {
    const group = new Uint8Array(16).fill(0x31)
    const { store } = await storeWithRows(7, group, 1)
    const bounds = { ascending: true, limit: 100, idCursor: 0 }
    const [row] = await store.queryGroupRows(group, bounds)
    const [key, value] = row as [Uint8Array, Uint8Array]
    const pagingInfo = { direction: 1, limit: 100, idCursor: 0 }
    // Every shorter prefix of the row: both paths refuse it or both read it (the trailing bytes may be
    // an empty field's length).
    for (let cut = 0; cut < value.length; cut++) {
      await store.db.put(key, value.slice(0, cut))
      const decoded = await store.queryGroupMessages(group, bounds).then(
        (items) => encodeQueryGroupMessagesResponse({ items, pagingInfo }),
        (e: { code?: string }) => e.code,
      )
      const rows = await store.queryGroupRows(group, bounds)
      let fromRows: Uint8Array | string | undefined
      try {
        fromRows = encodeGroupRowsResponse(group, rows, pagingInfo)
      } catch (e) {
        fromRows = (e as { code?: string }).code
      }
      expect(fromRows, `cut at ${cut}`).toEqual(decoded)
    }
    expect(() => encodeGroupRowsResponse(group, [[key, new Uint8Array(12)]], pagingInfo)).toThrow(
      expect.objectContaining({ code: 'Node::StorageFailure' }),
    )
    await store.close()
  })
})
