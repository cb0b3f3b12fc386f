import type { Family } from '../core/event.js';
import { logisticLoss } from './logistic.js';
import type { Loss } from './loss.js';
import { squaredLoss } from './squared.js';

export type { Loss } from './loss.js';
export { logisticLoss, sigmoid, softplus } from './logistic.js';
export { squaredLoss } from './squared.js';

export function lossFor(family: Family): Loss {
  return family === 'binomial' ? logisticLoss : squaredLoss;
}
