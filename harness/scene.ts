/**
 * A scene owns everything one test (or one demo run) starts: processes,
 * proxies, raw peers, fake servers. It disposes of them all at the end, and it
 * can quote what each of them saw, which every timeout error includes.
 */

/** Something a scene owns. */
export interface Resource {
  /** A short name used in transcripts, e.g. `server`, `client X`, `proxy→server`. */
  readonly label: string;
  /** Everything this resource printed or received so far, ready to quote. */
  transcript(): string;
  /** Stops it and waits until it is gone; safe to call twice. */
  dispose(): Promise<void>;
}

/** Options for a {@link Scene}. */
export interface SceneOptions {
  /**
   * Whether the Node programs started in it write V8 coverage into the
   * suite's folder while the suite runs (harness/process.ts childEnv); default
   * true. A grade's scenarios say false: the grader grades whatever it is
   * given, and the coverage report is of impl/ as its own specs run it.
   */
  readonly coverage?: boolean;
}

/**
 * The owner of a test's resources.
 *
 * @example
 * const scene = new Scene();
 * try { ... } finally { await scene.dispose(); }
 */
export class Scene {
  readonly #resources: Resource[] = [];
  /** See {@link SceneOptions.coverage}. */
  readonly coverage: boolean;

  /** A scene that owns nothing yet; see {@link SceneOptions}. */
  constructor(options: SceneOptions = {}) {
    this.coverage = options.coverage !== false;
  }

  /** Takes ownership of `resource` and returns it. */
  adopt<T extends Resource>(resource: T): T {
    this.#resources.push(resource);
    return resource;
  }

  /** Everything the scene owns, in the order it was started. */
  resources(): readonly Resource[] {
    return [...this.#resources];
  }

  /** What every resource printed or received, in the order they were started. */
  transcript(): string {
    if (this.#resources.length === 0) return '(nothing was started)';
    return this.#resources.map((resource) => resource.transcript()).join('\n');
  }

  /** Disposes of every resource, newest first; errors are collected, not lost. */
  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    for (const resource of this.#resources.splice(0).reverse()) {
      try {
        await resource.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several resources failed to stop');
  }
}
