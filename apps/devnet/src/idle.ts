/**
 * Background work that waits for a quiet event loop.
 *
 * A devnet's nodes share one thread. Loading the validators' libraries (ts-mls, viem) takes that thread in
 * synchronous slices of 20-200 ms for one to several seconds (compiling and evaluating modules). Started as
 * soon as the nodes were up, it overlapped the first seconds of traffic: the slowest publish-to-stream
 * deliveries across nodes (100-500 ms against a p50 of 6-20 ms) all fell in that window, and none after it
 * (apps/devnet README, "Delivery across nodes"). Such warm-up now waits for a loop that is mostly idle.
 * @module
 */
import { performance } from 'node:perf_hooks'

/** How {@link whenEventLoopIdle} decides that the loop is quiet. */
export interface IdleOptions {
  /** The length of one measurement (default 200 ms). */
  readonly windowMs?: number
  /** The loop counts as quiet when its utilization over a window is below this (default 0.5). */
  readonly maxUtilization?: number
}

/** A pending {@link whenEventLoopIdle} task. */
export interface IdleTask {
  /** True once the task has been started. */
  readonly started: boolean
  /** Never starts the task (no effect once started). */
  cancel(): void
}

/**
 * Starts `task` at the end of the first window in which this thread's event loop was busy less than
 * `maxUtilization` of the time (`performance.eventLoopUtilization`: the share of the window spent outside
 * the poll for I/O), measured window after window until then. While traffic keeps the loop busy the task
 * waits, with no deadline; work that needs what the task prepares must not depend on it (the validators
 * load on first use anyway). The timer is unref'd: a pending task never keeps the process alive.
 */
export function whenEventLoopIdle(task: () => void, options: IdleOptions = {}): IdleTask {
  const windowMs = options.windowMs ?? 200
  const maxUtilization = options.maxUtilization ?? 0.5
  let started = false
  let cancelled = false
  let since = performance.eventLoopUtilization()
  let timer: NodeJS.Timeout | undefined
  const check = () => {
    timer = undefined
    if (cancelled) return
    const now = performance.eventLoopUtilization()
    const window = performance.eventLoopUtilization(now, since)
    since = now
    if (window.utilization < maxUtilization) {
      started = true
      task()
      return
    }
    timer = setTimeout(check, windowMs).unref()
  }
  timer = setTimeout(check, windowMs).unref()
  return {
    get started() {
      return started
    },
    cancel() {
      cancelled = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    },
  }
}
