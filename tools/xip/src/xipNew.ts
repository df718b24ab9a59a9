/**
 * `pnpm xip new <slug>`: the three files a protocol change starts from.
 *
 * 1. `xips/xip-<slug>.md`: a draft in the XIPs repository's format (xmtp/XIPs `xip-template.md`, XIP-0):
 *    front matter in the template's order with `status: Draft` and no `xip` number (an editor assigns it),
 *    then the template's sections, Specification opening with the RFC 2119 paragraph and Security
 *    considerations with a Threat model subsection (required before Final).
 * 2. `vectors/xip-<slug>/README.md`: where its language-neutral vectors go (format, provenance, the test
 *    command), in the one format of vectors/README.md.
 * 3. `<package>/src/xip-<slug>/vectors.test.ts`: a reader test that loads every vector file of the folder.
 *    It fails until vectors exist and until its `check` runs a case through the implementation: a
 *    scaffold that passes on its own would prove nothing.
 *
 * The change itself runs behind the feature flag `xip-<slug>` (node-lite, client, devnet `--flag`).
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { XipError } from './errors.ts'
import { rel, repoRoot } from './repo.ts'

/** XIP types (XIP-0). */
export const xipTypes = ['Standards', 'Process', 'Informational'] as const
/** Categories of a Standards XIP (XIP-0). */
export const xipCategories = ['Core', 'Network', 'Interface', 'Storage', 'XRC'] as const

/** What `pnpm xip new` is told. */
export interface NewXipParams {
  /** Lowercase words joined by hyphens: `poll`, `message-expiry`. */
  readonly slug: string
  /** The implementing package, repository-relative (default `packages/content-types`). */
  readonly packageDir?: string
  /** At most 44 characters (XIP-0); default from the slug. */
  readonly title?: string
  /** At most 140 characters. */
  readonly description?: string
  /** `Name (@github)`; at least one GitHub handle (XIP-0). */
  readonly author?: string
  readonly type?: (typeof xipTypes)[number]
  /** Only for Standards (default XRC: content types and other application conventions). */
  readonly category?: (typeof xipCategories)[number]
  /** YYYY-MM-DD (default today, UTC). */
  readonly created?: string
  readonly root?: string
}

/** The files written, repository-relative. */
export interface NewXipResult {
  readonly draft: string
  readonly vectorsReadme: string
  readonly readerTest: string
  /** The feature flag the change runs behind. */
  readonly flag: string
  /** The README's test command. */
  readonly testCommand: string
}

const slugPattern = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/

const titleOf = (slug: string): string =>
  slug
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ')

/** The draft's markdown. */
export function renderDraft(p: {
  readonly slug: string
  readonly title: string
  readonly description: string
  readonly author: string
  readonly type: string
  readonly category: string | undefined
  readonly created: string
  readonly packageDir: string
}): string {
  const front = [
    '---',
    `title: ${p.title}`,
    `description: ${p.description}`,
    `author: ${p.author}`,
    'discussions-to: <the forum topic an editor creates (Ideas & Improvements); not a pull request>',
    'status: Draft',
    `type: ${p.type}`,
    ...(p.type === 'Standards' && p.category !== undefined ? [`category: ${p.category}`] : []),
    `created: ${p.created}`,
    '---',
  ]
  return `${front.join('\n')}

<!-- Drafted with \`pnpm xip new ${p.slug}\` (CONTRIBUTING.md). An editor assigns the number and renames this file
xip-N-${p.slug}.md; refer to other XIPs as "XIP-N" with a relative link on first mention; assets go under
assets/xip-N/. Until then the change runs behind the feature flag \`xip-${p.slug}\`. -->

## Abstract

<!-- One paragraph: what this changes, for whom, in plain words. -->

## Motivation

<!-- Why the current protocol is not enough; the problem and who has it. Optional when obvious. -->

## Specification

The keywords “MUST”, “MUST NOT”, “REQUIRED”, “SHALL”, “SHALL NOT”, “SHOULD”, “SHOULD NOT”, “RECOMMENDED”, “MAY”, and “OPTIONAL” in this document are to be interpreted as described in [RFC 2119](https://www.ietf.org/rfc/rfc2119.txt).

<!-- Exact syntax and semantics: byte layouts, field numbers, content type ids, what a receiver does with
malformed input (each refusal is a case with a stable error code in the vectors). Enough for an independent
implementation. -->

## Rationale

<!-- The choices made and the alternatives left out, and why. -->

## Backward compatibility

<!-- What clients and nodes without this change do when they meet it (an unknown content type shows its
fallback; a node without the flag refuses writes from clients that declare it). Required if anything is
incompatible. -->

## Test cases

Language-neutral vectors: [\`vectors/xip-${p.slug}/\`](../vectors/xip-${p.slug}/README.md), valid and invalid
cases with stable error codes, in the format of [vectors/README.md](../vectors/README.md).

## Reference implementation

xmtp-lite, behind the feature flag \`xip-${p.slug}\`: \`${p.packageDir}/src/xip-${p.slug}/\`. Try it on a devnet where only
some nodes run it: \`pnpm devnet --nodes 3 --flag xip-${p.slug}=100,200\`.

## Security considerations

<!-- Design decisions, risks and pitfalls for implementers; how hostile input is refused. Required before Final. -->

### Threat model

<!-- Who the attacker is (a group member, a node operator, an outsider on the network), what they control
(content bytes, parameters, timing), and what they must not achieve. -->

## Copyright

Copyright and related rights waived via [CC0](https://creativecommons.org/publicdomain/zero/1.0/).
`
}

/** The vectors folder's README. */
export function renderVectorsReadme(p: {
  readonly slug: string
  readonly title: string
  readonly testCommand: string
  readonly readerTest: string
}): string {
  return `# vectors/xip-${p.slug}

Vectors of the XIP draft [${p.title}](../../xips/xip-${p.slug}.md) (feature flag \`xip-${p.slug}\`).

## Format

Each \`*.json\` file here is one vector file in the format of [vectors/README.md](../README.md):
\`{ description, generator, format, cases: [{ description, valid, ...inputs, ...outputs | error }] }\`, bytes
as lowercase hex, an invalid case naming the stable error code it must end in. Describe this XIP's fields in
the file's \`format\` string and in a table here; add \`vectors/schema/xip-${p.slug}/cases.schema.json\` to check them.

| file | what it checks |
| --- | --- |
| | |

## Provenance

Say, per file, who wrote the cases: by hand from the draft's Specification, by a generator (its
repository-relative path first in \`generator\`, so \`pnpm vectors\` reruns it into \`*.new.json\`), or by an
oracle nobody here wrote (an official SDK, a reference codec), with its version.

## Test

\`\`\`sh
${p.testCommand}
\`\`\`

runs \`${p.readerTest}\`, which loads every file here and checks each case against the implementation;
\`pnpm vectors --check\` checks the files against the schema, and \`pnpm conformance\` reports them.
`
}

/** The reader test stub. */
export function renderReaderTest(p: { readonly slug: string; readonly vectorsDir: string }): string {
  return `/**
 * Reader of vectors/xip-${p.slug} (the XIP draft xips/xip-${p.slug}.md; feature flag \`xip-${p.slug}\`).
 * Drafted by \`pnpm xip new ${p.slug}\`: it fails until the folder holds vector files and until \`check\` runs a
 * case through the implementation.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const dir = new URL('${p.vectorsDir}', import.meta.url)
const files = readdirSync(dir).filter(
  (f) => f.endsWith('.json') && !f.endsWith('.new.json') && !f.endsWith('.schema.json'),
)

interface Case {
  readonly description: string
  readonly valid: boolean
  readonly error?: string
  readonly [field: string]: unknown
}

/** What the implementation did with a case: its outputs, or the stable error code it threw. */
type Outcome = { readonly ok: true; readonly outputs: Record<string, unknown> } | { readonly ok: false; readonly error: string }

/** Runs one case through the implementation. Replace the body; keep the shape. */
function check(c: Case): Outcome {
  throw new Error(\`xip-${p.slug}: check() does not call the implementation yet (case "\${c.description}")\`)
}

describe('vectors/xip-${p.slug}', () => {
  it('has vector files', () => {
    expect(files, 'write vectors/xip-${p.slug}/<name>.json (vectors/README.md)').not.toEqual([])
  })
  for (const file of files) {
    const doc = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { cases: Case[] }
    describe(file, () => {
      for (const c of doc.cases) {
        it(c.description, () => {
          const outcome = check(c)
          if (c.valid) expect(outcome).toMatchObject({ ok: true })
          else expect(outcome).toEqual({ ok: false, error: c.error })
        })
      }
    })
  }
})
`
}

/**
 * Writes the draft, the vectors README and the reader test; refuses to overwrite any of them.
 * @throws {XipError} `Xip::InvalidSlug`, `Xip::UnknownPackage`, `Xip::AlreadyExists`
 */
export function newXip(params: NewXipParams): NewXipResult {
  const root = params.root ?? repoRoot
  const slug = params.slug
  if (slug.length < 2 || slug.length > 40 || !slugPattern.test(slug) || slug.startsWith('xip-')) {
    throw new XipError('Xip::InvalidSlug', `"${slug}" is not a slug like "poll" or "message-expiry"`)
  }
  const packageDir = (params.packageDir ?? 'packages/content-types').replace(/\/+$/, '')
  const manifest = join(root, packageDir, 'package.json')
  if (!/^(packages|apps|tools)\/[a-z0-9-]+$/.test(packageDir) || !existsSync(manifest)) {
    throw new XipError('Xip::UnknownPackage', `${packageDir} is not a workspace package`)
  }
  const title = params.title ?? titleOf(slug)
  if (title.length > 44)
    throw new XipError('Xip::InvalidSlug', 'an XIP title has at most 44 characters (XIP-0)')
  const description = params.description ?? `<at most 140 characters: what ${title} does>`
  if (description.length > 140) {
    throw new XipError('Xip::InvalidSlug', 'an XIP description has at most 140 characters (XIP-0)')
  }
  const type = params.type ?? 'Standards'
  const created = params.created ?? new Date().toISOString().slice(0, 10)
  const draft = join(root, 'xips', `xip-${slug}.md`)
  const vectorsReadme = join(root, 'vectors', `xip-${slug}`, 'README.md')
  const readerTest = join(root, packageDir, 'src', `xip-${slug}`, 'vectors.test.ts')
  for (const path of [draft, vectorsReadme, readerTest]) {
    if (existsSync(path)) throw new XipError('Xip::AlreadyExists', `${rel(path, root)} exists`)
  }
  const testCommand = `cd ${packageDir} && npx vitest run src/xip-${slug}/vectors.test.ts`
  const write = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, text)
  }
  write(
    draft,
    renderDraft({
      slug,
      title,
      description,
      author: params.author ?? '<Name (@github-handle)>',
      type,
      category: type === 'Standards' ? (params.category ?? 'XRC') : undefined,
      created,
      packageDir,
    }),
  )
  write(vectorsReadme, renderVectorsReadme({ slug, title, testCommand, readerTest: rel(readerTest, root) }))
  // From <package>/src/xip-<slug>/ up to the root, then vectors/xip-<slug>/.
  const up = '../'.repeat(packageDir.split('/').length + 2)
  write(readerTest, renderReaderTest({ slug, vectorsDir: `${up}vectors/xip-${slug}/` }))
  return {
    draft: rel(draft, root),
    vectorsReadme: rel(vectorsReadme, root),
    readerTest: rel(readerTest, root),
    flag: `xip-${slug}`,
    testCommand,
  }
}
