/**
 * What the SimpleRNN and LSTM kernel tests share: seeded arguments of a call (dense or one-hot
 * x) and a comparison relative to the largest expected value.
 * @module
 */
import assert from "node:assert/strict";
import type { RnnForwardArgs } from "../../src/kernels/rnn.ts";
import { uniform } from "./_rnn_fixture.ts";

export { uniform };

/** Sizes of a call and how its x and bias are made. */
export interface CallShape {
  batch: number;
  steps: number;
  inputDim: number;
  units: number;
  /** x one-hot (one 1 per row: the sparse path) instead of dense uniform(-1, 1) */
  oneHot?: boolean;
  /** no bias (`useBias: false`) */
  noBias?: boolean;
}

/** Seeded arguments of a call with `gatesPerUnit` gates a unit (1 SimpleRNN, 4 LSTM). */
export function callArgs(shape: CallShape, gatesPerUnit: number, seed: number): RnnForwardArgs {
  const { batch, steps, inputDim, units } = shape;
  const gates = gatesPerUnit * units;
  const rows = batch * steps;
  let x: Float32Array;
  if (shape.oneHot) {
    x = new Float32Array(rows * inputDim);
    const pick = uniform(rows, seed, 1);
    for (let r = 0; r < rows; r++) x[r * inputDim + Math.floor((pick[r] + 1) / 2 * inputDim)] = 1;
  } else x = uniform(rows * inputDim, seed, 1);
  return {
    batch,
    steps,
    inputDim,
    units,
    x,
    kernel: uniform(inputDim * gates, seed + 1, 0.6),
    // spectral radius about 0.6: contracting, as trained and orthogonal-initialised ones are
    recurrentKernel: uniform(units * gates, seed + 2, 1 / Math.sqrt(units)),
    bias: shape.noBias ? null : uniform(gates, seed + 3, 0.2),
  };
}

/**
 * |actual[i] - expected[i]| <= tol * max(1, max |expected|) for every i, same lengths; returns
 * the largest difference relative to that scale.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  tol: number,
): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]) / scale;
    assert.ok(diff <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (scale ${scale})`);
    worst = Math.max(worst, diff);
  }
  return worst;
}

/**
 * Shapes the fast path is checked on: sizes not multiples of 4 or 8 (units 5, 7, 13: the
 * products' remainder columns), batch 1, 1 step.
 */
export const SHAPES: CallShape[] = [
  { batch: 3, steps: 5, inputDim: 7, units: 4 },
  { batch: 1, steps: 9, inputDim: 5, units: 12 },
  { batch: 2, steps: 1, inputDim: 3, units: 20 },
  { batch: 4, steps: 6, inputDim: 11, units: 8, oneHot: true },
  { batch: 2, steps: 4, inputDim: 1, units: 16, noBias: true },
  { batch: 5, steps: 30, inputDim: 32, units: 8 },
  { batch: 3, steps: 20, inputDim: 100, units: 32, oneHot: true },
  { batch: 3, steps: 6, inputDim: 3, units: 5 },
  { batch: 2, steps: 5, inputDim: 4, units: 7, oneHot: true },
  { batch: 4, steps: 3, inputDim: 6, units: 13, noBias: true },
];
