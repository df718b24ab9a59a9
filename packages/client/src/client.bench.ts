/**
 * Client figures of issue 7, each beside a baseline measured in the same run on the same node:
 * 1. send to another client's stream (p50/p95/p99 over 300 rounds, receiver streaming, then both ends
 *    streaming), beside the node's own publish-to-subscriber delivery measured in turns with them;
 * 2. a group of GROUP_SIZE (250) members created end to end (create + one add commit + welcomes), GROUP_ROUNDS
 *    (3) times by one creator (the first with the members' identities not yet verified), in phases, each beside
 *    the MLS floor (the same group and add commit built in memory, no network, no identity checks);
 * 3. a client holding CONVERSATIONS (1,000) conversations, on classic-level on disk:
 *    - syncAll over them all idle, beside the one GetNewestGroupMessage round trip it cannot avoid;
 *    - a cold start from that database, beside opening the encrypted store alone;
 *    - its resident memory, measured in a child process (bundled to plain JavaScript by esbuild) that holds
 *      nothing else, beside the same child with the modules loaded and the store opened but no client.
 *
 * How the 1,000 conversations are built: four creator inboxes make groups with the holder in them, in
 * parallel (each group: create, one add commit, one welcome, the real client path); the holder then joins
 * them all from their welcomes. Groups rather than DMs because one DM per pair would need 1,000 peer inboxes.
 */

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { printResult, summarize } from '@xmtp-lite/bench'
import { createWalletSigner } from '@xmtp-lite/identity'
import {
  buildGroupContextExtensions,
  buildGroupMetadata,
  buildMutableMetadata,
  ConversationType,
  defaultPolicySet,
  MlsGroup,
} from '@xmtp-lite/mls'
import { startNode } from '@xmtp-lite/node-lite'
import { ClassicLevel } from 'classic-level'
import { build } from 'esbuild'
import { MemoryLevel } from 'memory-level'
import { walletKey } from '../test/bench/wallets.ts'
import { Client } from './client.ts'
import type { IntentStep } from './conversations/conversation.ts'
import type { LevelDatabase } from './storage/store.ts'
import { EncryptedStore } from './storage/store.ts'

const node = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
const apiUrl = `http://127.0.0.1:${node.grpcPort}`
const encryptionKey = new Uint8Array(32).fill(3)
const make = (seed: number, db: LevelDatabase = new MemoryLevel<string, Uint8Array>()) =>
  Client.create(createWalletSigner(walletKey(seed)), { apiUrl, db, encryptionKey })
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}× the baseline`
const only = process.env.BENCH_ONLY?.split(',')
const runs = (part: string) => only === undefined || only.includes(part)

// 1. Send to another client's stream, in blocks of 50 rounds taking turns (so the machine's load, shared
// with others, weighs on each about the same):
//    - raw: the node alone, MLS-framed bytes made beforehand published to a subscription open on their topic;
//    - to a stream: alice sends, bob's streamAllMessages yields it (alice does not stream);
//    - both streaming: the same while alice streams the conversation too (a chat app), so her sends skip
//      the sync a stream keeps current.
// Each client round records when bob's stream yielded the message (delivery) and when send() returned
// (it returns after reading the message back from the node, so it may come after the delivery).
const alice = await make(41)
const bob = await make(42)
const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}
const quantiles = (values: readonly number[]) =>
  `p50 ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms (${values.length} samples)`
const groupExtensions = (creator: Client) =>
  buildGroupContextExtensions({
    metadata: buildGroupMetadata({
      conversationType: ConversationType.Group,
      creatorInboxId: creator.inboxId,
    }),
    mutableMetadata: buildMutableMetadata({
      conversationType: ConversationType.Group,
      creatorInboxId: creator.inboxId,
    }),
    membership: { members: new Map([[creator.inboxId, 1n]]), failedInstallations: [] },
    policies: defaultPolicySet(),
  })
if (runs('stream')) {
  const rounds = Math.max(50, Number(process.env.ROUNDS ?? 300))
  const block = 50
  const load = loadavg()
  const group = await alice.conversations.newGroup([bob.inboxId])
  const stream = bob.conversations.streamAllMessages()
  await stream.ready
  const iterator = stream[Symbol.asyncIterator]()
  const toStream = { delivered: [] as number[], returned: [] as number[] }
  const bothStreaming = { delivered: [] as number[], returned: [] as number[] }
  let sent = 0
  const clientRound = async (into: typeof toStream) => {
    const text = `m${sent++}`
    const t0 = performance.now()
    const sending = group.sendText(text).then(() => performance.now() - t0)
    for (;;) {
      const next = await iterator.next()
      if (next.done === true) throw new Error('the stream ended')
      if (next.value.kind === 'application' && next.value.content === text) break
    }
    into.delivered.push(performance.now() - t0)
    into.returned.push(await sending)
  }

  // The raw baseline's own topic: a group made in memory (never created on the node, which only reads the
  // framing), its messages encrypted before the clock starts.
  const rawGroup = await MlsGroup.create({
    identity: { inboxId: alice.inboxId, installationPrivateKey: alice.installationPrivateKey },
    extensions: groupExtensions(alice),
  })
  const rawMessages: Uint8Array[] = []
  for (let i = 0; i < rounds; i++) {
    rawMessages.push((await rawGroup.sendMessage(new TextEncoder().encode(`raw${i}`), `raw${i}`)).message)
  }
  const rawArrived: (() => void)[] = []
  const rawCall = bob.api.subscribeGroupMessages([{ groupId: rawGroup.groupId, afterId: 0n }], {
    onMessage: () => rawArrived.shift()?.(),
    onError: (error) => {
      throw error ?? new Error('the raw subscription failed')
    },
    onEnd: () => {},
    onOpen: () => {},
  })
  const raw: number[] = []
  const rawRound = async (i: number) => {
    const t0 = performance.now()
    const arrived = new Promise<void>((resolve) => rawArrived.push(resolve))
    await alice.api.sendGroupMessages([{ data: rawMessages[i] as Uint8Array }])
    await arrived
    raw.push(performance.now() - t0)
  }

  for (let done = 0; done < rounds; done += block) {
    const n = Math.min(block, rounds - done)
    for (let i = 0; i < n; i++) await rawRound(done + i)
    for (let i = 0; i < n; i++) await clientRound(toStream)
    const own = alice.conversations.streamMessages(group)
    await own.ready
    for (let i = 0; i < n; i++) await clientRound(bothStreaming)
    own.close()
  }
  stream.close()
  rawCall.cancel()
  const p99 = (values: readonly number[]) => percentile(values, 99)
  console.log(
    `\n## send to another client's stream (gRPC, node-lite in memory, ${rounds} rounds each, blocks of ${block} taking turns; load average at start ${load.map((l) => l.toFixed(2)).join(' ')})`,
  )
  console.log(
    `  to a stream, delivered: ${quantiles(toStream.delivered)}; p99 ${(p99(toStream.delivered) / p99(raw)).toFixed(1)}× the baseline's`,
  )
  console.log(`  to a stream, send() returned: ${quantiles(toStream.returned)}`)
  console.log(
    `  both streaming, delivered: ${quantiles(bothStreaming.delivered)}; p99 ${(p99(bothStreaming.delivered) / p99(raw)).toFixed(1)}× the baseline's`,
  )
  console.log(`  both streaming, send() returned: ${quantiles(bothStreaming.returned)}`)
  console.log('  target (issue 7): delivered p99 <= 50 ms')
  console.log(`  baseline: the node alone, publish to a subscriber (no MLS, no client): ${quantiles(raw)}`)
}

// 2. A group created end to end, beside the MLS floor.
if (runs('group')) {
  const size = Number(process.env.GROUP_SIZE ?? 250)
  const groupRounds = Math.max(1, Number(process.env.GROUP_ROUNDS ?? 3))
  const members: Client[] = []
  for (let i = 0; i < size - 1; i++) members.push(await make(1000 + i))
  // A creator that has never seen the members: its first group verifies their 249 identity logs (cold);
  // the next ones find them verified (warm). The intent steps split each creation in phases.
  const steps = new Map<string, Partial<Record<IntentStep, number>>>()
  const creator = await Client.create(createWalletSigner(walletKey(47)), {
    apiUrl,
    db: new MemoryLevel<string, Uint8Array>(),
    encryptionKey,
    hooks: {
      onIntentStep: (step, at) => {
        const times = steps.get(at.conversationId) ?? {}
        times[step] ??= performance.now()
        steps.set(at.conversationId, times)
      },
    },
  })
  // The floor: the same extensions and one add commit of the same key packages, in memory only.
  const keyPackages = await creator.api.fetchKeyPackages(members.map((m) => m.installationKey))
  const extensions = groupExtensions(creator)
  const load = loadavg()
  const rows: { created: number; floor: number; phases: string }[] = []
  for (let round = 0; round < groupRounds; round++) {
    let t0 = performance.now()
    const floor = await MlsGroup.create({
      identity: { inboxId: creator.inboxId, installationPrivateKey: creator.installationPrivateKey },
      extensions,
    })
    await floor.commit({ add: keyPackages, now: Math.floor(Date.now() / 1000) })
    const mlsOnly = performance.now() - t0
    t0 = performance.now()
    const group = await creator.conversations.newGroup(members.map((m) => m.inboxId))
    const end = performance.now()
    if (group.members().length !== size) throw new Error(`the group has ${group.members().length} members`)
    const at = steps.get(group.id) ?? {}
    const span = (from: number | undefined, to: number | undefined) =>
      from === undefined || to === undefined ? '?' : (to - from).toFixed(0)
    rows.push({
      created: end - t0,
      floor: mlsOnly,
      phases: `to the staged commit (identities, key packages, MLS commit, §7.3 check, stored) ${span(t0, at.staged)} ms, published ${span(at.staged, at.published)} ms, read back and merged ${span(at.published, at.committed)} ms, ${size - 1} welcomes wrapped and sent ${span(at.committed, end)} ms`,
    })
  }
  console.log(
    `\n## group of ${size} members created end to end (create, add commit, ${size - 1} welcomes, gRPC, node-lite in memory; load average at start ${load.map((l) => l.toFixed(2)).join(' ')})`,
  )
  for (const [i, row] of rows.entries()) {
    console.log(
      `  ${i === 0 ? 'cold (identities not yet verified)' : 'warm'}: ${row.created.toFixed(0)} ms (${ratio(row.created, row.floor)}, the MLS floor just before it: ${row.floor.toFixed(0)} ms)\n    ${row.phases}`,
    )
  }
  console.log(
    '  target (issue 7) at 250 members: <= 2000 ms\n  baseline: the MLS floor (create + add commit in memory, no network, no identity checks), measured before each creation',
  )
  await creator.close()
  for (const m of members) await m.close()
}

// 3. A client holding many conversations.
if (runs('many')) {
  const count = Number(process.env.CONVERSATIONS ?? 1000)
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-lite-client-bench-'))
  const holderSeed = 43
  let holder = await make(holderSeed, new ClassicLevel<string, Uint8Array>(dir))
  const creators = [bob, await make(44), await make(45), await make(46)]
  let t0 = performance.now()
  await Promise.all(
    creators.map(async (creator, c) => {
      const share = Math.ceil(count / creators.length)
      for (let i = c * share; i < Math.min(count, (c + 1) * share); i++) {
        await creator.conversations.newGroup([holder.inboxId])
      }
    }),
  )
  const built = performance.now() - t0
  t0 = performance.now()
  const joined = await holder.conversations.syncWelcomes()
  const joinMs = performance.now() - t0
  if (joined.length !== count) throw new Error(`joined ${joined.length} of ${count}`)
  console.log(
    `\n## building ${count} conversations: ${(built / 1000).toFixed(1)} s to create them (4 creators in parallel, ${(built / count).toFixed(0)} ms each), ${(joinMs / 1000).toFixed(1)} s for the holder to join them from their welcomes (${(joinMs / count).toFixed(0)} ms each)`,
  )

  // syncAll over idle conversations, beside the one round trip it needs.
  const groupIds = (await holder.conversations.list()).map((c) => c.groupId)
  const syncAll: number[] = []
  const newest: number[] = []
  for (let i = 0; i < 15; i++) {
    t0 = performance.now()
    const result = await holder.conversations.syncAll()
    syncAll.push(performance.now() - t0)
    if (result.synced !== 0) throw new Error('the conversations were not idle')
    t0 = performance.now()
    await holder.api.newestGroupMessageIds(groupIds)
    newest.push(performance.now() - t0)
  }
  const s = summarize(`syncAll over ${count} idle conversations`, syncAll)
  const n = summarize(`GetNewestGroupMessage for ${count} groups`, newest)
  printResult(
    `syncAll over ${count} idle conversations (classic-level, gRPC)`,
    s,
    `target (issue 7): <= 1000 ms; ${ratio(s.p50Ms, n.p50Ms)} (p50)`,
  )
  printResult('baseline: the one GetNewestGroupMessage round trip syncAll makes', n)

  // Cold start from the database holding them.
  await holder.close()
  const cold: number[] = []
  const coldList: number[] = []
  const storeOnly: number[] = []
  for (let i = 0; i < 10; i++) {
    t0 = performance.now()
    holder = await make(holderSeed, new ClassicLevel<string, Uint8Array>(dir))
    cold.push(performance.now() - t0)
    await holder.conversations.list()
    coldList.push(performance.now() - t0)
    await holder.close()
    t0 = performance.now()
    const store = await EncryptedStore.open({ db: new ClassicLevel<string, Uint8Array>(dir), encryptionKey })
    storeOnly.push(performance.now() - t0)
    await store.close()
  }
  const c = summarize('cold start', cold)
  const o = summarize('store open', storeOnly)
  printResult(
    `cold client start from a database holding ${count} conversations (includes one GetIdentityUpdates)`,
    c,
    `target (issue 7): <= 300 ms; ${ratio(c.p50Ms, o.p50Ms)} (p50)`,
  )
  printResult(
    `the same, until list() has loaded all ${count} conversations`,
    summarize('cold start + list', coldList),
  )
  printResult('baseline: open the encrypted store (classic-level) alone', o)

  // Resident memory of a process holding the client and nothing else: the child is bundled to plain
  // JavaScript first (as an app ships it), so no TypeScript loader sits in its memory.
  const outDir = fileURLToPath(new URL('../node_modules/.cache/xmtp-lite-bench/', import.meta.url))
  const child = join(outDir, 'holdConversations.mjs')
  await build({
    entryPoints: [fileURLToPath(new URL('../test/bench/holdConversations.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@xmtp-lite/source'],
    // The native LevelDB binding loads from node_modules; everything else is in the bundle.
    external: ['classic-level'],
    // An alias: a bundled module that imports createRequire itself (replication/verifyPool.ts)
    // would otherwise collide with the banner's binding (SyntaxError at load).
    banner: {
      js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);",
    },
    outfile: child,
    logLevel: 'error',
  })
  const measureChild = (mode: string) =>
    new Promise<{ rssBytes: number; heapUsedBytes: number; conversations: number }>((resolve, reject) => {
      const p = spawn(process.execPath, ['--expose-gc', child, dir, apiUrl, `${holderSeed}`, mode], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let out = ''
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString()
      })
      p.on('error', reject)
      p.on('close', (code) => {
        if (code !== 0) reject(new Error(`child exited ${code}`))
        else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'))
      })
    })
  const base = await measureChild('baseline')
  const full = await measureChild('client')
  const mib = (b: number) => (b / 1024 / 1024).toFixed(1)
  console.log(
    `\n## resident memory of a process holding a client with ${full.conversations} conversations (all loaded and synced)\n  client: ${mib(full.rssBytes)} MiB RSS (heap ${mib(full.heapUsedBytes)} MiB); target (issue 7): <= 150 MiB\n  baseline: the same process with the modules loaded and the store opened, no client: ${mib(base.rssBytes)} MiB RSS (heap ${mib(base.heapUsedBytes)} MiB); the client adds ${mib(full.rssBytes - base.rssBytes)} MiB`,
  )
  for (const creator of creators.slice(1)) await creator.close()
  rmSync(dir, { recursive: true, force: true })
}

await alice.close()
await bob.close()
await node.close()
