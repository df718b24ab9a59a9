/**
 * One test per fix carried in `patches/ts-mls@1.6.4.patch` (facts: protocol/ts-mls-libxmtp-interop.md,
 * "the three fixes"; protocol/ts-mls-assessment.md §3 gaps a, b, c, f). Each test fails on unpatched ts-mls.
 * The speed fixes (leaf-hash reuse, no parent ratchets, one group-context and EncryptContext encoding per
 * path, integer and enum decoding, KDFLabel and SignContent written directly, the group context's bytes kept
 * per object, no parent hash computed for a leaf that has none to compare) are checked against the
 * computations they replace.
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
import { deriveTreeSecret, expandWithLabel, type Kdf } from 'ts-mls/crypto/kdf.js'
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js'
import { framedContentEncoder } from 'ts-mls/framedContent.js'
import { groupContextEncoder } from 'ts-mls/groupContext.js'
import { verifyParentHashes } from 'ts-mls/parentHash.js'
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

/** The RFC 9420 §2.1.2 variable-length prefix, written out by hand. */
function varint(n: number): number[] {
  if (n < 64) return [n]
  if (n < 16384) return [0x40 | (n >> 8), n & 0xff]
  return [0x80 | (n >> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]
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

  it('verifies parent hashes (RFC 9420 §7.9.2) without hashing the sibling subtree of KeyPackage leaves', async () => {
    // Created as libxmtp creates groups: Adds and a GroupContextExtensions proposal, so the commit has a path
    // and the creator's direct path is non-blank up to the root. 15 leaves come from their KeyPackages.
    const a = await member('a')
    const others = await Promise.all(Array.from({ length: 15 }, (_, i) => member(`m${i}`)))
    const created = await createGroup(new Uint8Array(16).fill(5), a.kp, a.priv, [], cs)
    const add = await createCommit(
      { state: created, cipherSuite: cs },
      {
        extraProposals: [
          ...others.map((m) => ({ proposalType: 'add' as const, add: { keyPackage: m.kp } })),
          gce(1),
        ],
      },
    )
    const tree = add.newState.ratchetTree
    expect(tree.length).toBe(31)
    expect([15, 7, 3, 1].every((i) => tree[i]?.nodeType === 'parent')).toBe(true)
    let digests = 0
    const counting = {
      ...cs.hash,
      digest: (data: Uint8Array) => {
        digests++
        return cs.hash.digest(data)
      },
    }
    // A deep copy: no leaf hash is cached for it, so the count is that of a first verification (a join).
    expect(await verifyParentHashes(structuredClone(tree), counting)).toBe(true)
    // Only the creator's chain is hashed: for leaf 0, node 1, 3 and 7 the original sibling's tree hash (1, 3,
    // 7 and 15 nodes) and the parent hash itself, 30 digests. Unpatched, every KeyPackage leaf also hashed its
    // nearest non-blank ancestor's other subtree before finding it has no parent hash to compare (116 digests
    // here with the leaf hashes reused; at 250 members that was most of a join).
    expect(digests).toBe(30)
    // Same verdicts: a parent hash changed anywhere on the chain breaks its coverage.
    const flip = (bytes: Uint8Array) => {
      bytes[0] = (bytes[0] ?? 0) ^ 1
    }
    for (const index of [0, 1, 3, 7]) {
      const bad = structuredClone(tree)
      const node = bad[index]
      if (node?.nodeType === 'parent') flip(node.parent.parentHash)
      else if (node?.nodeType === 'leaf' && node.leaf.leafNodeSource === 'commit') flip(node.leaf.parentHash)
      else throw new Error(`node ${index}`)
      expect(await verifyParentHashes(bad, cs.hash)).toBe(false)
    }
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

  it('writes KDFLabel (RFC 9420 §8) directly: same info bytes for every label and context length', async () => {
    const infos: Uint8Array[] = []
    const recording: Kdf = {
      ...cs.kdf,
      expand: (prk, info, length) => {
        infos.push(info)
        return cs.kdf.expand(prk, info, length)
      },
    }
    const secret = new Uint8Array(32).fill(3)
    const expected = (length: number, label: string, context: Uint8Array) => {
      const l = new TextEncoder().encode(`MLS 1.0 ${label}`)
      return Uint8Array.from([
        length >> 8,
        length & 0xff,
        ...varint(l.length),
        ...l,
        ...varint(context.length),
        ...context,
      ])
    }
    for (const label of ['key', 'nonce', 'tree', 'x'.repeat(100)]) {
      for (const size of [0, 1, 63, 64, 16383, 16384]) {
        const context = Uint8Array.from({ length: size }, (_, i) => i & 0xff)
        for (const length of [12, 32, 300]) {
          infos.length = 0
          const out = await expandWithLabel(secret, label, context, length, recording)
          expect(infos).toHaveLength(1)
          expect(infos[0]).toEqual(expected(length, label, context))
          expect(out).toEqual(await cs.kdf.expand(secret, expected(length, label, context), length))
        }
      }
    }
    // DeriveTreeSecret: the generation as a big-endian uint32 context (RFC 9420 §9.1).
    for (const generation of [0, 1, 0x12345678, 0xffffffff]) {
      infos.length = 0
      await deriveTreeSecret(secret, 'secret', generation, 32, recording)
      const be = [generation >>> 24, (generation >>> 16) & 0xff, (generation >>> 8) & 0xff, generation & 0xff]
      expect(infos[0]).toEqual(expected(32, 'secret', Uint8Array.from(be)))
    }
  })

  it('signs and verifies SignContent (RFC 9420 §5.1.2) built directly, the TBS encoded in place', async () => {
    const [a, b] = await twoMemberGroup()
    const signed: Uint8Array[] = []
    const verified: Uint8Array[] = []
    const recording = {
      ...cs,
      signature: {
        ...cs.signature,
        sign: (key: Uint8Array, message: Uint8Array) => {
          signed.push(message)
          return cs.signature.sign(key, message)
        },
        verify: (key: Uint8Array, message: Uint8Array, signature: Uint8Array) => {
          verified.push(message)
          return cs.signature.verify(key, message, signature)
        },
      },
    }
    const label = new TextEncoder().encode('MLS 1.0 FramedContentTBS')
    // 10 bytes and 20,000 bytes of application data: the TBS length prefix takes 2 and then 4 bytes.
    for (const size of [10, 20_000]) {
      signed.length = 0
      verified.length = 0
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff)
      const sent = await createApplicationMessage(state(a), data, recording)
      a.state = sent.newState
      const got = await processPrivateMessage(state(b), sent.privateMessage, emptyPskIndex, recording)
      if (got.kind !== 'applicationMessage') throw new Error('expected an application message')
      b.state = got.newState
      expect(got.message).toEqual(data)
      // FramedContentTBS = version mls10, wire format mls_private_message, FramedContent, GroupContext
      // (sender type member), encoded here with ts-mls's upstream encoders.
      const gc = state(a).groupContext
      const tbs = Uint8Array.from([
        0,
        1,
        0,
        2,
        ...encode(framedContentEncoder)({
          groupId: gc.groupId,
          epoch: gc.epoch,
          sender: { senderType: 'member', leafIndex: 0 },
          authenticatedData: new Uint8Array(),
          contentType: 'application',
          applicationData: data,
        }),
        ...encode(groupContextEncoder)(gc),
      ])
      const expected = Uint8Array.from([...varint(label.length), ...label, ...varint(tbs.length), ...tbs])
      expect(signed).toEqual([expected])
      expect(verified).toEqual([expected])
    }
    // signWithLabel / verifyWithLabel on plain content: the same layout.
    const keys = await cs.signature.keygen()
    const content = new Uint8Array(70).fill(5)
    signed.length = 0
    const signature = await signWithLabel(keys.signKey, 'LeafNodeTBS', content, recording.signature)
    const leafLabel = new TextEncoder().encode('MLS 1.0 LeafNodeTBS')
    expect(signed[0]).toEqual(
      Uint8Array.from([...varint(leafLabel.length), ...leafLabel, ...varint(70), ...content]),
    )
    expect(await verifyWithLabel(keys.publicKey, 'LeafNodeTBS', content, signature, cs.signature)).toBe(true)
    expect(
      await verifyWithLabel(keys.publicKey, 'LeafNodeTBS', content.fill(6), signature, cs.signature),
    ).toBe(false)
  })

  it('keeps the group context bytes per GroupContext object: a new epoch signs and verifies under its own', async () => {
    const [a, b] = await twoMemberGroup()
    const send = async (byte: number) => {
      const sent = await createApplicationMessage(state(a), new Uint8Array([byte]), cs)
      a.state = sent.newState
      return sent.privateMessage
    }
    const first = await processPrivateMessage(state(b), await send(1), emptyPskIndex, cs)
    b.state = first.newState
    // New extensions, then a new epoch: new GroupContext objects on both sides.
    const commit = await createCommit({ state: state(a), cipherSuite: cs }, { extraProposals: [gce(9)] })
    a.state = commit.newState
    await processAll(commit.commit, [b])
    expect(state(b).groupContext.epoch).toBe(state(a).groupContext.epoch)
    const second = await processPrivateMessage(state(b), await send(2), emptyPskIndex, cs)
    if (second.kind !== 'applicationMessage') throw new Error('expected an application message')
    expect(second.message).toEqual(new Uint8Array([2]))
    b.state = second.newState
    // A GroupContext object with other contents gets its own bytes: the receiver's context without the
    // extensions (same epoch, same secrets, so the message decrypts) no longer matches what was signed.
    const pm = await send(3)
    const otherContext = { ...state(b), groupContext: { ...state(b).groupContext, extensions: [] } }
    await expect(processPrivateMessage(otherContext, pm, emptyPskIndex, cs)).rejects.toThrow(
      /Signature invalid/,
    )
    const third = await processPrivateMessage(state(b), pm, emptyPskIndex, cs)
    if (third.kind !== 'applicationMessage') throw new Error('expected an application message')
    expect(third.message).toEqual(new Uint8Array([3]))
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
