import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BaseError } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { newXip } from './xipNew.ts'

function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), 'xip-new-'))
  mkdirSync(join(root, 'packages', 'content-types'), { recursive: true })
  writeFileSync(
    join(root, 'packages', 'content-types', 'package.json'),
    '{"name":"@xmtp-lite/content-types"}',
  )
  return root
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
    return undefined
  } catch (e) {
    return e instanceof BaseError ? e.code : String(e)
  }
}

describe('pnpm xip new', () => {
  it('writes a draft in the XIPs format, the vectors README and a reader test', () => {
    const root = scratch()
    const made = newXip({ root, slug: 'message-expiry', author: 'Ada (@ada)', created: '2026-12-03' })
    expect(made).toEqual({
      draft: 'xips/xip-message-expiry.md',
      vectorsReadme: 'vectors/xip-message-expiry/README.md',
      readerTest: 'packages/content-types/src/xip-message-expiry/vectors.test.ts',
      flag: 'xip-message-expiry',
      testCommand: 'cd packages/content-types && npx vitest run src/xip-message-expiry/vectors.test.ts',
    })
    const draft = readFileSync(join(root, made.draft), 'utf8')
    // Front matter: the template's keys in its order, no number (an editor assigns it), status Draft.
    const front = draft.split('---\n')[1] ?? ''
    expect(
      front
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':')[0]),
    ).toEqual(['title', 'description', 'author', 'discussions-to', 'status', 'type', 'category', 'created'])
    expect(front).toContain('status: Draft\n')
    expect(front).toContain('title: Message Expiry\n')
    expect(front).toContain('category: XRC\n')
    expect(front).toContain('created: 2026-12-03\n')
    expect([...draft.matchAll(/^##+ (.+)$/gm)].map((m) => m[1])).toEqual([
      'Abstract',
      'Motivation',
      'Specification',
      'Rationale',
      'Backward compatibility',
      'Test cases',
      'Reference implementation',
      'Security considerations',
      'Threat model',
      'Copyright',
    ])
    const spec = draft.split('## Specification\n\n')[1] ?? ''
    expect(spec.startsWith('The keywords “MUST”, “MUST NOT”')).toBe(true)
    expect(draft).toContain('[CC0](https://creativecommons.org/publicdomain/zero/1.0/)')
    const readme = readFileSync(join(root, made.vectorsReadme), 'utf8')
    expect(readme).toContain(made.testCommand)
    expect(readme).toMatch(/## Format/)
    expect(readme).toMatch(/## Provenance/)
    const test = readFileSync(join(root, made.readerTest), 'utf8')
    // The stub reads the folder from its own place, and cannot pass before vectors and a real check exist.
    expect(test).toContain("new URL('../../../../vectors/xip-message-expiry/', import.meta.url)")
    expect(test).toContain("it('has vector files'")
    expect(test).toContain('throw new Error(`xip-message-expiry: check() does not call the implementation')
  })

  it('leaves out the category of a non-Standards XIP', () => {
    const root = scratch()
    const made = newXip({ root, slug: 'review-process', type: 'Process' })
    expect(readFileSync(join(root, made.draft), 'utf8')).not.toMatch(/^category:/m)
  })

  it('refuses a bad slug, an unknown package, a long title, and never overwrites', () => {
    const root = scratch()
    for (const slug of ['Poll', 'xip-poll', 'a', 'poll_v2', '-poll', 'poll-', '../poll']) {
      expect(
        codeOf(() => newXip({ root, slug })),
        slug,
      ).toBe('Xip::InvalidSlug')
    }
    expect(codeOf(() => newXip({ root, slug: 'poll', packageDir: 'packages/nope' }))).toBe(
      'Xip::UnknownPackage',
    )
    expect(codeOf(() => newXip({ root, slug: 'poll', packageDir: '../etc' }))).toBe('Xip::UnknownPackage')
    expect(codeOf(() => newXip({ root, slug: 'poll', title: 'x'.repeat(45) }))).toBe('Xip::InvalidSlug')
    newXip({ root, slug: 'poll' })
    writeFileSync(join(root, 'xips', 'xip-poll.md'), 'edited')
    expect(codeOf(() => newXip({ root, slug: 'poll' }))).toBe('Xip::AlreadyExists')
    expect(readFileSync(join(root, 'xips', 'xip-poll.md'), 'utf8')).toBe('edited')
  })
})
