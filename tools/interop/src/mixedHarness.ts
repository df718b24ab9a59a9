/**
 * What the mixed-group tests (issue 9) share: one node-lite on localhost:5556, official-SDK drivers, our
 * clients, and the convergence check. libxmtp refuses a bad commit with one log line and carries on
 * (ts-mls-libxmtp-interop.md, "Silent forks"), so every step of a mixed test ends with
 * {@link expectConverged}: same epoch, members, name, description and admin lists on every side, and no
 * refusal in libxmtp's log. Each file declares its cast ({@link useCast}: who is in it, started before the
 * file's tests and closed after them). Test support only: not exported from the package index.
 * @module
 */
import { Client, type Conversation, type DecodedMessage, type NewGroupOptions } from '@xmtp-lite/client'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, expect } from 'vitest'
import { SdkDriver, type SdkGroupState, type SdkMessage } from './driver.ts'

/** The official SDK resolves inboxes on this port whatever its `apiUrl` (interop.md). */
export const sdkPort = 5556

/** libxmtp's log line when it refuses a message it read (it carries on as if nothing happened). */
const refusal = /Transaction failed|may be forked|InsufficientPermissions/
/**
 * Not a refusal: a commit made on an epoch the group had already left (an epoch race; every member drops
 * it and its author rebuilds it, mls-groups.md §8.4). libxmtp publishes before it reads (§8.2), so an
 * installation that has not synced for a while loses such races routinely. Forks still show in the epochs.
 */
const lostRace = /Message epoch differs from the group's epoch/

/** One official client: the driver process holding it and its name there. */
export interface SdkSide {
  readonly driver: SdkDriver
  readonly name: string
  readonly inboxId: string
  readonly installationId: string
}

/** Starts node-lite on port 5556 (memory storage, no rate limits). */
export function startSdkNode(): Promise<RunningNode> {
  return startNode({ memory: true, grpcPort: sdkPort, httpPort: false, rateLimits: false })
}

/**
 * Starts a driver with libxmtp's log at Info, so {@link expectConverged} can see refusals. Set
 * `XMTP_SDK_LOG_ECHO=1` to print the log too.
 */
export function startSdk(): Promise<SdkDriver> {
  return SdkDriver.start({ env: { XMTP_SDK_LOG: process.env.XMTP_SDK_LOG ?? 'Info' } })
}

/** Registers an official client in `driver`. `key` is a 32-byte private key as 64 hex digits. */
export async function officialClient(driver: SdkDriver, name: string, key: string): Promise<SdkSide> {
  const info = await driver.createClient(name, `0x${key}`)
  return { driver, name, inboxId: info.inboxId, installationId: info.installationId }
}

/** A client of ours on the node at 5556 (memory store), for a wallet seeded with `seed`. */
export function ourClient(seed: number, walletKey?: Uint8Array): Promise<Client> {
  return Client.create(createWalletSigner(walletKey ?? new Uint8Array(32).fill(seed)), {
    apiUrl: `http://127.0.0.1:${sdkPort}`,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(seed),
  })
}

/** What a file's cast is built from: node-lite on 5556, one driver, and makers whose clients close with it. */
export interface CastStage {
  readonly node: RunningNode
  readonly sdk: SdkDriver
  /** Registers an official client in the stage's driver ({@link officialClient}). */
  official(name: string, key: string): Promise<SdkSide>
  /** A client of ours on the node ({@link ourClient}), closed with the cast. */
  ours(seed: number, walletKey?: Uint8Array): Promise<Client>
  /** Closes `resource` with the cast (before anything opened earlier); returns it. */
  closes<R extends Closable>(resource: R): R
}

interface Closable {
  close(): Promise<void>
}

/** A started cast: what its build returned, with the node, the driver, and `close` for all of it. */
export type Cast<T extends object> = T & {
  readonly node: RunningNode
  readonly sdk: SdkDriver
  /** Closes what the cast opened, last opened first. */
  close(): Promise<void>
}

/**
 * Starts node-lite on 5556 and a driver, then runs `build` on them. If anything fails on the way, what was
 * already opened is closed before the error is thrown on.
 */
export async function startCast<T extends object>(build: (stage: CastStage) => Promise<T>): Promise<Cast<T>> {
  const opened: Closable[] = []
  const closes = <R extends Closable>(resource: R): R => {
    opened.push(resource)
    return resource
  }
  const close = async () => {
    for (let o = opened.pop(); o !== undefined; o = opened.pop()) await o.close()
  }
  try {
    const node = closes(await startSdkNode())
    const sdk = closes(await startSdk())
    const built = await build({
      node,
      sdk,
      official: (name, key) => officialClient(sdk, name, key),
      ours: async (seed, walletKey) => closes(await ourClient(seed, walletKey)),
      closes,
    })
    return { ...built, node, sdk, close }
  } catch (error) {
    await close()
    throw error
  }
}

/**
 * The cast of one test file: started before its tests (vitest `beforeAll`) and closed after them
 * (`afterAll`). The returned object reads the started cast's fields; reading one before the start throws.
 */
export function useCast<T extends object>(build: (stage: CastStage) => Promise<T>): Cast<T> {
  let started: Cast<T> | undefined
  beforeAll(async () => {
    started = await startCast(build)
  })
  afterAll(() => started?.close())
  return new Proxy({} as Cast<T>, {
    get(_, field) {
      if (started === undefined) throw new Error(`the cast is not started (read of ${String(field)})`)
      return Reflect.get(started, field)
    },
  })
}

/** One official inbox and one of ours (mixed, mixedContent). */
export async function oneByOne(stage: CastStage): Promise<{ official: SdkSide; ours: Client }> {
  const official = await stage.official('official', '44'.repeat(32))
  const ours = await stage.ours(0x55)
  return { official, ours }
}

/** Two official inboxes and two of ours (mixedAdmin, mixedLeave, mixedMembership). */
export async function twoByTwo(
  stage: CastStage,
): Promise<{ official: SdkSide; official2: SdkSide; ours: Client; ours2: Client }> {
  const official = await stage.official('official', '44'.repeat(32))
  const official2 = await stage.official('official2', '66'.repeat(32))
  const ours = await stage.ours(0x55)
  const ours2 = await stage.ours(0x77)
  return { official, official2, ours, ours2 }
}

/** The cast of {@link twoByTwo}, started. */
export type TwoByTwo = Cast<Awaited<ReturnType<typeof twoByTwo>>>

/**
 * Our first client creates a group of the whole two-by-two cast; both official clients sync and our second
 * client joins from its welcome. Returns our two handles on the group.
 */
export async function groupOfFour(
  cast: TwoByTwo,
  options: NewGroupOptions,
): Promise<{ group: Conversation; ours2Group: Conversation }> {
  const group = await cast.ours.conversations.newGroup(
    [cast.official.inboxId, cast.official2.inboxId, cast.ours2.inboxId],
    options,
  )
  await cast.sdk.call('sync', { name: cast.official.name })
  await cast.sdk.call('sync', { name: cast.official2.name })
  const [ours2Group] = await cast.ours2.conversations.syncWelcomes()
  if (ours2Group === undefined) throw new Error('no welcome for ours2')
  return { group, ours2Group }
}

/** Text contents of the official SDK's messages. */
export const sdkTexts = (messages: readonly SdkMessage[]) =>
  messages.filter((m) => m.contentType === 'xmtp.org/text:1.0').map((m) => m.content)

/** Text contents of our application messages. */
export const ourTexts = (messages: readonly DecodedMessage[]) =>
  messages.filter((m) => m.kind === 'application').map((m) => m.content)

/** The official side's group state (after a sync). */
export function sdkGroupState(side: SdkSide, groupId: string): Promise<SdkGroupState> {
  return side.driver.call('groupState', { name: side.name, conversationId: groupId })
}

/** Whether the official client is still in the group (after a sync). */
export async function sdkIsActive(side: SdkSide, groupId: string): Promise<boolean> {
  const info = await side.driver.call<{ isActive: boolean }>('conversationInfo', {
    name: side.name,
    conversationId: groupId,
  })
  return info.isActive
}

/** Our conversation and the official state agree on epoch, members, metadata and admin lists. */
export function expectSameGroup(conversation: Conversation, sdkState: SdkGroupState): void {
  expect(sdkState.maybeForked).toBe(false)
  expect({
    epoch: BigInt(sdkState.epoch),
    name: sdkState.name ?? '',
    description: sdkState.description ?? '',
    members: sdkState.members.map((m) => ({ inboxId: m.inboxId, installationIds: [...m.installationIds] })),
    admins: [...sdkState.admins],
    superAdmins: [...sdkState.superAdmins],
  }).toEqual({
    epoch: conversation.epoch,
    name: conversation.name,
    description: conversation.description,
    members: conversation.members().map((m) => ({
      inboxId: m.inboxId,
      installationIds: [...m.installationIds],
    })),
    admins: [...conversation.admins].sort(),
    superAdmins: [...conversation.superAdmins].sort(),
  })
}

/** Fails when a driver's libxmtp logged a refused message since the last check. */
export function expectNoRefusals(drivers: Iterable<SdkDriver>): void {
  for (const driver of new Set(drivers)) {
    const refused = driver.takeLogs().filter((line) => refusal.test(line) && !lostRace.test(line))
    expect(refused).toEqual([])
  }
}

/**
 * Syncs every side, then checks they all hold the same group state and that no libxmtp refused anything
 * since the last check (`allowRefusals`: a test that provokes refusals; the log is drained anyway).
 * Returns the official view.
 */
export async function expectConverged(
  groupId: string,
  ourSides: readonly Conversation[],
  sdkSides: readonly SdkSide[],
  options: { readonly allowRefusals?: boolean } = {},
): Promise<SdkGroupState> {
  for (const c of ourSides) await c.sync()
  const states: SdkGroupState[] = []
  for (const side of sdkSides) states.push(await sdkGroupState(side, groupId))
  const reference = states[0]
  if (reference === undefined) throw new Error('expectConverged needs an official-SDK side')
  for (const state of states) {
    expect({ epoch: state.epoch, members: state.members, name: state.name }).toEqual({
      epoch: reference.epoch,
      members: reference.members,
      name: reference.name,
    })
    expect(state.admins).toEqual(reference.admins)
    expect(state.superAdmins).toEqual(reference.superAdmins)
  }
  for (const c of ourSides) expectSameGroup(c, reference)
  if (options.allowRefusals !== true) expectNoRefusals(sdkSides.map((s) => s.driver))
  else for (const driver of new Set(sdkSides.map((s) => s.driver))) driver.takeLogs()
  return reference
}
