import { describe, expect, it } from 'vitest'
import { NodeError } from './errors.ts'
import { upstreamRateLimits } from './rateLimit.ts'
import { type NodeService, NodeService as Service } from './service.ts'
import { Tag } from './store/keys.ts'
import { openStore } from './store/store.ts'
import {
  capturedKeyPackageNow,
  groupMessage,
  jsonIdentityValidator,
  jsonUpdate,
  sdkVector,
} from './testing/fixtures.ts'
import type { GroupMessage, WelcomeMessage } from './types.ts'
import { mlsKeyPackageValidator } from './validators.ts'

const ctx = { client: '127.0.0.1' }
const g1 = new Uint8Array(16).fill(1)
const g2 = new Uint8Array(16).fill(2)

async function makeService(
  params: Partial<ConstructorParameters<typeof Service>[0]> = {},
): Promise<NodeService> {
  return new Service({
    store: await openStore({ memory: true }),
    identityValidator: jsonIdentityValidator,
    keyPackageValidator: mlsKeyPackageValidator({ nowSeconds: () => capturedKeyPackageNow }),
    rateLimits: false,
    ...params,
  })
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    if (e instanceof NodeError) return e.code
    throw e
  }
  return undefined
}

class ArraySink<T> {
  items: T[] = []
  ended: NodeError | 'ok' | undefined
  paused = false
  private waiting: (() => void)[] = []
  write(item: T): boolean {
    this.items.push(item)
    return !this.paused
  }
  drained(): Promise<void> {
    if (!this.paused) return Promise.resolve()
    return new Promise((r) => this.waiting.push(r))
  }
  end(error?: NodeError): void {
    this.ended = error ?? 'ok'
  }
  resume(): void {
    this.paused = false
    for (const w of this.waiting.splice(0)) w()
  }
}

describe('group messages', () => {
  it('stores MLS messages, reads back group id and commit flag, and rejects non-MLS bytes whole', async () => {
    const s = await makeService()
    await s.sendGroupMessages(ctx, [
      groupMessage(g1, 1),
      groupMessage(g1, 2, 32, 3),
      groupMessage(g2, 3, 32, 2),
    ])
    const page = await s.queryGroupMessages(ctx, g1, { direction: 1, limit: 0, idCursor: 0 })
    expect(page.items.map((m) => [m.id, m.isCommit])).toEqual([
      [1, false],
      [2, true],
    ])
    expect((await s.queryGroupMessages(ctx, g2, undefined)).items[0]?.isCommit).toBe(true)
    const junk = { data: new TextEncoder().encode('hello'), senderHmac: new Uint8Array(), shouldPush: false }
    expect(await codeOf(s.sendGroupMessages(ctx, [groupMessage(g1, 9), junk]))).toBe(
      'Node::InvalidGroupMessage',
    )
    expect(await codeOf(s.sendGroupMessages(ctx, []))).toBe('Node::InvalidArgument')
    expect(await codeOf(s.sendGroupMessages(ctx, [undefined]))).toBe('Node::InvalidArgument')
    expect((await s.queryGroupMessages(ctx, g1, undefined)).items).toHaveLength(2)
    expect(await codeOf(s.queryGroupMessages(ctx, new Uint8Array(), undefined))).toBe('Node::InvalidArgument')
  })

  it('dedups identical (group, data) publishes silently', async () => {
    const s = await makeService()
    const m = groupMessage(g1, 1)
    await s.sendGroupMessages(ctx, [m, m])
    await s.sendGroupMessages(ctx, [m])
    expect((await s.queryGroupMessages(ctx, g1, undefined)).items).toHaveLength(1)
  })

  it('pages as node-go: 100 rows, descending by default, id_cursor only on a full page', async () => {
    const s = await makeService()
    for (let i = 0; i < 250; i += 50) {
      await s.sendGroupMessages(
        ctx,
        Array.from({ length: 50 }, (_, j) => groupMessage(g1, i + j)),
      )
    }
    const desc = await s.queryGroupMessages(ctx, g1, undefined)
    expect(desc.items).toHaveLength(100)
    expect(desc.items[0]?.id).toBe(250)
    expect(desc.pagingInfo).toEqual({ direction: 2, limit: 100, idCursor: 151 })
    // The client's loop (§2.4): ascending from a cursor until a short page or id_cursor 0.
    const seen: number[] = []
    let cursor = 0
    for (;;) {
      const page = await s.queryGroupMessages(ctx, g1, { direction: 1, limit: 100, idCursor: cursor })
      seen.push(...page.items.map((m) => m.id))
      if (page.items.length < 100 || page.pagingInfo.idCursor === 0) {
        expect(page.pagingInfo.idCursor).toBe(0)
        break
      }
      cursor = page.pagingInfo.idCursor
    }
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i + 1))
    const over = await s.queryGroupMessages(ctx, g1, { direction: 1, limit: 5000, idCursor: 0 })
    expect(over.items).toHaveLength(100)
  })

  it('refuses payloads over 1,048,214 bytes and batches over the limit', async () => {
    const s = await makeService()
    expect(await codeOf(s.sendGroupMessages(ctx, [groupMessage(g1, 1, 1_048_214)]))).toBe(
      'Node::MessageTooLarge',
    )
    await s.sendGroupMessages(ctx, [groupMessage(g1, 1, 1_048_000)])
    const many = Array.from({ length: 1001 }, (_, i) => groupMessage(g1, i))
    expect(await codeOf(s.sendGroupMessages(ctx, many))).toBe('Node::BatchTooLarge')
  })

  it('answers GetNewestGroupMessage aligned with the request, without content unless asked', async () => {
    const s = await makeService()
    await s.sendGroupMessages(ctx, [groupMessage(g1, 1), groupMessage(g1, 2, 32, 3)])
    const [a, b] = await s.getNewestGroupMessage(ctx, [g1, g2], false)
    expect(a?.id).toBe(2)
    expect(a?.isCommit).toBe(true)
    expect(a?.data).toHaveLength(0)
    expect(b).toBeUndefined()
    const [c] = await s.getNewestGroupMessage(ctx, [g1], true)
    expect(c?.data.length).toBeGreaterThan(0)
    expect(await codeOf(s.getNewestGroupMessage(ctx, [], false))).toBe('Node::InvalidArgument')
  })
})

describe('welcomes', () => {
  const key = new Uint8Array(32).fill(7)
  const v1 = (data: number, wrapperAlgorithm: number, hpke = new Uint8Array([1])) => ({
    kind: 'v1' as const,
    installationKey: key,
    data: new Uint8Array([data]),
    hpkePublicKey: hpke,
    wrapperAlgorithm,
    welcomeMetadata: new Uint8Array([9]),
  })
  const pointer = (wrapperAlgorithm: number) => ({
    kind: 'pointer' as const,
    installationKey: key,
    welcomePointer: new Uint8Array([5, 5]),
    hpkePublicKey: new Uint8Array([1]),
    wrapperAlgorithm,
  })

  it('accepts every WelcomeMessageInput variant node-go accepts, and serves them back', async () => {
    const s = await makeService()
    await s.sendWelcomeMessages(ctx, [v1(1, 0), v1(2, 2), v1(3, 3, new Uint8Array()), pointer(2)])
    const page = await s.queryWelcomeMessages(ctx, key, { direction: 1, limit: 10, idCursor: 0 })
    expect(page.items.map((w) => [w.kind, w.wrapperAlgorithm])).toEqual([
      ['v1', 1],
      ['v1', 2],
      ['v1', 3],
      ['pointer', 2],
    ])
    const last = page.items[3] as WelcomeMessage
    expect(last.kind === 'pointer' && last.welcomePointer).toEqual(new Uint8Array([5, 5]))
  })

  it('rejects what node-go rejects', async () => {
    const s = await makeService()
    expect(await codeOf(s.sendWelcomeMessages(ctx, [v1(1, 1, new Uint8Array())]))).toBe(
      'Node::InvalidArgument',
    )
    expect(await codeOf(s.sendWelcomeMessages(ctx, [pointer(1)]))).toBe('Node::InvalidArgument')
    expect(await codeOf(s.sendWelcomeMessages(ctx, [pointer(0)]))).toBe('Node::InvalidArgument')
    expect(await codeOf(s.sendWelcomeMessages(ctx, [{ ...v1(1, 1), data: new Uint8Array() }]))).toBe(
      'Node::InvalidArgument',
    )
    expect(await codeOf(s.sendWelcomeMessages(ctx, []))).toBe('Node::InvalidArgument')
    expect((await s.queryWelcomeMessages(ctx, key, undefined)).items).toHaveLength(0)
  })
})

describe('key packages', () => {
  it('validates the official SDK key package, keeps the latest per installation, aligns fetches', async () => {
    const s = await makeService()
    const kp = sdkVector('key-package.bin')
    const installationKey = await s.uploadKeyPackage(ctx, kp)
    expect(installationKey).toHaveLength(32)
    const [found, missing] = await s.fetchKeyPackages(ctx, [installationKey, new Uint8Array(32)])
    expect(found).toEqual(kp)
    expect(missing).toHaveLength(0)
  })

  it('refuses garbage and tampered key packages', async () => {
    const s = await makeService()
    expect(await codeOf(s.uploadKeyPackage(ctx, new Uint8Array([0, 1, 0, 3, 9])))).toBe(
      'Node::InvalidKeyPackage',
    )
    const kp = sdkVector('key-package.bin')
    kp[kp.length - 5] = (kp[kp.length - 5] as number) ^ 1
    expect(await codeOf(s.uploadKeyPackage(ctx, kp))).toBe('Node::InvalidKeyPackage')
    expect(await codeOf(s.uploadKeyPackage(ctx, undefined))).toBe('Node::InvalidArgument')
  })

  it('refuses the official key package outside its lifetime', async () => {
    const s = await makeService({
      keyPackageValidator: mlsKeyPackageValidator({ nowSeconds: () => 1_900_000_000n }),
    })
    expect(await codeOf(s.uploadKeyPackage(ctx, sdkVector('key-package.bin')))).toBe(
      'Node::InvalidKeyPackage',
    )
  })
})

describe('commit log', () => {
  it('publishes 1..10 and queries 1..20, ascending only', async () => {
    const s = await makeService()
    const entry = (n: number) => ({
      groupId: g1,
      serializedCommitLogEntry: new Uint8Array([n]),
      serializedSignature: new Uint8Array([n, n]),
    })
    await s.batchPublishCommitLog(ctx, [entry(1), entry(2)])
    expect(
      await codeOf(
        s.batchPublishCommitLog(
          ctx,
          Array.from({ length: 11 }, (_, i) => entry(i)),
        ),
      ),
    ).toBe('Node::BatchTooLarge')
    expect(await codeOf(s.batchPublishCommitLog(ctx, [{ ...entry(1), groupId: new Uint8Array() }]))).toBe(
      'Node::InvalidArgument',
    )
    const [r] = await s.batchQueryCommitLog(ctx, [
      { groupId: g1, pagingInfo: { direction: 0, limit: 1, idCursor: 0 } },
    ])
    expect(r?.entries.map((e) => e.sequenceId)).toEqual([1])
    expect(r?.pagingInfo.idCursor).toBe(1)
    const queries = Array.from({ length: 21 }, () => ({ groupId: g1, pagingInfo: undefined }))
    expect(await codeOf(s.batchQueryCommitLog(ctx, queries))).toBe('Node::BatchTooLarge')
    expect(
      await codeOf(
        s.batchQueryCommitLog(ctx, [{ groupId: g1, pagingInfo: { direction: 2, limit: 0, idCursor: 0 } }]),
      ),
    ).toBe('Node::InvalidArgument')
  })
})

describe('identity', () => {
  const inbox = 'ab'.repeat(32)
  const addr = '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a'

  it('appends validated updates, indexes addresses, serves updates after a sequence id', async () => {
    const s = await makeService()
    await s.publishIdentityUpdate(ctx, inbox, jsonUpdate({ add: [addr] }))
    await s.publishIdentityUpdate(ctx, inbox, jsonUpdate({ n: 2 }))
    expect(await s.getInboxIds(ctx, [{ identifier: addr, identifierKind: 1 }])).toEqual([
      { identifier: addr, inboxId: inbox },
    ])
    const [r] = await s.getIdentityUpdates(ctx, [{ inboxId: inbox, sequenceId: 1 }])
    expect(r?.updates.map((u) => u.sequenceId)).toEqual([2])
    expect(await codeOf(s.publishIdentityUpdate(ctx, inbox, jsonUpdate({ valid: false })))).toBe(
      'Node::InvalidIdentityUpdate',
    )
    expect(await codeOf(s.publishIdentityUpdate(ctx, 'not-hex', jsonUpdate({})))).toBe(
      'Node::InvalidArgument',
    )
  })

  it('caps an inbox log at 256 updates', async () => {
    const s = await makeService()
    for (let i = 0; i < 256; i++) await s.publishIdentityUpdate(ctx, inbox, jsonUpdate({ n: i }))
    expect(await codeOf(s.publishIdentityUpdate(ctx, inbox, jsonUpdate({ n: 999 })))).toBe(
      'Node::InboxLogFull',
    )
  })
})

describe('rate limits', () => {
  it('uses node-go buckets: 3,000 publishes at once, then 600 per minute', async () => {
    let now = 0
    const s = await makeService({ rateLimits: upstreamRateLimits, now: () => now })
    for (let i = 0; i < 3; i++) {
      await s.sendGroupMessages(
        ctx,
        Array.from({ length: 1000 }, (_, j) => groupMessage(g1, i * 1000 + j)),
      )
    }
    expect(await codeOf(s.sendGroupMessages(ctx, [groupMessage(g1, 99_999)]))).toBe('Node::RateLimited')
    // Another client has its own bucket.
    await s.sendGroupMessages({ client: '10.0.0.2' }, [groupMessage(g1, 99_999)])
    now += 1000
    await s.sendGroupMessages(
      ctx,
      Array.from({ length: 10 }, (_, i) => groupMessage(g2, i)),
    )
    expect(await codeOf(s.sendGroupMessages(ctx, [groupMessage(g2, 50)]))).toBe('Node::RateLimited')
    // Reads use the other bucket.
    await s.queryGroupMessages(ctx, g1, undefined)
  })
})

describe('subscriptions', () => {
  it('replays after the cursor then goes live with no gap and no duplicate while publishes race', async () => {
    const s = await makeService()
    for (let i = 0; i < 150; i++) await s.sendGroupMessages(ctx, [groupMessage(g1, i)])
    const sink = new ArraySink<GroupMessage>()
    const racing = (async () => {
      for (let i = 150; i < 300; i++)
        await s.sendGroupMessages(ctx, [groupMessage(g1, i), groupMessage(g2, i)])
    })()
    const handle = s.subscribeGroupMessages(ctx, [{ groupId: g1, idCursor: 10 }], sink)
    await racing
    await handle.live
    await s.sendGroupMessages(ctx, [groupMessage(g1, 1000)])
    const ids = sink.items.map((m) => m.id)
    const expected = (await s.queryGroupMessages(ctx, g1, { direction: 1, limit: 100, idCursor: 10 })).items
    expect(ids.slice(0, 100)).toEqual(expected.map((m) => m.id))
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(sink.items.every((m) => m.groupId.every((b) => b === 1))).toBe(true)
    expect(ids).toHaveLength(300 - 10 + 1)
    handle.cancel()
    expect(s.openStreams).toBe(0)
  })

  it('resumes from the newest message with no history read, and with no gap while publishes race', async () => {
    const s = await makeService()
    for (let i = 0; i < 5; i++) await s.sendGroupMessages(ctx, [groupMessage(g1, i)])
    const newest = (await s.getNewestGroupMessage(ctx, [g1], false))[0]?.id as number
    const sink = new ArraySink<GroupMessage>()
    const racing = (async () => {
      for (let i = 5; i < 60; i++) await s.sendGroupMessages(ctx, [groupMessage(g1, i)])
    })()
    const handle = s.subscribeGroupMessages(ctx, [{ groupId: g1, idCursor: newest }], sink)
    await racing
    await handle.live
    const all = (await s.queryGroupMessages(ctx, g1, { direction: 1, limit: 100, idCursor: newest })).items
    expect(all).toHaveLength(55)
    expect(sink.items.map((m) => m.id)).toEqual(all.map((m) => m.id))
    handle.cancel()
  })

  it('reads the history of a group written before its newest id was kept (layout 1)', async () => {
    const s = await makeService()
    for (let i = 0; i < 5; i++) await s.sendGroupMessages(ctx, [groupMessage(g1, i)])
    await s.store.db.del(new Uint8Array([Tag.NewestGroupMessage, 0, g1.length, ...g1]))
    const sink = new ArraySink<GroupMessage>()
    const handle = s.subscribeGroupMessages(ctx, [{ groupId: g1, idCursor: 2 }], sink)
    await handle.live
    expect(sink.items.map((m) => m.id)).toEqual([3, 4, 5])
    handle.cancel()
  })

  it('cuts a reader that stops reading with Node::SlowReader and keeps serving others', async () => {
    const s = await makeService({ limits: { maxStreamQueue: 16 } })
    const slow = new ArraySink<GroupMessage>()
    slow.paused = true
    const ok = new ArraySink<GroupMessage>()
    const h1 = s.subscribeGroupMessages(ctx, [{ groupId: g1, idCursor: 0 }], slow)
    const h2 = s.subscribeGroupMessages(ctx, [{ groupId: g1, idCursor: 0 }], ok)
    await Promise.all([h1.live, h2.live])
    for (let i = 0; i < 40; i++) await s.sendGroupMessages(ctx, [groupMessage(g1, i)])
    expect(slow.ended).toBeInstanceOf(NodeError)
    expect((slow.ended as NodeError).code).toBe('Node::SlowReader')
    expect(ok.items).toHaveLength(40)
    expect(ok.ended).toBeUndefined()
    expect(s.openStreams).toBe(1)
  })

  it('welcome streams need a filter with an installation key; stop() ends streams as shutting down', async () => {
    const s = await makeService()
    const sink = new ArraySink<WelcomeMessage>()
    expect(await codeOf(() => s.subscribeWelcomeMessages(ctx, [], sink))).toBe('Node::InvalidArgument')
    const h = s.subscribeWelcomeMessages(ctx, [{ installationKey: g1, idCursor: 0 }], sink)
    await h.live
    s.stop()
    expect((sink.ended as NodeError).code).toBe('Node::ShuttingDown')
    expect(await codeOf(s.queryGroupMessages(ctx, g1, undefined))).toBe('Node::ShuttingDown')
  })
})
