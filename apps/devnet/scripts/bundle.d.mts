/** What {@link ensureBundle} did. */
export interface EnsuredBundle {
  /** The bundle's directory (`<entry name>.js` per entry). */
  readonly dir: string
  /** Built by this call (there was none, or a file it was made of changed). */
  readonly built: boolean
  /** Why it was built ('current' when it was not). */
  readonly reason: string
}

export function ensureBundle(params: {
  readonly root: string
  /** Entry name → absolute source path. */
  readonly entries: Readonly<Record<string, string>>
  readonly cacheDir: string
  /** Global identifiers → JSON values defined in the bundle, from the directory it is built in. */
  readonly bundleDefine?: (dir: string) => Readonly<Record<string, unknown>>
  readonly log?: (reason: string) => void
}): Promise<EnsuredBundle>

export function ensureDevnetBundle(params?: {
  readonly root?: string
  readonly cacheDir?: string
  readonly log?: (reason: string) => void
}): Promise<EnsuredBundle>
