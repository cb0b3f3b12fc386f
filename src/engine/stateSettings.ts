import { defaultFtrl } from '../learn/ftrl.js';
import { defaultRates } from '../learn/rates.js';
import { DEFAULT_MAX_FEATURES, DEFAULT_NAME_CAPACITY } from '../features/vocabulary.js';
import { DEFAULT_TRUNCATE_EVERY } from '../learn/truncatedGradient.js';
import { onlineDefaults } from '../model/onlineModel.js';
import type { EngineConfig } from './config.js';

/** A setting as its path and its value as JSON (`["model.lambda", "0.005"]`). */
export type StateSetting = readonly [path: string, value: string];

/**
 * The settings a stored model state depends on (the README's keyed models), flattened to paths: the model section
 * (family, learner, λ, α, hashing, standardization, learner options, penalty factors by feature
 * name), how events are keyed, the refit schedule and window, drift detection, and the label
 * column of a CSV input (`csvLabel`: `replay.target` or its default). A checkpoint
 * made under one set of them is not the state the run would have under another, so a resumed run
 * must have the same. Settings that only change where, how often or how fast outputs are written
 * (snapshot cadence, scores, batch size, live-model limit, refit and drift threads,
 * drift.significance and drift.noiseFloor) are left out. Feature names are data: they appear in paths as JSON
 * strings, never as object keys.
 */
export function stateSettings(config: EngineConfig, csvLabel?: string): StateSetting[] {
  const out: StateSetting[] = [];
  const { clock: _clock, key: _key, ...given } = config.model;
  // defaults filled in, so an omitted setting and its default value are the same setting
  const model = {
    learner: onlineDefaults.learner,
    lambda: onlineDefaults.lambda,
    l1Ratio: onlineDefaults.l1Ratio,
    standardize: onlineDefaults.standardize,
    labelWarmup: onlineDefaults.labelWarmup,
    hashBits: null,
    ...given,
  };
  flatten('model', model, out);
  out.push(['model.key', JSON.stringify(config.keys.defaultKey)]);
  out.push(['model.keyBy', JSON.stringify(config.keys.keyBy)]);
  const { threads: _threads, everySeconds: _s, ...refit } = config.refit;
  flatten('refit', refit, out);
  // (significance and noiseFloor only say which of a refit's moves count, and when: the stored
  // state of the checks is valid under any of them)
  const {
    threads: _driftThreads,
    significance: _significance,
    noiseFloor: _noiseFloor,
    ...drift
  } = config.drift;
  flatten('drift', drift, out);
  // a CSV input's label column (given or the default): another one makes other events of the same rows
  if (csvLabel !== undefined) out.push(['replay.target', JSON.stringify(csvLabel)]);
  // fields left out make other events of the same lines
  if (config.files.exclude !== undefined)
    out.push(['replay.exclude', JSON.stringify([...config.files.exclude].sort())]);
  return out;
}

/**
 * The defaults of the settings `stateSettings` lists only when they are given (the learners'
 * hyperparameters, the vocabulary's bounds, the AUC sample, a feature's penalty factor), by path:
 * a state directory made without one of them resumes with it given at its default, and the other
 * way round. (They are not filled in where they are recorded: that would change what existing
 * state directories hold.)
 */
export function stateSettingDefault(path: string): string | undefined {
  if (path.startsWith('model.penaltyFactors[')) return settingValue(1);
  const value = settingDefaults.get(path);
  return value === undefined ? undefined : settingValue(value);
}

const settingDefaults: ReadonlyMap<string, string | number | boolean> = new Map<
  string,
  string | number | boolean
>([
  ['model.ftrl.alpha', defaultFtrl.alpha],
  ['model.ftrl.beta', defaultFtrl.beta],
  ['model.rates.schedule', defaultRates.schedule],
  ['model.rates.eta0', defaultRates.eta0],
  ['model.rates.delta', defaultRates.delta],
  ['model.cumulative', false],
  ['model.truncatedGradient.truncateEvery', DEFAULT_TRUNCATE_EVERY],
  ['model.truncatedGradient.theta', Infinity],
  ['model.aucSample', onlineDefaults.aucSample],
  ['model.maxFeatures', DEFAULT_MAX_FEATURES],
  ['model.nameCapacity', DEFAULT_NAME_CAPACITY],
  ['model.hashSeed', 0],
]);

function flatten(path: string, value: unknown, out: StateSetting[]): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const named = path.endsWith('penaltyFactors');
    for (const [k, v] of entries) {
      if (v === undefined) continue;
      flatten(named ? `${path}[${JSON.stringify(k)}]` : `${path}.${k}`, v, out);
    }
    return;
  }
  out.push([path, settingValue(value)]);
}

/** A setting's value as recorded: JSON, or `Infinity` (which JSON has not). */
function settingValue(value: unknown): string {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
}
