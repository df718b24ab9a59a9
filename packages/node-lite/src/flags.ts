/**
 * Feature flags: protocol changes under review (XIP drafts) run behind a named flag, so that one devnet can
 * mix nodes with and without a change and show what breaks (CONTRIBUTING.md).
 *
 * A client declares the flags it speaks in the `x-xmtp-lite-flags` gRPC metadata (or the `flags` query
 * parameter of the WebSocket URL), comma-separated. A node running every declared flag serves the client as
 * usual; a node missing one refuses the client's writes with `Node::FlagNotEnabled` (FAILED_PRECONDITION),
 * the way node-go refuses clients below its minimum `x-libxmtp-version`: a client speaking a change must
 * not publish through a node that does not run it. Reads stay open, and replication between nodes is not
 * gated (nodes are content-blind: what a flagged node accepted reaches every peer).
 * @module
 */
import { NodeError } from './errors.ts'

/** The gRPC metadata key (and WebSocket query parameter `flags`) carrying a client's flags. */
export const flagsMetadataKey = 'x-xmtp-lite-flags'

/** A flag name: lowercase words joined by hyphens, as an XIP slug (`xip-poll`), at most 64 characters. */
export const flagNamePattern: RegExp = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/

/** At most this many flags in one declaration (hostile input stays small). */
export const maxDeclaredFlags = 32

/**
 * Parses a comma-separated flag list from the wire.
 * @throws {NodeError} `Node::InvalidFlag` for a malformed name, too many names, or a duplicate.
 */
export function parseFlagList(value: string): string[] {
  if (value.trim() === '') return []
  const names = value.split(',').map((s) => s.trim())
  if (names.length > maxDeclaredFlags) {
    throw new NodeError('Node::InvalidFlag', `more than ${maxDeclaredFlags} flags declared`)
  }
  const seen = new Set<string>()
  for (const name of names) {
    if (name.length > 64 || !flagNamePattern.test(name)) {
      throw new NodeError('Node::InvalidFlag', `malformed flag name ${JSON.stringify(name.slice(0, 80))}`)
    }
    if (seen.has(name)) throw new NodeError('Node::InvalidFlag', `flag ${name} declared twice`)
    seen.add(name)
  }
  return names
}

/** The flags a node runs. */
export class NodeFlags {
  readonly #names: ReadonlySet<string>

  /** @throws {NodeError} `Node::InvalidFlag` for a malformed or repeated name. */
  constructor(names: readonly string[] = []) {
    this.#names = new Set(parseFlagList(names.join(',')))
  }

  /** Whether the node runs `name`. */
  has(name: string): boolean {
    return this.#names.has(name)
  }

  /** The flags, sorted. */
  list(): string[] {
    return [...this.#names].sort()
  }

  /**
   * Admits a write from a client that declared `declared` (the raw header value, or undefined).
   * @throws {NodeError} `Node::InvalidFlag` for a malformed declaration; `Node::FlagNotEnabled` when the
   * client speaks a flag this node does not run.
   */
  admitWrite(declared: string | undefined): void {
    if (declared === undefined) return
    const missing = parseFlagList(declared).filter((name) => !this.#names.has(name))
    if (missing.length > 0) {
      throw new NodeError(
        'Node::FlagNotEnabled',
        `this node does not run ${missing.join(', ')}; publish through a node that does`,
      )
    }
  }
}
