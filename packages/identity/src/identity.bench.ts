/**
 * Benchmarks of @xmtp-lite/identity (`pnpm bench identity`), each against a baseline in the same run:
 * - validating a full 256-update inbox log (target <= 50 ms);
 * - installation-key (Ed25519ph) verifications per second (target >= 5,000/s);
 * - wallet (EIP-191) signature recoveries per second.
 *
 * "cold" = no signature cache: every signature is verified (the crypto provider keeps no per-signature
 * state). "warm" = a signature cache that already holds every signature (a node re-validating an inbox log
 * it validated before, as node-lite's ledger validator does on each new update). The default provider uses
 * libsodium and libsecp256k1 where their optional packages loaded (printed in the titles).
 */
import { loadavg } from 'node:os'
import { compare } from '@xmtp-lite/bench'
import { defaultCrypto, nobleCrypto, toHex, utf8ToBytes } from '@xmtp-lite/common'
import { recoverMessageAddress } from 'viem'
import type { IdentityUpdate, VerifiedIdentityUpdate } from './model.ts'
import { type AssociationState, applyUpdate } from './state.ts'
import { addMember, installation, registration, revokeMember, wallet } from './testing.fixtures.ts'
import {
  createSignatureCache,
  installationKeyContext,
  verifyIdentityUpdate,
  verifySignature,
} from './verify.ts'

const owner = wallet(1)

/** A realistic full log: register, then add and revoke installations in turn (256 updates in all). */
async function buildLog(): Promise<IdentityUpdate[]> {
  const log: IdentityUpdate[] = [await registration(owner, installation(0))]
  const inboxId = log[0]?.inboxId as string
  let n = 1
  while (log.length < 256) {
    const inst = installation(n % 200)
    const fresh = { ...inst, identifier: inst.identifier }
    log.push(await addMember(inboxId, owner, fresh, log.length))
    if (log.length < 256) log.push(await revokeMember(inboxId, owner, fresh, log.length))
    n++
  }
  return log
}

async function validateLog(
  log: readonly IdentityUpdate[],
  options: Parameters<typeof verifyIdentityUpdate>[1],
) {
  let state: AssociationState | undefined
  for (const update of log) state = applyUpdate(state, await verifyIdentityUpdate(update, options))
  if (state === undefined || state.members.size < 2) throw new Error('log did not validate')
  return state
}

const log = await buildLog()
const verifiedLog: VerifiedIdentityUpdate[] = []
for (const u of log) verifiedLog.push(await verifyIdentityUpdate(u))
const warmCache = createSignatureCache(2048)
await validateLog(log, { cache: warmCache })
const backends = `node backends: ${defaultCrypto.nativeBackends?.join(', ') || 'none'}`
const signatures = log.reduce(
  (n, u) => n + u.actions.reduce((m, a) => m + (a.kind === 'addAssociation' ? 2 : 1), 0),
  0,
)

const logTitle = `validate a full 256-update inbox log (${signatures} signatures: EIP-191 + Ed25519ph; ${backends})`
const noble = {
  name: 'cold: verify + reduce, noble provider',
  fn: () => validateLog(log, { crypto: nobleCrypto }),
}
const coldDefault = {
  name: `cold: verify + reduce, default provider (${defaultCrypto.name})`,
  fn: () => validateLog(log, {}),
}
await compare({
  title: `${logTitle}, cold (no signature cache)`,
  baseline: noble,
  candidates: [coldDefault],
  target: { maxMeanMs: 50 },
  options: { minSamples: 2, minTimeMs: 900 },
})
/**
 * CPU time of one cold log: user + system time of this process (`process.cpuUsage`, every thread of it, so
 * garbage-collector threads count too) around one validation, beside its wall time. On a machine shared
 * with other processes the wall time also holds the time spent waiting for a core; the CPU time is what
 * one validation costs, and is what a quiet 2-core machine would show as wall time (one thread).
 */
async function timeLog(fn: () => Promise<unknown>): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await fn()
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs }
}
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
{
  const load = loadavg()
  const cases = [
    { name: noble.name, fn: noble.fn, every: 5, cpu: [] as number[], wall: [] as number[] },
    { name: coldDefault.name, fn: coldDefault.fn, every: 1, cpu: [] as number[], wall: [] as number[] },
  ]
  // Interleaved: a noble log every fifth round (each takes about a second), ours every round.
  for (let round = 0; round < 20; round++) {
    for (const c of cases) {
      if (round % c.every !== 0) continue
      const { cpuMs, wallMs } = await timeLog(c.fn)
      c.cpu.push(cpuMs)
      c.wall.push(wallMs)
    }
  }
  const base = median(cases[0]?.cpu ?? [])
  console.log(`\n## ${logTitle}, cold, CPU time per log (process.cpuUsage, user + system)`)
  console.log(`  load average at start: ${load.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`)
  console.log(
    '  case                                                runs  CPU ms median (min)  wall ms median (min)  CPU ratio',
  )
  for (const c of cases) {
    const cpu = `${median(c.cpu).toFixed(1)} (${Math.min(...c.cpu).toFixed(1)})`
    const wall = `${median(c.wall).toFixed(1)} (${Math.min(...c.wall).toFixed(1)})`
    const ratio = c === cases[0] ? 'baseline' : `${(base / median(c.cpu)).toFixed(1)}x`
    console.log(
      `  ${c.name.padEnd(50)}  ${String(c.cpu.length).padStart(4)}  ${cpu.padStart(19)}  ${wall.padStart(20)}  ${ratio}`,
    )
  }
  const ours = median(cases[1]?.cpu ?? [])
  console.log(`  target: CPU median <= 50 ms per log: ${ours <= 50 ? 'MET' : 'NOT MET'}`)
}

await compare({
  title: `${logTitle}, warm (re-validation: the signature cache holds the log)`,
  baseline: coldDefault,
  candidates: [
    {
      name: 'warm: verify + reduce, signature cache holds the log',
      fn: () => validateLog(log, { cache: warmCache }),
    },
    {
      name: 'reduce only (pre-verified updates)',
      fn: () => {
        let state: AssociationState | undefined
        for (const u of verifiedLog) state = applyUpdate(state, u)
        return state
      },
    },
  ],
  target: { maxMeanMs: 50 },
  options: { minSamples: 2, minTimeMs: 900 },
})

const inst = installation(7)
const text = `XMTP : Authenticate to inbox\n\n${'x'.repeat(300)}`
const edSig = (await inst.sign(text)) as {
  kind: 'installationKey'
  signature: Uint8Array
  publicKey: Uint8Array
}
const textBytes = utf8ToBytes(text)
// 64 installations, each signing its own text: cold verifications that do not repeat one input.
const manyEd = await Promise.all(
  Array.from({ length: 64 }, async (_, i) => {
    const own = `${text}${i}`
    return { text: own, sig: (await installation(20 + i).sign(own)) as typeof edSig }
  }),
)
let nextEd = 0
const edCache = createSignatureCache(16)
await verifySignature(edSig, text, { cache: edCache })
await compare({
  title: `installation-key (Ed25519ph, context IDENTITY UPDATE SIGNATURE) verifications, cold (${backends})`,
  baseline: {
    name: 'cold: noble verifyPh',
    fn: () =>
      nobleCrypto.ed25519.verifyPh(edSig.signature, textBytes, edSig.publicKey, installationKeyContext),
  },
  candidates: [
    {
      name: `cold: verifySignature, default provider (${defaultCrypto.name})`,
      fn: () => verifySignature(edSig, text),
    },
    {
      name: 'cold: verifySignature, a different key and text every time (64)',
      fn: () => {
        const one = manyEd[nextEd++ % manyEd.length] as (typeof manyEd)[number]
        return verifySignature(one.sig, one.text)
      },
    },
  ],
  // >= 5,000 verifications/s
  target: { maxMeanMs: 0.2 },
  options: { minSamples: 20, minTimeMs: 1500 },
})
await compare({
  title: 'installation-key verifications, warm (the signature cache holds the signature)',
  baseline: {
    name: `cold: verifySignature, default provider (${defaultCrypto.name})`,
    fn: () => verifySignature(edSig, text),
  },
  candidates: [
    {
      name: 'warm: verifySignature, signature cache hit',
      fn: () => verifySignature(edSig, text, { cache: edCache }),
    },
  ],
  target: { maxMeanMs: 0.2 },
  options: { minSamples: 20, minTimeMs: 1500 },
})

const walletSig = (await owner.sign(text)) as { kind: 'erc191'; signature: Uint8Array }
const hexSig = `0x${toHex(walletSig.signature)}` as const
const walletCache = createSignatureCache(16)
await verifySignature(walletSig, text, { cache: walletCache })
await compare({
  title: `wallet (EIP-191) signature recoveries (${backends})`,
  baseline: {
    name: 'cold: verifySignature, noble provider',
    fn: () => verifySignature(walletSig, text, { crypto: nobleCrypto }),
  },
  candidates: [
    {
      name: 'cold: viem recoverMessageAddress',
      fn: () => recoverMessageAddress({ message: text, signature: hexSig }),
    },
    {
      name: `cold: verifySignature, default provider (${defaultCrypto.name})`,
      fn: () => verifySignature(walletSig, text),
    },
    {
      name: 'warm: verifySignature, signature cache hit',
      fn: () => verifySignature(walletSig, text, { cache: walletCache }),
    },
  ],
  options: { minSamples: 20, minTimeMs: 1500 },
})
