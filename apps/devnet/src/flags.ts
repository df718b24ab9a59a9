/**
 * Which node runs which feature flag (node-lite src/flags.ts): one devnet can mix nodes with and without
 * a protocol change under review. `--flag xip-poll=100,200` on the command line, `flags: { 'xip-poll':
 * [100, 200] }` in `startDevnet`.
 * @module
 */
import { flagNamePattern } from '@xmtp-lite/node-lite'
import { DevnetError } from './errors.ts'

/** Flag name → the ids of the nodes that run it. */
export type DevnetFlags = Readonly<Record<string, readonly number[]>>

/**
 * Parses repeated `--flag <name>=<node id>[,<node id>...]` values (`<name>` alone: every node).
 * @throws {DevnetError} `Devnet::InvalidArgument` for a malformed value, a node id twice or a flag twice.
 */
export function parseFlagArgs(values: readonly string[], nodeIds: readonly number[]): DevnetFlags {
  const out: Record<string, readonly number[]> = {}
  for (const value of values) {
    const eq = value.indexOf('=')
    const name = eq < 0 ? value : value.slice(0, eq)
    if (Object.hasOwn(out, name)) {
      throw new DevnetError('Devnet::InvalidArgument', `--flag ${name} given twice`)
    }
    const ids =
      eq < 0
        ? [...nodeIds]
        : value
            .slice(eq + 1)
            .split(',')
            .map((s) => {
              const n = Number(s.trim())
              if (s.trim() === '' || !Number.isInteger(n)) {
                throw new DevnetError('Devnet::InvalidArgument', `--flag ${name}: "${s}" is not a node id`)
              }
              return n
            })
    out[name] = ids
  }
  checkFlags(out, nodeIds)
  return out
}

/**
 * Checks flag names and node ids against the devnet's nodes.
 * @throws {DevnetError} `Devnet::InvalidArgument`
 */
export function checkFlags(flags: DevnetFlags, nodeIds: readonly number[]): void {
  for (const [name, ids] of Object.entries(flags)) {
    if (name.length > 64 || !flagNamePattern.test(name)) {
      throw new DevnetError('Devnet::InvalidArgument', `malformed flag name ${JSON.stringify(name)}`)
    }
    for (const id of ids) {
      if (!nodeIds.includes(id)) {
        throw new DevnetError(
          'Devnet::InvalidArgument',
          `flag ${name}: no node ${id} (nodes are ${nodeIds.join(', ')})`,
        )
      }
    }
    if (new Set(ids).size !== ids.length) {
      throw new DevnetError('Devnet::InvalidArgument', `flag ${name}: a node id is given twice`)
    }
  }
}

/** The flags node `id` runs, sorted. */
export function flagsOfNode(flags: DevnetFlags, id: number): string[] {
  return Object.entries(flags)
    .filter(([, ids]) => ids.includes(id))
    .map(([name]) => name)
    .sort()
}
