import { ConfigError, type Engine } from '../../src/index.js';
import { optionKeyProblems } from '../../src/internal.js';

interface InfoLogger {
  info(o: object, msg: string): void;
}

export interface ProgressLogOptions {
  /** `kafka.clientId`, named in every line beside pino's `pid` and `hostname`. */
  readonly clientId: string;
  /** How often the counts are looked at (default 10 s). */
  readonly everyMs?: number;
  /** While nothing changes, one line this often, marked idle (default 60 s). */
  readonly idleEveryMs?: number;
  readonly now?: () => number;
}

/**
 * The progress lines of a long-running `l1stream run` (on one thread or on a worker): every
 * `everyMs` when a count moved, else once per `idleEveryMs` saying idle. The counts are this
 * process's since it started (never the group's), so the lines of several instances of one group
 * add up: sum the last line of each (`clientId`, `hostname`, `pid` tell them apart).
 */
export class EngineProgressLog {
  private lastSeen = '';
  private lastAt: number;
  private readonly now: () => number;
  private readonly startedAt: number;

  constructor(
    private readonly logger: InfoLogger,
    private readonly engine: Engine,
    private readonly options: ProgressLogOptions,
  ) {
    // from JavaScript, a misspelled key (`everyms`) was ignored and its default used
    const problems = optionKeyProblems('EngineProgressLog', options, [
      'clientId',
      'everyMs',
      'idleEveryMs',
      'now',
    ]);
    if (problems.length > 0) throw new ConfigError(problems);
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.lastAt = this.startedAt;
  }

  /** Logs a line if a count moved since the last one, or if idle for `idleEveryMs`. */
  tick(): void {
    const s = this.engine.stats();
    const seen = [
      s.records,
      s.learned,
      s.scored,
      s.rejected,
      s.snapshots,
      s.alerts,
      s.refits.completed,
    ].join();
    const now = this.now();
    const idle = seen === this.lastSeen;
    if (idle && now - this.lastAt < (this.options.idleEveryMs ?? 60_000)) return;
    const idleSeconds = idle ? Math.round((now - this.lastAt) / 1000) : 0;
    this.lastSeen = seen;
    this.lastAt = now;
    this.logger.info(
      {
        clientId: this.options.clientId,
        uptimeSeconds: Math.round((now - this.startedAt) / 1000),
        records: s.records,
        events: s.learned,
        scored: s.scored,
        rejected: s.rejected,
        keys: s.keys,
        refits: s.refits.completed,
        progressiveLoss: this.engine.metrics.progressiveLoss,
        ...(idle ? { idleSeconds } : {}),
      },
      idle ? `progress: idle, nothing read in the last ${idleSeconds} s` : 'progress',
    );
  }

  /** Ticks every `everyMs` until the returned function is called. */
  start(): () => void {
    const timer = setInterval(() => this.tick(), this.options.everyMs ?? 10_000);
    timer.unref();
    return () => clearInterval(timer);
  }
}
