/**
 * Cross-validation with its folds fitted on worker threads (`crossValidateOnThreads`): the same
 * result as `crossValidate` on one thread, bit for bit, on dense and sparse designs, both
 * families, weights, penalty factors and explicit folds; progress as folds finish; errors named.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { DataError } from '../../src/core/errors.js';
import { startWorkerScript, WorkerMissing } from '../../src/core/workerScript.js';
import {
  crossValidate,
  fitFold,
  planFolds,
  seededRandom,
  type CrossValidationOptions,
  type CrossValidationResult,
} from '../../src/solve/cv.js';
import {
  crossValidateOnThreads,
  cvWorkerScript,
  type FoldWork,
  type WorkerReply,
} from '../../src/solve/cvThreads.js';
import { DenseDesign, SparseDesign, type Design } from '../../src/solve/design.js';
import { glmnetFixture } from '../helpers/glmnetFixture.js';

const fixture = glmnetFixture();

/** Every number of a result that the fold fits determine, as arrays (exact comparison). */
function numbers(r: CrossValidationResult) {
  return {
    lambdas: Array.from(r.lambdas),
    cvm: Array.from(r.cvm),
    cvsd: Array.from(r.cvsd),
    lambdaMin: r.lambdaMin,
    lambda1se: r.lambda1se,
    indexMin: r.indexMin,
    index1se: r.index1se,
    foldIds: Array.from(r.foldIds),
    folds: r.folds,
    unconvergedFolds: Array.from(r.unconvergedFolds),
    converged: r.converged,
    path: r.path.fits.map((f) => [f.lambda, f.intercept, ...Array.from(f.coefficients)]),
  };
}

/** A seeded sparse design: about a tenth of the cells filled, some 0/1 columns. */
function sparseData(n: number, p: number, seed: number, family: 'gaussian' | 'binomial') {
  const rand = seededRandom(seed);
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  const eta = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    const beta = j < 5 ? (j % 2 === 0 ? 1 : -1) * (0.5 + j / 10) : 0;
    for (let i = 0; i < n; i++) {
      if (rand() < 0.1) {
        const value = j % 3 === 0 ? 1 : rand() * 4 - 2;
        r.push(i);
        c.push(j);
        v.push(value);
        eta[i]! += beta * value;
      }
    }
  }
  const y = Array.from(eta, (e) =>
    family === 'binomial' ? (rand() < 1 / (1 + Math.exp(-e)) ? 1 : 0) : e + rand() - 0.5,
  );
  return { x: SparseDesign.fromTriplets(n, p, r, c, v), y };
}

describe('crossValidateOnThreads', () => {
  const bc = fixture.datasets['cancer']!;
  const cases: ReadonlyArray<{
    name: string;
    x: () => Design;
    y: ArrayLike<number>;
    options: CrossValidationOptions;
  }> = [
    {
      name: 'dense binomial (breast cancer), 5 folds',
      x: () => DenseDesign.fromRows(bc.x),
      y: bc.y,
      options: { family: 'binomial', folds: 5, seed: 3, nLambda: 40 },
    },
    {
      name: 'dense gaussian with weights, penalty factors and explicit folds',
      x: () => DenseDesign.fromRows(bc.x),
      y: bc.x.map((row) => row[0]!),
      options: {
        family: 'gaussian',
        weights: bc.y.map((_, i) => 1 + (i % 4)),
        penaltyFactors: bc.x[0]!.map((_, j) => (j === 0 ? Infinity : j % 5 === 0 ? 0 : 1 + j / 10)),
        foldIds: bc.y.map((_, i) => (i * 7) % 6),
        nLambda: 30,
        l1Ratio: 0.5,
      },
    },
    {
      name: 'sparse binomial, standardize "auto"',
      x: () => sparseData(600, 40, 11, 'binomial').x,
      y: sparseData(600, 40, 11, 'binomial').y,
      options: { family: 'binomial', standardize: 'auto', folds: 4, nLambda: 30 },
    },
    {
      name: 'sparse gaussian, no standardization',
      x: () => sparseData(500, 60, 12, 'gaussian').x,
      y: sparseData(500, 60, 12, 'gaussian').y,
      options: { family: 'gaussian', standardize: false, folds: 7, seed: 9, nLambda: 25 },
    },
  ];

  it.each(cases)('$name: the same result as crossValidate, bit for bit', async ({ x, y, options }) => {
    const one = crossValidate(x(), y, options);
    const three = await crossValidateOnThreads(x(), y, { ...options, threads: 3 });
    expect(numbers(three)).toEqual(numbers(one));
    const single = await crossValidateOnThreads(x(), y, { ...options, threads: 1 });
    expect(numbers(single)).toEqual(numbers(one));
  });

  it('reports the full path, then each fold as it finishes, counting up to K', async () => {
    const calls: [number, number][] = [];
    await crossValidateOnThreads(DenseDesign.fromRows(bc.x), bc.y, {
      family: 'binomial',
      folds: 6,
      nLambda: 20,
      threads: 2,
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(calls).toEqual([0, 1, 2, 3, 4, 5, 6].map((d) => [d, 6]));
  });

  it('names a bad threads value or worker file with the other option problems', async () => {
    const x = DenseDesign.fromRows(bc.x);
    await expect(
      crossValidateOnThreads(x, bc.y, { threads: 0, workerFile: 3 as unknown as string, foldz: 3 } as never),
    ).rejects.toThrow(
      /threads must be a whole number >= 1, got 0[\s\S]*workerFile must be a path or a file URL[\s\S]*"foldz"/,
    );
  });

  it('refuses a worker file that does not exist, naming it', async () => {
    const err = await crossValidateOnThreads(DenseDesign.fromRows(bc.x), bc.y, {
      family: 'binomial',
      folds: 3,
      nLambda: 5,
      threads: 2,
      workerFile: '/nonexistent/cvWorker.js',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerMissing);
    expect((err as Error).message).toContain('/nonexistent/cvWorker.js');
  });

  it("a fold's error on any thread rejects at once, whatever the others are doing", async () => {
    // fold 3 holds every row of label 1: its training rows are all of one class
    const y = bc.y.map((_, i) => (i < 40 ? 1 : 0));
    const foldIds = bc.y.map((_, i) => (i < 40 ? 3 : [0, 1, 2, 4, 5][i % 5]!));
    const options: CrossValidationOptions = { family: 'binomial', foldIds, nLambda: 30 };
    const sequential = (() => {
      try {
        crossValidate(DenseDesign.fromRows(bc.x), y, options);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(sequential).toBeInstanceOf(Error);
    for (let round = 0; round < 3; round++) {
      const threaded = await crossValidateOnThreads(DenseDesign.fromRows(bc.x), y, {
        ...options,
        threads: 3,
      }).catch((e: unknown) => e);
      expect(threaded).toBeInstanceOf(sequential!.constructor);
      expect((threaded as Error).message).toBe(sequential!.message);
    }
  });

  it("rejects at a worker's error without waiting for a fold still running on another", async () => {
    // a stand-in worker script (the option workerFile): one thread reports an error for the fold it
    // takes, the other takes a fold and never finishes it
    const dir = mkdtempSync(join(tmpdir(), 'l1s-cv-worker-'));
    const script = join(dir, 'cvWorker.mjs');
    writeFileSync(
      script,
      [
        "import { parentPort, threadId } from 'node:worker_threads';",
        'parentPort.on("message", ({ work }) => {',
        '  const fold = Atomics.add(work.next, 0, 1);',
        '  if (fold >= work.plan.folds) return parentPort.postMessage({ done: true });',
        '  if (threadId % 2 === 1)',
        '    return parentPort.postMessage({ fold, error: { name: "DataError", message: `fold ${fold} failed` } });',
        '  for (;;);',
        '});',
      ].join('\n'),
    );
    const started = Date.now();
    const err = await crossValidateOnThreads(DenseDesign.fromRows(bc.x), bc.y, {
      family: 'binomial',
      folds: 10,
      nLambda: 30,
      threads: 3,
      workerFile: script,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/^fold \d+ failed$/);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it("rejects with a fold's error, as crossValidate throws it", async () => {
    // a fold whose training rows are all of one class cannot be fitted
    const y = bc.y.map((_, i) => (i < 40 ? 1 : 0));
    const foldIds = bc.y.map((_, i) => (i < 300 ? 0 : 1));
    const options: CrossValidationOptions = { family: 'binomial', foldIds, nLambda: 5 };
    let sequential: unknown = null;
    try {
      crossValidate(DenseDesign.fromRows(bc.x), y, options);
    } catch (e) {
      sequential = e;
    }
    const threaded = await crossValidateOnThreads(DenseDesign.fromRows(bc.x), y, {
      ...options,
      threads: 2,
    }).catch((e: unknown) => e);
    expect(sequential).toBeInstanceOf(Error);
    expect(threaded).toBeInstanceOf((sequential as Error).constructor);
    expect((threaded as Error).message).toBe((sequential as Error).message);
  });

  it("the worker replies with a fold's result, or its error by name and message, and then that it is done", async () => {
    const x = DenseDesign.fromRows(bc.x);
    // fold 0 trains on rows of one class only: fitting it fails; fold 1 is fine
    const y = bc.y.map((_, i) => (i < 40 ? 1 : 0));
    const foldIds = bc.y.map((_, i) => (i < 300 ? 0 : 1));
    const options: CrossValidationOptions = { family: 'binomial', foldIds, nLambda: 5 };
    const { plan } = planFolds(x, y, options);
    let expected: Error | null = null;
    try {
      fitFold(x, plan, 0, { family: 'binomial', nLambda: 5 });
    } catch (e) {
      expected = e as Error;
    }
    expect(expected).toBeInstanceOf(Error);
    const run = async (first: number): Promise<WorkerReply[]> => {
      const worker = startWorkerScript(Worker, cvWorkerScript);
      const replies: WorkerReply[] = [];
      const next = new Int32Array(new SharedArrayBuffer(4));
      next[0] = first;
      const work: FoldWork = {
        design: { kind: 'dense', rows: x.rows, cols: x.cols, values: x.values },
        plan,
        options: { family: 'binomial', nLambda: 5 },
        next,
      };
      await new Promise<void>((resolve, reject) => {
        worker.on('message', (reply: WorkerReply) => {
          replies.push(reply);
          if ('done' in reply || 'error' in reply) resolve();
        });
        worker.on('error', reject);
        worker.postMessage({ work });
      });
      await worker.terminate();
      return replies;
    };
    const failing = await run(0);
    expect(failing).toEqual([{ fold: 0, error: { name: expected!.name, message: expected!.message } }]);
    const fine = await run(1);
    expect(fine).toHaveLength(2);
    expect(fine[1]).toEqual({ done: true });
    const result = (fine[0] as { result: { fold: number; deviance: Float64Array } }).result;
    expect(result.fold).toBe(1);
    expect(Array.from(result.deviance)).toEqual(
      Array.from(fitFold(x, plan, 1, { family: 'binomial', nLambda: 5 }).deviance),
    );
  });
});
