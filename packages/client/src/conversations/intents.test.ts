/**
 * Crash safety of commits (mls-groups.md §8.1-§8.4) on a real node-lite: Alice's store is a classic-level
 * database on disk; a hook in the intent loop throws at a step (as if the process died there), Alice's client
 * is closed and opened again from the same directory, and every member must end on the same epoch, the same
 * members and the same epoch secret, with messages flowing. Also commits racing for one epoch.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { toHex } from '@xmtp-lite/common'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type ClientHooks } from '../client.ts'
import type { Conversation, IntentStep } from './conversation.ts'

let node: RunningNode
let dir: string
const encryptionKey = new Uint8Array(32).fill(4)
const aliceSigner = createWalletSigner(new Uint8Array(32).fill(61))
const others: Client[] = []
let alice: Client
let bob: Client
let hook: NonNullable<ClientHooks['onIntentStep']> | undefined

class Crash extends Error {}

function url(): string {
  return `http://127.0.0.1:${node.grpcPort}`
}

function openAlice(): Promise<Client> {
  return Client.create(aliceSigner, {
    apiUrl: url(),
    db: new ClassicLevel(dir),
    encryptionKey,
    hooks: { onIntentStep: (step, at) => hook?.(step, at) },
  })
}

async function newClient(seed: number): Promise<Client> {
  const client = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
    apiUrl: url(),
    db: new MemoryLevel(),
    encryptionKey,
  })
  others.push(client)
  return client
}

/** Runs `action` on Alice with a crash at `step`, then opens Alice again from her directory. */
async function crashAt(
  step: IntentStep,
  action: (c: Client) => Promise<unknown>,
  before?: () => Promise<void>,
) {
  let crashed = false
  hook = async (s) => {
    if (s === 'staged' && before !== undefined) await before()
    if (s === step && !crashed) {
      crashed = true
      throw new Crash(`killed at ${step}`)
    }
  }
  await expect(action(alice)).rejects.toBeInstanceOf(Crash)
  hook = undefined
  await alice.close()
  alice = await openAlice()
}

async function view(client: Client, id: string): Promise<Conversation> {
  await client.conversations.syncWelcomes()
  const conversation = await client.conversations.get(id)
  if (conversation === undefined) throw new Error(`${client.inboxId} does not have ${id}`)
  await conversation.sync()
  return conversation
}

/** Every client's view of the group: same epoch, members, epoch secret and name; messages flow both ways. */
async function expectConverged(id: string, clients: readonly Client[]): Promise<void> {
  const views = []
  for (const c of clients) views.push(await view(c, id))
  for (const c of views) await c.sync()
  const [first, ...rest] = views
  if (first === undefined) throw new Error('no views')
  const secret = async (c: Conversation) =>
    toHex(await c.mlsGroup.exportSecret('converged', new Uint8Array(), 16))
  for (const c of rest) {
    expect(c.epoch).toBe(first.epoch)
    expect(c.members()).toEqual(first.members())
    expect(c.name).toBe(first.name)
    expect(await secret(c)).toBe(await secret(first))
  }
  const text = `check ${first.epoch} ${Math.random()}`
  await first.sendText(text)
  const last = views[views.length - 1] as Conversation
  await last.sendText(`${text} back`)
  for (const c of views) {
    await c.sync()
    const texts = (await c.messages()).filter((m) => m.kind === 'application').map((m) => m.content)
    expect(texts.slice(-2)).toEqual([text, `${text} back`])
  }
}

async function aliceGroup(id: string): Promise<Conversation> {
  const c = await alice.conversations.get(id)
  if (c === undefined) throw new Error('alice lost the group')
  return c
}

let groupId = ''

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
  dir = mkdtempSync(join(tmpdir(), 'xmtp-lite-intents-'))
  alice = await openAlice()
  bob = await newClient(62)
  groupId = (await alice.conversations.newGroup([bob.inboxId], { name: 'start' })).id
})

afterAll(async () => {
  await alice?.close()
  for (const c of others) await c.close()
  await node?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a client killed inside an intent restarts and converges', () => {
  it('after storing the staged commit, before publishing it: published on restart', async () => {
    const epoch = (await view(bob, groupId)).epoch
    await crashAt('staged', async (c) => (await c.conversations.get(groupId))?.updateName('renamed'))
    // Nothing reached the node.
    expect((await view(bob, groupId)).epoch).toBe(epoch)
    const open = await (await aliceGroup(groupId)).intents()
    expect(open.filter((i) => i.state === 'Published')).toHaveLength(1)
    await alice.conversations.syncAll()
    expect((await view(bob, groupId)).name).toBe('renamed')
    expect((await view(bob, groupId)).epoch).toBe(epoch + 1n)
    expect((await (await aliceGroup(groupId)).intents()).every((i) => i.state === 'Processed')).toBe(true)
    await expectConverged(groupId, [alice, bob])
  })

  it('after publishing, before reading the commit back: merged from the stored state on restart', async () => {
    const carol = await newClient(63)
    await crashAt('published', async (c) => (await c.conversations.get(groupId))?.addMembers([carol.inboxId]))
    // Bob already merged Alice's commit; Alice has it only on disk, staged.
    const bobView = await view(bob, groupId)
    expect(bobView.members().map((m) => m.inboxId)).toContain(carol.inboxId)
    expect((await aliceGroup(groupId)).epoch).toBe(bobView.epoch - 1n)
    await alice.conversations.syncAll()
    expect((await aliceGroup(groupId)).epoch).toBe(bobView.epoch)
    // The welcome went out after the restart: Carol joins.
    expect((await carol.conversations.syncWelcomes()).map((c) => c.id)).toEqual([groupId])
    await expectConverged(groupId, [alice, bob, carol])
  })

  it('after merging, before sending the welcomes: the welcomes go out on restart', async () => {
    const dave = await newClient(64)
    await crashAt('committed', async (c) => (await c.conversations.get(groupId))?.addMembers([dave.inboxId]))
    expect(await dave.conversations.syncWelcomes()).toEqual([])
    const committed = (await (await aliceGroup(groupId)).intents()).filter((i) => i.state === 'Committed')
    expect(committed).toHaveLength(1)
    await alice.conversations.syncAll()
    expect((await dave.conversations.syncWelcomes()).map((c) => c.id)).toEqual([groupId])
    await expectConverged(groupId, [alice, bob, dave, ...others.slice(1, 2)])
  })

  it('after publishing a commit that lost the epoch race: rebuilt and republished on restart', async () => {
    const epoch = (await view(bob, groupId)).epoch
    await crashAt(
      'published',
      async (c) => (await c.conversations.get(groupId))?.updateName('alice wins later'),
      // Bob's commit reaches the node between Alice building hers and publishing it.
      async () => (await view(bob, groupId)).updateName('bob first'),
    )
    expect((await view(bob, groupId)).name).toBe('bob first')
    await alice.conversations.syncAll()
    const group = await aliceGroup(groupId)
    expect(group.name).toBe('alice wins later')
    expect(group.epoch).toBe(epoch + 2n)
    const last = (await group.intents()).at(-1)
    expect(last?.state).toBe('Processed')
    expect(last?.attempts).toBe(2)
    await expectConverged(groupId, [alice, bob, ...others.slice(1)])
  })
})

describe('a client process killed with SIGKILL', () => {
  for (const step of ['staged', 'published'] as const) {
    it(`at "${step}" restarts from its directory and converges`, async () => {
      await alice.close()
      const child = spawn(
        process.execPath,
        [
          '--conditions=@xmtp-lite/source',
          '--import',
          'tsx',
          fileURLToPath(new URL('../../test/crash/child.ts', import.meta.url)),
          url(),
          dir,
          '61',
          groupId,
          step,
          `named by a killed process at ${step}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      )
      let stderr = ''
      child.stderr.on('data', (chunk) => {
        stderr += chunk
      })
      const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)))
      expect(signal, stderr).toBe('SIGKILL')
      alice = await openAlice()
      await alice.conversations.syncAll()
      expect((await aliceGroup(groupId)).name).toBe(`named by a killed process at ${step}`)
      expect((await view(bob, groupId)).name).toBe(`named by a killed process at ${step}`)
      expect((await (await aliceGroup(groupId)).intents()).at(-1)?.state).toBe('Processed')
      await expectConverged(groupId, [alice, bob, ...others.slice(1)])
    }, 60_000)
  }
})

describe('commits racing for one epoch', () => {
  it('two members committing at once converge, both changes applied', async () => {
    const a = await aliceGroup(groupId)
    const b = await view(bob, groupId)
    const epoch = b.epoch
    // Forced race: Bob publishes while Alice's commit is built on the same epoch and not yet sent.
    hook = async (step) => {
      if (step === 'staged') {
        hook = undefined
        await b.updateDescription('from bob')
      }
    }
    await a.updateImageUrl('https://example.com/alice.png')
    expect(a.epoch).toBe(epoch + 2n)
    // And an unforced one.
    await Promise.all([a.updateName('concurrent a'), b.updateDescription('concurrent b')])
    await expectConverged(groupId, [alice, bob, ...others.slice(1)])
    const final = await view(bob, groupId)
    expect(final.imageUrl).toBe('https://example.com/alice.png')
    expect(final.description).toBe('concurrent b')
    expect(final.name).toBe('concurrent a')
  })

  it('gives up after 3 lost races with Client::CommitFailed and stays converged', async () => {
    const a = await aliceGroup(groupId)
    const b = await view(bob, groupId)
    hook = async (step) => {
      if (step === 'staged') await b.updateKeys()
    }
    const error = await a.updateName('never').catch((e) => e)
    hook = undefined
    expect(error.code).toBe('Client::CommitFailed')
    const last = (await a.intents()).at(-1)
    expect(last?.state).toBe('Error')
    expect(last?.attempts).toBe(3)
    await expectConverged(groupId, [alice, bob, ...others.slice(1)])
    expect(a.name).toBe('concurrent a')
  })
})
