/**
 * A typed handle on the official-SDK driver (`sdk/driver.mjs`), which runs `@xmtp/node-sdk@5.5.0`
 * (libxmtp 1.9.1) on Node 22 in a child process. Tests use it as the implementation nobody here wrote.
 * @module
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { InteropError } from './errors.ts'
import { findNode22 } from './node22.ts'

const driverPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'sdk', 'driver.mjs')
/** Replies of the driver start with this; every other stdout line is libxmtp's log. */
const replyMarker = '\u0001xmtp-driver '
const maxLogLines = 5_000
/**
 * Lines kept past the cap: libxmtp's refusals ("Transaction failed …", forks, permission failures), which
 * the mixed tests check between steps; a 20-member soak step logs thousands of routine lines per driver.
 */
const keptLogLine = /Transaction failed|forked|InsufficientPermissions/
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes of libxmtp's log
const ansi = /\u001b\[[0-9;]*m/g

/** A message as the official SDK decoded it. */
export interface SdkMessage {
  readonly id: string
  readonly senderInboxId: string
  /** `authority/type:major.minor` */
  readonly contentType: string
  readonly content: unknown
  readonly fallback: string | null
  readonly kind: number
  readonly sentAtNs: string
  readonly conversationId: string
  /** Reactions libxmtp attached to this message (it lists them here, not as messages of their own). */
  readonly reactions: readonly SdkMessage[]
}

/** A group as the official SDK sees it: what mixed tests compare after every step. */
export interface SdkGroupState {
  readonly id: string
  readonly name: string | null
  readonly description: string | null
  readonly epoch: string
  readonly maybeForked: boolean
  readonly members: readonly { readonly inboxId: string; readonly installationIds: readonly string[] }[]
  readonly admins: readonly string[]
  readonly superAdmins: readonly string[]
}

/** One official client's identity. */
export interface SdkClientInfo {
  readonly inboxId: string
  readonly installationId: string
  readonly address: string
}

interface Pending {
  resolve(value: unknown): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

/** Options for {@link SdkDriver.start}. */
export interface SdkDriverOptions {
  /** Per-call timeout in milliseconds (default 60,000: libxmtp's first calls compile and open SQLite). */
  readonly timeoutMs?: number
  /** Extra environment for the driver process (e.g. `XMTP_SDK_LOG: 'Info'` for libxmtp's log lines). */
  readonly env?: Readonly<Record<string, string>>
  /** Also print libxmtp's log lines on stderr (default: when `XMTP_SDK_LOG_ECHO` is set). */
  readonly echoLogs?: boolean
}

/** The official SDK in a child process. Always `close()` it. */
export class SdkDriver {
  readonly #child: ChildProcessWithoutNullStreams
  readonly #pending = new Map<number, Pending>()
  readonly #timeoutMs: number
  #nextId = 1
  #exited: Error | undefined
  #logs: string[] = []
  #echoLogs = false
  /** The driver's Node version (22 or newer). */
  readonly nodeVersion: string

  private constructor(child: ChildProcessWithoutNullStreams, timeoutMs: number, nodeVersion: string) {
    this.#child = child
    this.#timeoutMs = timeoutMs
    this.nodeVersion = nodeVersion
  }

  /**
   * Starts the driver and waits until the SDK has loaded.
   * @throws {InteropError} `Interop::Node22Missing`, `Interop::DriverExited`.
   */
  static async start(options: SdkDriverOptions = {}): Promise<SdkDriver> {
    const node = findNode22()
    const child = spawn(node, [driverPath], {
      cwd: dirname(driverPath),
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000)
    })
    const lines = createInterface({ input: child.stdout })
    const ready = await new Promise<{ node: string }>((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(
          new InteropError('Interop::DriverExited', `the SDK driver exited with ${code}`, {
            details: stderr,
          }),
        )
      child.once('exit', onExit)
      child.once('error', (cause) =>
        reject(new InteropError('Interop::DriverExited', 'the SDK driver did not start', { cause })),
      )
      const onLine = (line: string) => {
        if (!line.startsWith(replyMarker)) return
        lines.off('line', onLine)
        child.off('exit', onExit)
        resolve((JSON.parse(line.slice(replyMarker.length)) as { result: { node: string } }).result)
      }
      lines.on('line', onLine)
    })
    const driver = new SdkDriver(child, options.timeoutMs ?? 60_000, ready.node)
    driver.#echoLogs = options.echoLogs ?? (process.env.XMTP_SDK_LOG_ECHO ?? '') !== ''
    lines.on('line', (line) => driver.#onLine(line))
    child.on('exit', (code) => {
      driver.#exited = new InteropError('Interop::DriverExited', `the SDK driver exited with ${code}`, {
        details: stderr,
      })
      for (const pending of driver.#pending.values()) pending.reject(driver.#exited)
      driver.#pending.clear()
    })
    return driver
  }

  #onLine(line: string): void {
    if (!line.startsWith(replyMarker)) {
      const log = line.replace(ansi, '')
      this.#logs.push(log)
      if (this.#logs.length > 2 * maxLogLines) {
        const from = this.#logs.length - maxLogLines
        this.#logs = this.#logs.filter((l, i) => i >= from || keptLogLine.test(l))
        if (this.#logs.length > 2 * maxLogLines) this.#logs.splice(0, this.#logs.length - maxLogLines)
      }
      if (this.#echoLogs) process.stderr.write(`[libxmtp] ${log}\n`)
      return
    }
    const reply = JSON.parse(line.slice(replyMarker.length)) as {
      id: number
      ok: boolean
      result?: unknown
      error?: { name: string; message: string }
    }
    const pending = this.#pending.get(reply.id)
    if (pending === undefined) return
    this.#pending.delete(reply.id)
    clearTimeout(pending.timer)
    if (reply.ok) pending.resolve(reply.result)
    else {
      pending.reject(
        new InteropError('Interop::SdkCallFailed', `official SDK: ${reply.error?.message ?? 'failed'}`, {
          details: reply.error?.name ?? 'Error',
        }),
      )
    }
  }

  /**
   * Sends one command to the driver.
   * @throws {InteropError} `Interop::SdkCallFailed`, `Interop::Timeout`, `Interop::DriverExited`.
   */
  call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.#exited !== undefined) return Promise.reject(this.#exited)
    const id = this.#nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new InteropError('Interop::Timeout', `official SDK call ${op} timed out`))
      }, this.#timeoutMs)
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
      this.#child.stdin.write(`${JSON.stringify({ id, op, args })}\n`)
    })
  }

  /**
   * libxmtp's log lines since the last call (the driver's `XMTP_SDK_LOG` level, `Off` by default), ANSI
   * colours removed; past 10,000 lines the oldest routine ones are dropped (refusals are kept). libxmtp
   * reports a refused commit only here ("Transaction failed").
   */
  takeLogs(): string[] {
    return this.#logs.splice(0)
  }

  /** `generateInboxId` of the official SDK for an Ethereum address and nonce. */
  generateInboxId(address: string, nonce: bigint): Promise<string> {
    return this.call('generateInboxId', { address, nonce: nonce.toString() })
  }

  /** Registers (or loads) an official client for a wallet key against a node (`apiUrl`, default localhost:5556). */
  createClient(name: string, privateKey: `0x${string}`, apiUrl?: string): Promise<SdkClientInfo> {
    return this.call('createClient', { name, privateKey, ...(apiUrl === undefined ? {} : { apiUrl }) })
  }

  /** Stops the driver process. */
  async close(): Promise<void> {
    if (this.#exited !== undefined) return
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    this.#child.stdin.end()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
}
