import { refitWindow } from '../../bench/solve/refitWindow.js';
import { OnlineModel } from '../../src/model/onlineModel.js';
import type { Coefficients } from '../../src/solve/solve.js';

/**
 * The live online model (FTRL, standardized, at `lambda`) after window a's first through b's last
 * event of the bench's refit windows (`rows` events in a, shifted by 10 %), as a solver's start.
 */
export function onlineStart(rows: number, cols: number, lambda: number): Coefficients {
  const events = refitWindow({ rows: rows + rows / 10, cols });
  const x = events.x;
  const ids: number[][] = Array.from({ length: x.rows }, () => []);
  for (let j = 0; j < x.cols; j++)
    for (let k = x.colStart[j]!; k < x.colStart[j + 1]!; k++) ids[x.rowIndex[k]!]!.push(j);
  const model = new OnlineModel({ family: 'binomial', lambda });
  for (let i = 0; i < x.rows; i++)
    model.process({ label: events.y[i]!, features: { ids: ids[i]!.map((j) => `i${j}`) } });
  const snap = model.snapshot();
  const coefficients = new Float64Array(cols);
  for (const [name, value] of Object.entries(snap.coefficients))
    coefficients[Number(name.slice('ids=i'.length))] = value;
  return { intercept: snap.intercept, coefficients };
}
