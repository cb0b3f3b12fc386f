import { describe, expect, it } from 'vitest';

import { checkEngineConfig } from '../../src/engine/config.js';
import { DEFAULT_REFIT_GAP, DEFAULT_REFIT_KKT } from '../../src/refit/job.js';

describe('refit.tolerance', () => {
  it("unset or null: each family's default (binomial KKT 1e-2, gaussian gap 1e-8); a number sets both", () => {
    const model = { family: 'binomial' };
    expect(checkEngineConfig({ model }).refit.tolerance).toBeNull();
    expect(checkEngineConfig({ model, refit: { tolerance: null } }).refit.tolerance).toBeNull();
    expect(checkEngineConfig({ model, refit: { tolerance: 1e-6 } }).refit.tolerance).toBe(1e-6);
    expect(DEFAULT_REFIT_KKT).toBe(1e-2);
    expect(DEFAULT_REFIT_GAP).toBe(1e-8);
    expect(() => checkEngineConfig({ model, refit: { tolerance: 2 } })).toThrow(/refit\.tolerance/);
    expect(() => checkEngineConfig({ model, refit: { tolerance: 'loose' } })).toThrow(/refit\.tolerance/);
    // the message offers null and says what it means, with the defaults in force
    const kkt = DEFAULT_REFIT_KKT.toExponential();
    const gap = DEFAULT_REFIT_GAP.toExponential();
    expect(() => checkEngineConfig({ model, refit: { tolerance: 'loose' } })).toThrow(
      `(or null: binomial refits to KKT ${kkt}, gaussian ones to a duality gap of ${gap})`,
    );
  });
});
