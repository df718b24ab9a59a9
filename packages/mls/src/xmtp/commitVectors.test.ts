/** Reads vectors/mls-rules/commits.json: language-neutral §7.3 commit-validation cases. */
import { readFileSync } from 'node:fs'
import { fromHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { type CommitProposal, validateCommit } from './commit.ts'
import { TestLedger } from './testLedger.ts'
import type { MemberLeaf, RawExtension } from './types.ts'

interface HexLeaf {
  inboxId: string
  installationKey: string
}
interface HexExtension {
  extensionType: number
  extensionData: string
}
interface HexProposal {
  type: 'add' | 'remove' | 'update' | 'groupContextExtensions' | 'preSharedKey'
  sender?: HexLeaf
  leaf?: HexLeaf
}
interface CommitCase {
  description: string
  committer: HexLeaf
  proposals: HexProposal[]
  extensionsAfter?: HexExtension[]
  membersAfter: HexLeaf[]
  valid: boolean
  error?: string
}
interface CommitVectors {
  identity: Record<string, Record<string, string[]>>
  extensionsBefore: HexExtension[]
  membersBefore: HexLeaf[]
  cases: CommitCase[]
}

const file = new URL('../../../../vectors/mls-rules/commits.json', import.meta.url)
const vectors = JSON.parse(readFileSync(file, 'utf8')) as CommitVectors
const leaf = (l: HexLeaf): MemberLeaf => ({ inboxId: l.inboxId, installationKey: fromHex(l.installationKey) })
const extensions = (list: HexExtension[]): RawExtension[] =>
  list.map((e) => ({ extensionType: e.extensionType, extensionData: fromHex(e.extensionData) }))

function ledger(): TestLedger {
  const result = new TestLedger()
  for (const [inboxId, updates] of Object.entries(vectors.identity)) {
    for (const [sequenceId, keys] of Object.entries(updates))
      result.update(inboxId, BigInt(sequenceId), keys.map(fromHex))
  }
  return result
}

describe('commit validation vectors (vectors/mls-rules/commits.json)', () => {
  it('has valid and invalid cases', () => {
    expect(vectors.cases.filter((c) => c.valid).length).toBeGreaterThan(3)
    expect(vectors.cases.filter((c) => !c.valid).length).toBeGreaterThan(10)
  })

  it.each(vectors.cases.map((c) => [c.description, c] as const))('%s', async (_, c) => {
    const before = extensions(vectors.extensionsBefore)
    const after = c.extensionsAfter === undefined ? before : extensions(c.extensionsAfter)
    const proposals = c.proposals.map((p): CommitProposal => {
      const sender = p.sender === undefined ? {} : { sender: { type: 'member' as const, ...leaf(p.sender) } }
      if (p.type === 'groupContextExtensions') return { type: p.type, ...sender, extensions: after }
      if (p.type === 'preSharedKey') return { type: p.type, ...sender }
      if (p.leaf === undefined) throw new Error(`${p.type} needs a leaf`)
      return { type: p.type, ...sender, leaf: leaf(p.leaf) }
    })
    let code: string | undefined
    try {
      await validateCommit({
        committer: { type: 'member', ...leaf(c.committer) },
        proposals,
        extensionsBefore: before,
        extensionsAfter: after,
        membersBefore: vectors.membersBefore.map(leaf),
        membersAfter: c.membersAfter.map(leaf),
        identity: ledger(),
      })
    } catch (error) {
      code = (error as { code?: string }).code ?? `untyped: ${String(error)}`
    }
    expect(code).toBe(c.valid ? undefined : c.error)
  })
})
