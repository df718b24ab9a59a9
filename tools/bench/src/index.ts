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

/** Summarises raw per-operation durations (milliseconds). */
export function summarize(name: string, durationsMs: readonly number[]): BenchResult {
  const sorted = [...durationsMs].sort((a, b) => a - b)
  const total = sorted.reduce((a, b) => a + b, 0)
  const meanMs = total / Math.max(1, sorted.length)
  return {
    name,
    samples: sorted.length,
    opsPerSecond: meanMs > 0 ? 1000 / meanMs : Number.POSITIVE_INFINITY,
    meanMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  }
}

/** Measures one function: calls it repeatedly, one timing per call. */
export async function measure(bench: BenchCase, options: MeasureOptions = {}): Promise<BenchResult> {
  return summarize(bench.name, await sample(bench, options))
}

/** The raw per-call durations (milliseconds) of one function. */
export async function sample(bench: BenchCase, options: MeasureOptions = {}): Promise<number[]> {
  const minTimeMs = options.minTimeMs ?? 400
  const minSamples = options.minSamples ?? 10
  const maxSamples = options.maxSamples ?? 100_000
  if (bench.setup !== undefined) await bench.setup()
  else for (let i = 0; i < 3; i++) await bench.fn()
  const durations: number[] = []
  const started = performance.now()
  while (
    durations.length < maxSamples &&
    (durations.length < minSamples || performance.now() - started < minTimeMs)
  ) {
    const t0 = performance.now()
    const r = bench.fn()
    if (r instanceof Promise) await r
    durations.push(performance.now() - t0)
  }
  return durations
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
  for (let round = 0; round < rounds; round++) {
    for (const [i, bench] of all.entries()) {
      ;(durations[i] as number[]).push(...(await sample(bench, per)))
    }
  }
  const results = all.map((bench, i) => summarize(bench.name, durations[i] as number[]))
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
  lines.push(`  ${'case'.padEnd(44)} ${'ops/s'.padStart(12)} ${'mean ms'.padStart(10)}  ratio`)
  const row = (r: BenchResult, ratio: string) =>
    `  ${r.name.padEnd(44)} ${fmt(r.opsPerSecond).padStart(12)} ${fmt(r.meanMs).padStart(10)}  ${ratio}`
  lines.push(row(result.baseline, 'baseline'))
  for (const c of result.candidates) lines.push(row(c, `${fmt(c.ratio)}x`))
  if (target !== undefined) {
    const parts: string[] = []
    if (target.maxMeanMs !== undefined) parts.push(`mean <= ${target.maxMeanMs} ms`)
    if (target.minRatio !== undefined) parts.push(`ratio >= ${target.minRatio}x`)
    lines.push(`  target: ${parts.join(', ')}: ${result.targetMet === true ? 'MET' : 'NOT MET'}`)
  }
  console.log(lines.join('\n'))
}

/** Prints a single measured result (for figures with no natural baseline, such as latency percentiles). */
export function printResult(title: string, result: BenchResult, note?: string): void {
  console.log(
    `\n## ${title}\n  ${result.name}: ${fmt(result.opsPerSecond)} ops/s, mean ${fmt(result.meanMs)} ms, p50 ${fmt(result.p50Ms)} ms, p99 ${fmt(result.p99Ms)} ms (${result.samples} samples)${note === undefined ? '' : `\n  ${note}`}`,
  )
}
