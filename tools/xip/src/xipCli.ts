/**
 * `pnpm xip new <slug> [--package packages/content-types] [--title T] [--description D] [--author A]
 * [--type Standards|Process|Informational] [--category Core|Network|Interface|Storage|XRC]`: writes an XIP
 * draft, its vectors folder and a reader test (src/xipNew.ts).
 * @module
 */
import { parseArgs } from 'node:util'
import { BaseError } from '@xmtp-lite/common'
import { newXip, xipCategories, xipTypes } from './xipNew.ts'

const usage =
  'usage: pnpm xip new <slug> [--package DIR] [--title T] [--description D] [--author "Name (@github)"] [--type T] [--category C]\n'

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      package: { type: 'string' },
      title: { type: 'string' },
      description: { type: 'string' },
      author: { type: 'string' },
      type: { type: 'string' },
      category: { type: 'string' },
    },
    strict: true,
  })
  const [command, slug] = positionals
  if (command !== 'new' || slug === undefined || positionals.length !== 2) {
    process.stderr.write(usage)
    return 2
  }
  const type = xipTypes.find((t) => t === values.type)
  const category = xipCategories.find((c) => c === values.category)
  if (
    (values.type !== undefined && type === undefined) ||
    (values.category !== undefined && category === undefined)
  ) {
    process.stderr.write(
      `type is one of ${xipTypes.join(', ')}; category one of ${xipCategories.join(', ')}\n`,
    )
    return 2
  }
  const made = newXip({
    slug,
    ...(values.package === undefined ? {} : { packageDir: values.package }),
    ...(values.title === undefined ? {} : { title: values.title }),
    ...(values.description === undefined ? {} : { description: values.description }),
    ...(values.author === undefined ? {} : { author: values.author }),
    ...(type === undefined ? {} : { type }),
    ...(category === undefined ? {} : { category }),
  })
  process.stdout.write(
    [
      `wrote ${made.draft}`,
      `wrote ${made.vectorsReadme}`,
      `wrote ${made.readerTest}`,
      '',
      'next (CONTRIBUTING.md):',
      `  1. write the Specification in ${made.draft}`,
      `  2. add vectors to vectors/xip-${slug}/ and check them: pnpm vectors --check`,
      `  3. make the reader test call the implementation: ${made.testCommand}`,
      `  4. put the change behind the flag ${made.flag}: pnpm devnet --nodes 3 --flag ${made.flag}=100,200`,
      '',
    ].join('\n'),
  )
  return 0
}

try {
  process.exitCode = main()
} catch (error) {
  process.stderr.write(`${error instanceof BaseError ? error.message : String(error)}\n`)
  process.exitCode = 1
}
