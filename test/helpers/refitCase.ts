import { onlineStart } from '../../bench/solve/refit.js';
import { refitWindow } from '../../bench/solve/refitWindow.js';
import type { Coefficients } from '../../src/solve/solve.js';

/**
 * The refit case at test size: 2,000 events × 20,000 hashed columns (bench:solve's refit
 * windows), window b 10 % after window a, a binomial fit at `lambda` and `kktTolerance`.
 */
export function refitCase(lambda: number, kktTolerance: number) {
  const rows = 2_000;
  const cols = 20_000;
  return {
    rows,
    cols,
    a: refitWindow({ rows, cols }),
    b: refitWindow({ rows, cols, first: rows / 10 }),
    opts: { family: 'binomial' as const, lambda, kktTolerance },
    /** The live online model (FTRL, standardized, at `lambda`) after window a's first through b's last event. */
    onlineStart: (): Coefficients => onlineStart(lambda, { rows: rows + rows / 10, cols }),
  };
}
