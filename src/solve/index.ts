/**
 * The batch solver: glmnet's coordinate descent (covariance and naive updates, strong rules, KKT
 * checks, warm starts down a λ path, proximal Newton for binomial), cross-validation, adaptive
 * lasso, CSV input and SVG path plots.
 */
export { DenseDesign, SparseDesign, columnStats, type Design, type ColumnStats } from './design.js';
export { prepareProblem, type Problem, type SolverOptions } from './problem.js';
export { solveAt, solveAtProblem, type Coefficients, type LambdaFit, type SolveAtOptions } from './solve.js';
export { solvePath, solvePathProblem, lambdaGrid, type PathOptions, type PathResult } from './path.js';
export { crossValidate, assignFolds, type CrossValidationOptions, type CrossValidationResult } from './cv.js';
export { crossValidateOnThreads, type ThreadedCrossValidationOptions } from './cvThreads.js';
export { adaptiveLasso, adaptiveWeights, type AdaptiveOptions, type AdaptiveResult } from './adaptive.js';
export { objectiveValue, type ObjectiveOptions, type ObjectiveParts } from './objective.js';
export { checkKkt, type KktReport } from './kkt.js';
export { fitWarnings } from './wellPosed.js';
export { readCsvDesign, parseCsv, type CsvDesign, type CsvDesignOptions } from './csv.js';
export { plotPathSvg, type PlotOptions, type CvCurve } from './plotSvg.js';
export { readEventsDesign, type EventsDesign } from './events.js';
export { loadTrainingData, type TrainingData } from './input.js';
