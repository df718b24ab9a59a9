/**
 * One test per fix carried in `patches/ts-mls@1.6.4.patch` (facts: protocol/ts-mls-libxmtp-interop.md,
 * "the three fixes"; protocol/ts-mls-assessment.md §3 gaps a, b, c, f). Each test fails on unpatched ts-mls.
 * The speed fixes (leaf-hash reuse, no parent ratchets, one group-context and EncryptContext encoding per
 * path, integer and enum decoding) are checked against the computations they replace.
 */
import {
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  type KeyPackage,
  type MLSMessage,
  mlsExporter,
  type PrivateKeyPackage,
  processPrivateMessage,
  type Welcome,
} from 'ts-mls'
import { decodeUint16, decodeUint32 } from 'ts-mls/codec/number.js'
import { encode } from 'ts-mls/codec/tlsEncoder.js'
import { decodeCredentialType } from 'ts-mls/credentialType.js'
import { expandWithLabel } from 'ts-mls/crypto/kdf.js'
import { groupContextEncoder } from 'ts-mls/groupContext.js'
import { decodeProtocolVersion } from 'ts-mls/protocolVersion.js'
import { createSecretTree } from 'ts-mls/secretTree.js'
import { treeHash, treeHashRoot } from 'ts-mls/treeHash.js'
import { toNodeIndex } from 'ts-mls/treemath.js'
import { describe, expect, it } from 'vitest'

const cs = await getCiphersuiteImpl(
  getCiphersuiteFromName('MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519'),
)

interface Member {
  kp: KeyPackage
  priv: PrivateKeyPackage
  state?: ClientState
}

async function member(name: string): Promise<Member> {
  const credential = { credentialType: 'basic' as const, identity: new TextEncoder().encode(name) }
  const caps = defaultCapabilities()
  caps.extensions = [...caps.extensions, 0xff00]
  const { publicPackage, privatePackage } = await generateKeyPackage(
    credential,
    caps,
    defaultLifetime,
    [],
    cs,
  )
  return { kp: publicPackage, priv: privatePackage }
}

function state(m: Member): ClientState {
  if (m.state === undefined) throw new Error('not joined')
  return m.state
}

function welcomeOf(result: { welcome?: Welcome | undefined }): Welcome {
  if (result.welcome === undefined) throw new Error('no welcome')
  return result.welcome
}

async function processAll(commit: MLSMessage, members: readonly Member[]): Promise<void> {
  if (commit.wireformat !== 'mls_private_message') throw new Error('expected a private message')
  for (const m of members) {
    const r = await processPrivateMessage(state(m), commit.privateMessage, emptyPskIndex, cs)
    m.state = r.newState
  }
}

async function exporter(m: Member): Promise<string> {
  const s = state(m)
  const bytes = await mlsExporter(s.keySchedule.exporterSecret, 'test', new Uint8Array(), 16, cs)
  return Buffer.from(bytes).toString('hex')
}

async function twoMemberGroup(): Promise<[Member, Member]> {
  const a = await member('a')
  const b = await member('b')
  a.state = await createGroup(new Uint8Array(16).fill(1), a.kp, a.priv, [], cs)
  const add = await createCommit(
    { state: a.state, cipherSuite: cs },
    { extraProposals: [{ proposalType: 'add', add: { keyPackage: b.kp } }], ratchetTreeExtension: true },
  )
  a.state = add.newState
  b.state = await joinGroup(welcomeOf(add), b.kp, b.priv, emptyPskIndex, cs)
  return [a, b]
}

const gce = (data: number) => ({
  proposalType: 'group_context_extensions' as const,
  groupContextExtensions: { extensions: [{ extensionType: 0xff00, extensionData: new Uint8Array([data]) }] },
})

describe('ts-mls patch', () => {
  it('gives a GroupContextExtensions commit an UpdatePath (RFC 9420 §12.4)', async () => {
    const [a] = await twoMemberGroup()
    const result = await createCommit(
      { state: state(a), cipherSuite: cs },
      { extraProposals: [gce(1)], wireAsPublicMessage: true },
    )
    if (result.commit.wireformat !== 'mls_public_message') throw new Error('expected a public message')
    const content = result.commit.publicMessage.content
    if (content.contentType !== 'commit') throw new Error('expected a commit')
    expect(content.commit.path).toBeDefined()
  })

  it('encrypts that path under the provisional context holding the new extensions', async () => {
    const [a, b] = await twoMemberGroup()
    const leafKeyBefore = state(b).ratchetTree[0]
    const result = await createCommit({ state: state(a), cipherSuite: cs }, { extraProposals: [gce(7)] })
    a.state = result.newState
    // Unpatched, B fails to open the path secret (HPKE open under a different context).
    await processAll(result.commit, [b])
    expect(state(b).groupContext.epoch).toBe(2n)
    expect(state(b).groupContext.extensions.find((e) => e.extensionType === 0xff00)?.extensionData).toEqual(
      new Uint8Array([7]),
    )
    // The commit carried a path: A's leaf has a new HPKE key in B's tree.
    expect(state(b).ratchetTree[0]).not.toEqual(leafKeyBefore)
    expect(await exporter(b)).toBe(await exporter(a))
  })

  it('joins a tree whose unmerged leaves differ along the direct path (RFC 9420 §7.9.2)', async () => {
    const a = await member('a')
    const others = await Promise.all(['b', 'c', 'd', 'e', 'f'].map(member))
    a.state = await createGroup(new Uint8Array(16).fill(2), a.kp, a.priv, [], cs)
    const add = await createCommit(
      { state: a.state, cipherSuite: cs },
      { extraProposals: others.map((m) => ({ proposalType: 'add' as const, add: { keyPackage: m.kp } })) },
    )
    // A removes leaves 3 and 5; its path refills node 3 (copath resolution: leaf 2) and the root 7.
    const remove = await createCommit(
      { state: add.newState, cipherSuite: cs },
      {
        extraProposals: [
          { proposalType: 'remove', remove: { removed: 3 } },
          { proposalType: 'remove', remove: { removed: 5 } },
        ],
      },
    )
    // A adds G (leaf 3) and H (leaf 5) without a path: node 3 lists [3], the root lists [3, 5].
    const [g, h] = [await member('g'), await member('h')]
    const readd = await createCommit(
      { state: remove.newState, cipherSuite: cs },
      {
        extraProposals: [g, h].map((m) => ({ proposalType: 'add' as const, add: { keyPackage: m.kp } })),
        ratchetTreeExtension: true,
      },
    )
    a.state = readd.newState
    const unmerged = (i: number) => {
      const node = state(a).ratchetTree[i]
      return node?.nodeType === 'parent' ? node.parent.unmergedLeaves : undefined
    }
    expect(unmerged(3)).toEqual([3])
    expect(unmerged(7)).toEqual([3, 5])
    // Unpatched: "non-blank intermediate node must list leaf node in its unmerged_leaves".
    g.state = await joinGroup(welcomeOf(readd), g.kp, g.priv, emptyPskIndex, cs)
    expect(await exporter(g)).toBe(await exporter(a))
  })

  it('names the sender leaf of application messages', async () => {
    const [a, b] = await twoMemberGroup()
    const sent = await createApplicationMessage(state(b), new Uint8Array([1, 2, 3]), cs)
    b.state = sent.newState
    const received = await processPrivateMessage(state(a), sent.privateMessage, emptyPskIndex, cs)
    if (received.kind !== 'applicationMessage') throw new Error('expected an application message')
    expect(received.message).toEqual(new Uint8Array([1, 2, 3]))
    expect(received.senderLeafIndex).toBe(1)
  })

  it('reports removal to a member whose leaf a re-add in the same commit re-fills', async () => {
    const [a, b] = await twoMemberGroup()
    const c = await member('c')
    const addC = await createCommit(
      { state: state(a), cipherSuite: cs },
      { extraProposals: [{ proposalType: 'add', add: { keyPackage: c.kp } }], ratchetTreeExtension: true },
    )
    a.state = addC.newState
    await processAll(addC.commit, [b])
    // A removes B (leaf 1) and adds B's fresh key package, which lands in the freed leaf 1.
    const fresh = await member('b')
    const readd = await createCommit(
      { state: state(a), cipherSuite: cs },
      {
        extraProposals: [
          { proposalType: 'remove', remove: { removed: 1 } },
          { proposalType: 'add', add: { keyPackage: fresh.kp } },
        ],
      },
    )
    // Unpatched: InternalError "No overlap between provided private keys and update path".
    await processAll(readd.commit, [b])
    expect(state(b).groupActiveState.kind).toBe('removedFromGroup')
  })

  // The speed fixes of the patch: same results as the upstream computations, checked against them here.

  it('hashes trees as RFC 9420 §7.8 with leaf hashes reused per LeafNode object', async () => {
    const a = await member('a')
    const others = await Promise.all(['b', 'c', 'd'].map(member))
    const created = await createGroup(new Uint8Array(16).fill(3), a.kp, a.priv, [], cs)
    const add = await createCommit(
      { state: created, cipherSuite: cs },
      { extraProposals: others.map((m) => ({ proposalType: 'add' as const, add: { keyPackage: m.kp } })) },
    )
    const tree = add.newState.ratchetTree
    // A deep copy shares no node object with `tree`, so nothing cached applies to it.
    const hash = await treeHashRoot(tree, cs.hash)
    expect(await treeHashRoot(structuredClone(tree), cs.hash)).toEqual(hash)
    expect(await treeHashRoot(tree, cs.hash)).toEqual(hash)
    expect(add.newState.groupContext.treeHash).toEqual(hash)
    // The same LeafNode object at another index hashes differently (the index is part of the input).
    const moved = tree.slice()
    ;[moved[2], moved[4]] = [tree[4], tree[2]]
    const swapped = await treeHashRoot(moved, cs.hash)
    expect(swapped).not.toEqual(hash)
    expect(await treeHashRoot(structuredClone(moved), cs.hash)).toEqual(swapped)
    // A hit hands out a copy: changing a returned hash changes nothing cached.
    const leaf = await treeHash(tree, toNodeIndex(0), cs.hash)
    leaf.fill(0)
    expect(await treeHash(tree, toNodeIndex(0), cs.hash)).toEqual(
      await treeHash(structuredClone(tree), toNodeIndex(0), cs.hash),
    )
    expect(await treeHashRoot(tree, cs.hash)).toEqual(hash)
  })

  it('seals every path secret under one EncryptContext, encoded once per path (RFC 9420 §5.1.3)', async () => {
    const a = await member('a')
    const others = await Promise.all(['b', 'c', 'd', 'e'].map(member))
    const created = await createGroup(new Uint8Array(16).fill(4), a.kp, a.priv, [], cs)
    const add = await createCommit(
      { state: created, cipherSuite: cs },
      {
        extraProposals: others.map((m) => ({ proposalType: 'add' as const, add: { keyPackage: m.kp } })),
        ratchetTreeExtension: true,
      },
    )
    a.state = add.newState
    for (const m of others) m.state = await joinGroup(welcomeOf(add), m.kp, m.priv, emptyPskIndex, cs)
    // A GroupContextExtensions commit (it has a path): every HPKE seal of the path gets an `info`.
    const infos: Uint8Array[] = []
    const recording = {
      ...cs,
      hpke: {
        ...cs.hpke,
        seal: (...args: Parameters<typeof cs.hpke.seal>) => {
          infos.push(args[2])
          return cs.hpke.seal(...args)
        },
      },
    }
    const before = state(a)
    const commit = await createCommit({ state: before, cipherSuite: recording }, { extraProposals: [gce(7)] })
    // After a one-commit creation the parents are blank: one seal per other member's leaf.
    expect(infos.length).toBe(others.length)
    expect(infos.every((info) => info === infos[0])).toBe(true)
    // EncryptContext { opaque label<V> = "MLS 1.0 UpdatePathNode"; opaque context<V> = provisional
    // GroupContext } (the new tree hash and epoch, the old confirmed transcript hash), with RFC 9000 varints.
    const varint = (n: number) => (n < 64 ? [n] : n < 16384 ? [0x40 | (n >> 8), n & 0xff] : [])
    const label = new TextEncoder().encode('MLS 1.0 UpdatePathNode')
    const context = encode(groupContextEncoder)({
      ...commit.newState.groupContext,
      confirmedTranscriptHash: before.groupContext.confirmedTranscriptHash,
    })
    expect(context.length).toBeLessThan(16384)
    expect(infos[0]).toEqual(
      Uint8Array.from([...varint(label.length), ...label, ...varint(context.length), ...context]),
    )
    await processAll(commit.commit, others)
    for (const m of others) expect(await exporter(m)).toBe(await exporter({ ...a, state: commit.newState }))
  })

  it('derives the ratchets of every leaf (RFC 9420 §9) and none for parent nodes', async () => {
    const encryptionSecret = new Uint8Array(32).fill(9)
    const tree = await createSecretTree(4, encryptionSecret.slice(), cs.kdf)
    expect(tree.length).toBe(7)
    const expand = (secret: Uint8Array, label: string, context: Uint8Array) =>
      expandWithLabel(secret, label, context, cs.kdf.size, cs.kdf)
    const text = (t: string) => new TextEncoder().encode(t)
    // tree_node_[3] = encryption_secret; left/right children by ExpandWithLabel(_, "tree", "left"/"right").
    const node = new Map<number, Uint8Array>([[3, encryptionSecret]])
    for (const [parent, l, r] of [
      [3, 1, 5],
      [1, 0, 2],
      [5, 4, 6],
    ] as const) {
      node.set(l, await expand(node.get(parent) as Uint8Array, 'tree', text('left')))
      node.set(r, await expand(node.get(parent) as Uint8Array, 'tree', text('right')))
    }
    for (let i = 0; i < 7; i++) {
      const entry = tree[i]
      if (entry === undefined) throw new Error('missing node')
      if (i % 2 === 1) {
        expect(entry.application.secret.length).toBe(0)
        expect(entry.handshake.secret.length).toBe(0)
        continue
      }
      const secret = node.get(i) as Uint8Array
      expect(entry.application).toEqual({
        secret: await expand(secret, 'application', new Uint8Array()),
        generation: 0,
        unusedGenerations: {},
      })
      expect(entry.handshake.secret).toEqual(await expand(secret, 'handshake', new Uint8Array()))
    }
    // Messages still flow both ways on those ratchets.
    const [a, b] = await twoMemberGroup()
    const sent = await createApplicationMessage(state(a), new Uint8Array([4]), cs)
    const got = await processPrivateMessage(state(b), sent.privateMessage, emptyPskIndex, cs)
    if (got.kind !== 'applicationMessage') throw new Error('expected an application message')
    expect(got.message).toEqual(new Uint8Array([4]))
  })

  it('decodes integers and enum values as before, from plain byte reads and a per-enum lookup', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x80, 0x00, 0x00, 0x02])
    expect(decodeUint16(bytes, 0)).toEqual([0xfffe, 2])
    expect(decodeUint16(bytes, 6)).toEqual([2, 2])
    expect(decodeUint16(bytes, 7)).toBeUndefined()
    expect(decodeUint32(bytes, 0)).toEqual([0xfffe0001, 4])
    expect(decodeUint32(bytes, 4)).toEqual([0x80000002, 4])
    expect(decodeUint32(bytes, 5)).toBeUndefined()
    // A view into a larger buffer reads its own bytes only.
    const view = bytes.subarray(2, 6)
    expect(decodeUint32(view, 0)).toEqual([0x00018000, 4])
    expect(decodeUint16(view, 3)).toBeUndefined()
    expect(decodeProtocolVersion(new Uint8Array([0, 1]), 0)).toEqual(['mls10', 2])
    expect(decodeProtocolVersion(new Uint8Array([0, 2]), 0)).toBeUndefined()
    expect(decodeCredentialType(new Uint8Array([0, 2]), 0)).toEqual(['x509', 2])
    expect(decodeCredentialType(new Uint8Array([0xf0, 0]), 0)).toEqual(['61440', 2])
  })
})
