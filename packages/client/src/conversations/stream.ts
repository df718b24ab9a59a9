/**
 * Message streams that survive the connection: what is delivered comes from the conversation's own
 * processing, which stores each message once by its node id and advances the conversation's cursor. A
 * streamed message is applied as it arrives when it is provably the next one after the cursor (the
 * subscription delivers its topic in id order with no gap, v3-node-api-and-identity.md §3.7), and through
 * a full sync of the conversation otherwise. So a stream that drops and reopens from the stored cursors
 * loses nothing and repeats nothing (mls-groups.md §8.2), and an app sees `disconnect` / `reconnect`
 * events in between.
 * @module
 */
import { toHex } from '@xmtp-lite/common'
import { decodeStreamedGroupMessage, type GroupMessageRecord } from '../api/api.ts'
import { backoffDelay, type RetryPolicy } from '../api/retry.ts'
import type { Client } from '../client.ts'
import type { ClientError } from '../errors.ts'
import type { StreamCall } from '../transport/transport.ts'
import type { Conversation, TopicWatch } from './conversation.ts'
import type { DecodedMessage } from './messages.ts'
import { WakeQueue } from './wakeQueue.ts'

/** What a stream watches. */
export interface StreamSource {
  readonly client: Client
  /** The conversations to subscribe to now (called again at every (re)connection). */
  conversations(): Promise<Conversation[]>
  /** Whether to also watch this installation's welcomes (new conversations). */
  readonly welcomes: boolean
  /** The last welcome id processed. */
  welcomeCursor(): Promise<bigint>
  /** Joins new welcomes; the joined conversations' messages arrive through `listen`. */
  syncWelcomes(): Promise<unknown>
  /** Registers for every message a sync stores; returns its removal. */
  listen(listener: (messages: readonly DecodedMessage[]) => void): () => void
  /** Keeps a message if it belongs to the stream. */
  readonly filter?: (message: DecodedMessage) => boolean
}

/** Events of a stream's connection. */
export interface StreamEvents {
  onDisconnect?(error: ClientError | undefined): void
  onReconnect?(): void
}

/**
 * The connection state both streams keep: at most one reopen pending, after a backoff that restarts once a
 * subscription opens; `onDisconnect` once per outage, `onReconnect` when the next subscription opens.
 */
class Reconnector {
  readonly #events: StreamEvents
  readonly #retry: RetryPolicy
  readonly #closed: () => boolean
  readonly #reopen: () => Promise<void>
  #attempt = 0
  #reconnecting = false
  #disconnected = false

  constructor(events: StreamEvents, retry: RetryPolicy, closed: () => boolean, reopen: () => Promise<void>) {
    this.#events = events
    this.#retry = retry
    this.#closed = closed
    this.#reopen = reopen
  }

  /** A subscription opened: the backoff restarts, and an app told of an outage hears it is over. */
  opened(): void {
    this.#attempt = 0
    if (this.#disconnected) {
      this.#disconnected = false
      this.#events.onReconnect?.()
    }
  }

  /** The subscription broke: `cancel` ends what is left of it, and a new one opens after the backoff. */
  dropped(error: ClientError | undefined, cancel: () => void): void {
    if (this.#closed() || this.#reconnecting) return
    this.#reconnecting = true
    cancel()
    if (!this.#disconnected) {
      this.#disconnected = true
      this.#events.onDisconnect?.(error)
    }
    const delay = backoffDelay(this.#attempt++, { maxDelayMs: 5_000, ...this.#retry })
    setTimeout(() => {
      this.#reconnecting = false
      if (this.#closed()) return
      this.#reopen().catch((e: unknown) => this.dropped(e as ClientError, cancel))
    }, delay)
  }
}

/** An async iterable of messages; `close()` ends it. */
export class MessageStream implements AsyncIterable<DecodedMessage> {
  readonly #source: StreamSource
  readonly #connection: Reconnector
  readonly #queue = new WakeQueue<DecodedMessage>(() => {
    this.#unlisten()
    for (const call of this.#calls.splice(0)) call.cancel()
  })
  #calls: StreamCall[] = []
  readonly #unlisten: () => void
  /** Resolves once the first subscription is open. */
  readonly ready: Promise<void>

  constructor(source: StreamSource, events: StreamEvents = {}, retry: RetryPolicy = {}) {
    this.#source = source
    this.#connection = new Reconnector(
      events,
      retry,
      () => this.#queue.closed,
      () => this.#open(),
    )
    this.#unlisten = source.listen((messages) => {
      const filter = source.filter
      this.#queue.push(...(filter === undefined ? messages : messages.filter(filter)))
    })
    this.ready = this.#open()
  }

  async #open(): Promise<void> {
    const client = this.#source.client
    const conversations = await this.#source.conversations()
    const byGroup = new Map(conversations.map((c) => [c.id, c]))
    let settle: (opened: boolean) => void = () => {}
    const settled = new Promise<boolean>((resolve) => {
      settle = resolve
    })
    const onError = (error: ClientError | undefined) => {
      settle(false)
      this.#dropped(error)
    }
    const onOpen = () => {
      // Reported here, not after every call is set up: a subscription can deliver a message (and the
      // stream yield it) while the next call is still being prepared, and an app must see `reconnect`
      // before anything that arrived through the new subscriptions.
      this.#connection.opened()
      settle(true)
    }
    const calls: StreamCall[] = []
    if (conversations.length > 0) {
      // What this subscription delivered per group: lets a delivered message be applied without reading
      // the topic again, and a send skip its sync while the subscription keeps the conversation current.
      const watches = new Map<string, TopicWatch>()
      const unwatch = () => {
        for (const [id, watch] of watches) byGroup.get(id)?.unwatch(watch)
        watches.clear()
      }
      for (const c of conversations) watches.set(c.id, c.watch(c.cursor))
      const call = client.api.subscribeGroupMessages(
        conversations.map((c) => ({ groupId: c.groupId, afterId: c.cursor })),
        {
          onOpen: () => {
            for (const watch of watches.values()) watch.opened = true
            onOpen()
          },
          onMessage: (bytes) => {
            let record: GroupMessageRecord | undefined
            try {
              record = decodeStreamedGroupMessage(bytes)
            } catch {
              // Not a GroupMessage: a node fault, not a reason to stop reading.
              return
            }
            const id = record === undefined ? undefined : toHex(record.groupId)
            const conversation = id === undefined ? undefined : byGroup.get(id)
            const watch = id === undefined ? undefined : watches.get(id)
            if (record === undefined || conversation === undefined || watch === undefined) return
            const previous = watch.delivered
            if (record.id > previous) watch.delivered = record.id
            conversation.receiveStreamed(record, previous).catch(() => this.#dropped(undefined))
          },
          onError: (error) => {
            unwatch()
            onError(error)
          },
          onEnd: () => {
            unwatch()
            onError(undefined)
          },
        },
      )
      calls.push({
        cancel() {
          unwatch()
          call.cancel()
        },
      })
    }
    if (this.#source.welcomes) {
      const afterId = await this.#source.welcomeCursor()
      calls.push(
        client.api.subscribeWelcomeMessages([{ installationKey: client.installationKey, afterId }], {
          onOpen,
          onMessage: () => {
            // A new conversation: join it, then resubscribe so its topic is watched too.
            this.#source
              .syncWelcomes()
              .then(() => this.#restart())
              .catch(() => this.#dropped(undefined))
          },
          onError,
          onEnd: () => onError(undefined),
        }),
      )
    }
    this.#calls = calls
    if (calls.length > 0 && !(await settled)) return
    // Catch up on what arrived while no subscription was open (first start and every reconnect).
    for (const c of conversations) await c.sync().catch(() => undefined)
  }

  #restart(): void {
    for (const call of this.#calls.splice(0)) call.cancel()
    if (!this.#queue.closed) void this.#open().catch((e: unknown) => this.#dropped(e as ClientError))
  }

  #dropped(error: ClientError | undefined): void {
    this.#connection.dropped(error, () => {
      for (const call of this.#calls.splice(0)) call.cancel()
    })
  }

  /** Ends the stream; a pending `next()` resolves as done. */
  close(): void {
    this.#queue.close()
  }

  [Symbol.asyncIterator](): AsyncIterator<DecodedMessage> {
    return this.#queue[Symbol.asyncIterator]()
  }
}

/** What a stream of conversations watches. */
export interface ConversationStreamSource {
  readonly client: Client
  /** The last welcome id processed. */
  welcomeCursor(): Promise<bigint>
  /** Joins new welcomes; the joined conversations arrive through `listen`. */
  syncWelcomes(): Promise<unknown>
  /** Registers for every conversation joined by welcome or created here; returns its removal. */
  listen(listener: (conversation: Conversation) => void): () => void
  /** Keeps a conversation if it belongs to the stream. */
  readonly filter?: (conversation: Conversation) => boolean
}

/**
 * An async iterable of the conversations this installation joins (by welcome) or creates from now on,
 * each once; reconnects by itself and catches up on the welcomes that arrived while no subscription was
 * open (from the stored welcome cursor, so nothing is lost). `close()` ends it.
 */
export class ConversationStream implements AsyncIterable<Conversation> {
  readonly #source: ConversationStreamSource
  readonly #connection: Reconnector
  readonly #queue = new WakeQueue<Conversation>(() => {
    this.#unlisten()
    this.#call?.cancel()
    this.#call = undefined
  })
  readonly #seen = new Set<string>()
  #call: StreamCall | undefined
  readonly #unlisten: () => void
  /** Resolves once the first subscription is open. */
  readonly ready: Promise<void>

  constructor(source: ConversationStreamSource, events: StreamEvents = {}, retry: RetryPolicy = {}) {
    this.#source = source
    this.#connection = new Reconnector(
      events,
      retry,
      () => this.#queue.closed,
      () => this.#open(),
    )
    this.#unlisten = source.listen((conversation) => {
      if (this.#queue.closed || this.#seen.has(conversation.id)) return
      if (source.filter !== undefined && !source.filter(conversation)) return
      this.#seen.add(conversation.id)
      this.#queue.push(conversation)
    })
    this.ready = this.#open()
  }

  async #open(): Promise<void> {
    const client = this.#source.client
    const afterId = await this.#source.welcomeCursor()
    let settle: (opened: boolean) => void = () => {}
    const settled = new Promise<boolean>((resolve) => {
      settle = resolve
    })
    const onError = (error: ClientError | undefined) => {
      settle(false)
      this.#dropped(error)
    }
    this.#call = client.api.subscribeWelcomeMessages([{ installationKey: client.installationKey, afterId }], {
      onOpen: () => {
        this.#connection.opened()
        settle(true)
      },
      // Processed from the stored cursor (under the welcome lock), so one welcome is joined once however
      // many notifications or catch-ups ask for it.
      onMessage: () => {
        this.#source.syncWelcomes().catch(() => this.#dropped(undefined))
      },
      onError,
      onEnd: () => onError(undefined),
    })
    if (!(await settled)) return
    // Catch up on welcomes that arrived while no subscription was open (first start and every reconnect).
    await this.#source.syncWelcomes().catch(() => this.#dropped(undefined))
  }

  #dropped(error: ClientError | undefined): void {
    this.#connection.dropped(error, () => {
      this.#call?.cancel()
      this.#call = undefined
    })
  }

  /** Ends the stream; a pending `next()` resolves as done. */
  close(): void {
    this.#queue.close()
  }

  [Symbol.asyncIterator](): AsyncIterator<Conversation> {
    return this.#queue[Symbol.asyncIterator]()
  }
}
