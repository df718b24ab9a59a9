/**
 * Every TypeScript example of the READMEs runs as written (readmes.ts), against the real packages, or is
 * listed here with the test that runs it or the reason it cannot run here. A new example fails this file
 * until it is given one of the three, so documentation cannot quietly stop running.
 */

import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as common from '@xmtp-lite/common'
import * as contentTypes from '@xmtp-lite/content-types'
import * as reaction from '@xmtp-lite/content-types/reaction'
import * as reply from '@xmtp-lite/content-types/reply'
import * as text from '@xmtp-lite/content-types/text'
import * as devnet from '@xmtp-lite/devnet'
import * as envelopes from '@xmtp-lite/envelopes'
import * as identity from '@xmtp-lite/identity'
import * as mls from '@xmtp-lite/mls'
import * as mlsValidation from '@xmtp-lite/mls/validation'
import * as nodeLite from '@xmtp-lite/node-lite'
import * as proto from '@xmtp-lite/proto'
import { describe, expect, it } from 'vitest'
import { type ReadmeBlock, readmeBlocks, runReadmeCode } from './readmes.ts'
import { repoRoot } from './workspace.ts'

type Plan =
  /** Runs here: the blocks' code (joined, in order, when one continues another) and what it must do. */
  | { readonly run: (code: string) => Promise<void>; readonly continues?: string }
  /** Read from the README and run by another test file, which names the README. */
  | { readonly runBy: string }
  /** Cannot run here; the reason names the tests that run its calls. */
  | { readonly notRun: string }

const blocks = readmeBlocks()
const block = (key: string): ReadmeBlock => {
  const found = blocks.find((b) => b.key === key)
  if (found === undefined) throw new Error(`no README block ${key}`)
  return found
}

const plans: Record<string, Plan> = {
  'packages/common/README.md › ## Usage #1': {
    run: async (code) => {
      const { logged } = await runReadmeCode(code, { modules: { '@xmtp-lite/common': common } })
      expect(logged).toEqual([
        ['node'],
        [true],
        ['0x7e5f4552091a69125d5dfcb7b8c2659029395bdf'],
        ['tampered:', 'Common::AeadTagMismatch'],
        ['ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
      ])
    },
  },
  'packages/proto/README.md › ## Usage #1': {
    run: async (code) => {
      const { logged } = await runReadmeCode(code, { modules: { '@xmtp-lite/proto': proto } })
      expect(logged).toEqual([[1732550400123456789n], ['revoke'], ['Proto::Malformed'], [true, false]])
    },
  },
  'packages/proto/README.md › ## Usage #2': {
    run: async (code) => {
      const server = new grpc.Server()
      await runReadmeCode(code, { modules: { '@xmtp-lite/proto': proto }, scope: { server } })
      // The service is registered: a second registration of the same paths is refused.
      expect(() => server.addService(proto.grpcServiceDefinition(proto.mlsApiMethods), {})).toThrow(
        /MlsApi\/\w+ already provided/,
      )
      server.forceShutdown()
    },
  },
  'packages/envelopes/README.md › ## Usage #1': {
    run: async (code) => {
      const { logged } = await runReadmeCode(code, {
        modules: { '@xmtp-lite/common': common, '@xmtp-lite/envelopes': envelopes },
      })
      expect(logged).toEqual([
        [`/xmtp/mls/1/g-${'89'.repeat(16)}/proto`],
        ['0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a'],
      ])
    },
  },
  'packages/content-types/README.md › ## Usage #1': {
    run: async (code) => {
      const { logged } = await runReadmeCode(code, {
        modules: {
          '@xmtp-lite/content-types': contentTypes,
          '@xmtp-lite/content-types/reaction': reaction,
          '@xmtp-lite/content-types/reply': reply,
          '@xmtp-lite/content-types/text': text,
        },
      })
      expect(logged).toEqual([
        ['gm 👋'],
        [{ reference: 'ab'.repeat(32), contentType: text.ContentTypeText, content: 'gm to you too' }],
        ['Reacted with "👍" to an earlier message'],
      ])
    },
  },
  'packages/content-types/README.md › ## Usage #2': {
    notRun:
      'uploads to and downloads from your https storage; encryptAttachment, the codec and loadRemoteAttachment ' +
      'run in packages/content-types/src/remote-attachment/remoteAttachment.test.ts',
  },
  'packages/identity/README.md › ## Usage #1': {
    run: async (code) => {
      const { logged, locals } = await runReadmeCode(code, {
        modules: { '@xmtp-lite/identity': identity },
        scope: {
          walletPrivateKey: new Uint8Array(32).fill(0x44),
          installationSeed: new Uint8Array(32).fill(0x45),
        },
        returns: ['wallet', 'installation', 'state', 'diff', 'ledger'],
      })
      const { wallet, installation, state, diff, ledger } = locals as {
        wallet: identity.WalletSigner
        installation: { publicKey: Uint8Array }
        state: { inboxId: string }
        diff: { newMembers: unknown[] }
        ledger: identity.IdentityLedger
      }
      expect(String(logged[0]?.[0])).toMatch(/^XMTP : Authenticate to inbox\n\nInbox ID: [0-9a-f]{64}\n/)
      expect(state.inboxId).toBe(identity.generateInboxId(wallet.identifier, 1n))
      expect(diff.newMembers).toHaveLength(2)
      expect(await ledger.wasInstallationMember(state.inboxId, installation.publicKey, 1n)).toBe(true)
      expect(await ledger.getInboxIdForAddress(wallet.identifier.address)).toBe(state.inboxId)
    },
  },
  'packages/identity/README.md › ## Usage #2': {
    notRun:
      "needs a chain's JSON-RPC URL; createViemScwVerifier runs against a local EVM in " +
      'packages/identity/src/scw.test.ts',
  },
  'packages/mls/README.md › ## Usage #1': {
    run: async (code) => {
      const { logged, locals } = await runReadmeCode(code, {
        modules: { '@xmtp-lite/mls': mls, '@xmtp-lite/mls/validation': mlsValidation },
        returns: ['group', 'bobGroup', 'again'],
      })
      expect(logged).toEqual([[true], [true]])
      const { group, bobGroup, again } = locals as Record<string, mls.MlsGroup>
      expect(bobGroup?.epoch).toBe(group?.epoch)
      expect(again?.groupId).toEqual(bobGroup?.groupId)
      expect(again?.epoch).toBe(bobGroup?.epoch)
    },
  },
  'packages/mls/README.md › ## Usage #2': {
    run: async () => {},
    continues: 'packages/mls/README.md › ## Usage #1',
  },
  'packages/node-lite/README.md › ## Usage #1': {
    run: async (code) => {
      const { logged, locals } = await runReadmeCode(code, {
        modules: { '@xmtp-lite/node-lite': nodeLite },
        returns: ['node'],
      })
      const node = locals.node as nodeLite.RunningNode
      expect(logged).toEqual([
        [`gRPC on 127.0.0.1:${node.grpcPort}, WebSocket on ws://127.0.0.1:${node.httpPort}/ws`],
      ])
      expect(node.grpcPort).toBeGreaterThan(0)
    },
  },
  'apps/devnet/README.md › ## As a library #1': {
    run: async (code) => {
      const { logged } = await runReadmeCode(code, { modules: { '@xmtp-lite/devnet': devnet } })
      const [table] = logged as [[{ node: unknown }[]]]
      expect(table[0]).toHaveLength(3)
    },
  },
  'packages/client/README.md › ## Usage #1': {
    notRun:
      'its stream loop never ends and it writes ./alice-db; Client.create, newGroup, sendText and ' +
      'streamAllMessages run on node-lite in packages/client/src/conversations/stream.test.ts and send.test.ts',
  },
  'packages/client/README.md › ## Identifiers: wallets, smart-contract wallets, passkeys #1': {
    runBy: 'packages/client/src/readme.test.ts',
  },
  'packages/client/README.md › ## In a browser #1': {
    notRun:
      'browser only; the same calls (browser-level, the WebSocket transport) run in headless Chromium in ' +
      'packages/client/test/browser/browser.test.ts',
  },
}

describe('README examples', () => {
  it('each has a plan, and each plan an example', () => {
    expect(blocks.length).toBeGreaterThan(10)
    expect(blocks.map((b) => b.key).filter((k) => !(k in plans))).toEqual([])
    expect(Object.keys(plans).filter((k) => !blocks.some((b) => b.key === k))).toEqual([])
  })

  it('those run elsewhere are read from the README by a test that exists', () => {
    for (const [key, plan] of Object.entries(plans)) {
      if (!('runBy' in plan)) continue
      const file = join(repoRoot, plan.runBy)
      expect(existsSync(file), key).toBe(true)
      expect(readFileSync(file, 'utf8'), key).toContain('README.md')
    }
  })

  for (const [key, plan] of Object.entries(plans)) {
    if (!('run' in plan) || plan.continues !== undefined) continue
    it(`runs ${key}`, async () => {
      // Blocks that continue this one run with it, in README order.
      const parts = [
        key,
        ...Object.keys(plans).filter((k) => (plans[k] as { continues?: string }).continues === key),
      ]
      await plan.run(parts.map((k) => block(k).code).join('\n'))
    }, 120_000)
  }
})
