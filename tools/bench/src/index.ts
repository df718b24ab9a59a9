/**
 * The benchmark harness behind `pnpm bench`.
 *
 * Benchmarks on a noisy 2-core machine are only meaningful as ratios: every suite measures a baseline
 * (the pure-JS path, the unwrapped library, the official codec) and the candidate in the same process,
 * interleaved, and prints both with their ratio and the target when the issue names one.
 * @module
 */

/** One measured function. */
export interface BenchCase {
  readonly name: string
  readonly fn: () => unknown
  /** Runs once before measuring (warm caches, JIT). Defaults to calling `fn` a few times. */
  readonly setup?: () => unknown
}

/** What one case measured. */
export interface BenchResult {
  readonly name: string
  readonly samples: number
  readonly opsPerSecond: number
  readonly meanMs: number
  readonly p50Ms: number
  readonly p99Ms: number
  /**
   * Mean process CPU time per call (user + system, every thread of the process: GC helpers included), when
   * measured ({@link compare} does). On a shared machine it moves less than wall time with the load.
   */
  readonly cpuMeanMs?: number
}

/** How long and how often to measure. */
export interface MeasureOptions {
  /** Minimum total measuring time per case in milliseconds (default 400). */
  readonly minTimeMs?: number
  /** Minimum number of samples per case (default 10). */
  readonly minSamples?: number
  /** Maximum number of samples per case (default 100,000). */
  readonly maxSamples?: number
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] as number
}

/**
 * Summarises raw per-operation durations (milliseconds), and the per-operation process CPU times when given.
 */
export function summarize(
  name: string,
  durationsMs: readonly number[],
  cpuMs?: readonly number[],
): BenchResult {
  const sorted = [...durationsMs].sort((a, b) => a - b)
  const total = sorted.reduce((a, b) => a + b, 0)
  const meanMs = total / Math.max(1, sorted.length)
  const result = {
    name,
    samples: sorted.length,
    opsPerSecond: meanMs > 0 ? 1000 / meanMs : Number.POSITIVE_INFINITY,
    meanMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  }
  if (cpuMs === undefined || cpuMs.length === 0) return result
  return { ...result, cpuMeanMs: cpuMs.reduce((a, b) => a + b, 0) / cpuMs.length }
}

/** Measures one function: calls it repeatedly, one timing per call. */
export async function measure(bench: BenchCase, options: MeasureOptions = {}): Promise<BenchResult> {
  return summarize(bench.name, await sample(bench, options))
}

/** The raw per-call durations (milliseconds) of one function. */
export async function sample(bench: BenchCase, options: MeasureOptions = {}): Promise<number[]> {
  return (await sampleWithCpu(bench, options)).wallMs
}

/** Reads the process CPU clock (microseconds, user + system) where there is one. */
const cpuClock: (() => number) | undefined = (() => {
  const usage = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process
    ?.cpuUsage
  if (typeof usage !== 'function') return undefined
  return () => {
    const { user, system } = usage()
    return user + system
  }
})()

/** The raw per-call wall durations and process CPU times (milliseconds; CPU empty without a CPU clock). */
export async function sampleWithCpu(
  bench: BenchCase,
  options: MeasureOptions = {},
): Promise<{ wallMs: number[]; cpuMs: number[] }> {
  const minTimeMs = options.minTimeMs ?? 400
  const minSamples = options.minSamples ?? 10
  const maxSamples = options.maxSamples ?? 100_000
  if (bench.setup !== undefined) await bench.setup()
  else for (let i = 0; i < 3; i++) await bench.fn()
  const wallMs: number[] = []
  const cpuMs: number[] = []
  const started = performance.now()
  while (
    wallMs.length < maxSamples &&
    (wallMs.length < minSamples || performance.now() - started < minTimeMs)
  ) {
    const c0 = cpuClock?.()
    const t0 = performance.now()
    const r = bench.fn()
    if (r instanceof Promise) await r
    wallMs.push(performance.now() - t0)
    if (c0 !== undefined && cpuClock !== undefined) cpuMs.push((cpuClock() - c0) / 1000)
  }
  return { wallMs, cpuMs }
}

/** A target an issue names: the candidate's mean must be at most `maxMeanMs`, or its ratio at least `minRatio`. */
export interface BenchTarget {
  readonly maxMeanMs?: number
  readonly minRatio?: number
}

/** A suite: one baseline and the candidates measured against it. */
export interface CompareParams {
  readonly title: string
  readonly baseline: BenchCase
  readonly candidates: readonly BenchCase[]
  readonly target?: BenchTarget
  readonly options?: MeasureOptions
}

/** The result of {@link compare}: every case, the ratios to the baseline, whether the target was met. */
export interface CompareResult {
  readonly title: string
  readonly baseline: BenchResult
  readonly candidates: readonly (BenchResult & { readonly ratio: number })[]
  readonly targetMet: boolean | undefined
}

function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n)
  return n >= 100 ? n.toFixed(0) : n.toPrecision(digits)
}

/**
 * Measures a baseline and its candidates in the same process, alternating rounds so that machine noise
 * hits both alike, and prints a table with ratios (baseline mean / candidate mean: above 1 is faster).
 */
export async function compare(params: CompareParams): Promise<CompareResult> {
  const rounds = 3
  const per = { ...params.options, minTimeMs: Math.ceil((params.options?.minTimeMs ?? 600) / rounds) }
  const all = [params.baseline, ...params.candidates]
  const durations = all.map(() => [] as number[])
  const cpu = all.map(() => [] as number[])
  for (let round = 0; round < rounds; round++) {
    for (const [i, bench] of all.entries()) {
      const { wallMs, cpuMs } = await sampleWithCpu(bench, per)
      ;(durations[i] as number[]).push(...wallMs)
      ;(cpu[i] as number[]).push(...cpuMs)
    }
  }
  const results = all.map((bench, i) => summarize(bench.name, durations[i] as number[], cpu[i]))
  const baseline = results[0] as BenchResult
  const candidates = results.slice(1).map((r) => ({ ...r, ratio: baseline.meanMs / r.meanMs }))
  let targetMet: boolean | undefined
  const target = params.target
  if (target !== undefined) {
    targetMet = candidates.every(
      (c) =>
        (target.maxMeanMs === undefined || c.meanMs <= target.maxMeanMs) &&
        (target.minRatio === undefined || c.ratio >= target.minRatio),
    )
  }
  report({ title: params.title, baseline, candidates, targetMet }, target)
  return { title: params.title, baseline, candidates, targetMet }
}

function report(result: CompareResult, target: BenchTarget | undefined): void {
  const lines = [`\n## ${result.title}`]
  // Wall time (mean and median over every sample), the process CPU time per call (mean), and the ratio of
  // the means (the median ratio beside it): the median is what a noisy neighbour moves least.
  lines.push(
    `  ${'case'.padEnd(44)} ${'ops/s'.padStart(10)} ${'mean ms'.padStart(9)} ${'median ms'.padStart(9)} ${'cpu ms'.padStart(8)} ${'n'.padStart(6)}  ratio (mean; median)`,
  )
  const row = (r: BenchResult, ratio: string) =>
    `  ${r.name.padEnd(44)} ${fmt(r.opsPerSecond).padStart(10)} ${fmt(r.meanMs).padStart(9)} ${fmt(r.p50Ms).padStart(9)} ${(r.cpuMeanMs === undefined ? '-' : fmt(r.cpuMeanMs)).padStart(8)} ${String(r.samples).padStart(6)}  ${ratio}`
  lines.push(row(result.baseline, 'baseline'))
  for (const c of result.candidates) {
    lines.push(row(c, `${fmt(c.ratio)}x; ${fmt(result.baseline.p50Ms / c.p50Ms)}x`))
  }
  if (target !== undefined) {
    const parts: string[] = []
    if (target.maxMeanMs !== undefined) parts.push(`mean <= ${target.maxMeanMs} ms`)
    if (target.minRatio !== undefined) parts.push(`ratio >= ${target.minRatio}x`)
    let line = `  target: ${parts.join(', ')}: ${result.targetMet === true ? 'MET' : 'NOT MET'}`
    const max = target.maxMeanMs
    if (max !== undefined) {
      // Said beside the verdict, which stays on the mean: whether the median (and the CPU time) are within.
      const median = result.candidates.every((c) => c.p50Ms <= max)
      line += ` (median ${median ? 'within' : 'not within'}`
      if (result.candidates.every((c) => c.cpuMeanMs !== undefined)) {
        const cpu = result.candidates.every((c) => (c.cpuMeanMs as number) <= max)
        line += `, cpu ${cpu ? 'within' : 'not within'}`
      }
      line += ')'
    }
    lines.push(line)
  }
  console.log(lines.join('\n'))
}

/** Prints a single measured result (for figures with no natural baseline, such as latency percentiles). */
export function printResult(title: string, result: BenchResult, note?: string): void {
  console.log(
    `\n## ${title}\n  ${result.name}: ${fmt(result.opsPerSecond)} ops/s, mean ${fmt(result.meanMs)} ms, p50 ${fmt(result.p50Ms)} ms, p99 ${fmt(result.p99Ms)} ms (${result.samples} samples)${note === undefined ? '' : `\n  ${note}`}`,
  )
}
