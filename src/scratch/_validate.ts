/**
 * Argument checks of `RecurrentNetwork` (recurrent_network.ts): each throws an `Error` naming
 * the value, what was expected and what was given.
 * @module
 */
import type { NDArray } from "../data/ndarray.ts";
import type { RecurrentNetworkFitOptions, RecurrentNetworkOptions } from "./_types.ts";

/** The options with the book's defaults filled in, checked. */
export function networkOptions(
  options: RecurrentNetworkOptions,
): Required<RecurrentNetworkOptions> {
  const {
    nCells = 10,
    batchSize = 32,
    learningRate = 0.1,
    tbpttSteps = 10,
    seed = 42,
    bookBackprop = false,
    weightDtype = "float32",
  } = options;
  positiveInteger("nCells", nCells);
  positiveInteger("batchSize", batchSize);
  if (!(learningRate > 0 && learningRate < Infinity)) {
    throw new Error(
      `RecurrentNetwork: learningRate must be a positive number, got ${learningRate}`,
    );
  }
  if (tbpttSteps !== Infinity) positiveInteger("tbpttSteps (or Infinity)", tbpttSteps);
  if (!Number.isInteger(seed)) {
    throw new Error(`RecurrentNetwork: seed must be an integer, got ${seed}`);
  }
  if (weightDtype !== "float32" && weightDtype !== "float64") {
    throw new Error(
      `RecurrentNetwork: weightDtype must be "float32" or "float64", got ${weightDtype}`,
    );
  }
  return { nCells, batchSize, learningRate, tbpttSteps, seed, bookBackprop, weightDtype };
}

/**
 * fit's arguments: x [m, steps, features] and y [m], xVal and yVal together, `epochs` and
 * `yieldIntervalMs` non-negative. Returns m and the number of features.
 */
export function checkFit(
  x: NDArray,
  y: ArrayLike<number>,
  options: RecurrentNetworkFitOptions,
): [number, number] {
  const { epochs = 100, xVal, yVal, yieldIntervalMs = 0 } = options;
  if (!(Number.isInteger(epochs) && epochs >= 0)) {
    throw new Error(`RecurrentNetwork: epochs must be a non-negative integer, got ${epochs}`);
  }
  if (!(yieldIntervalMs >= 0)) {
    throw new Error(
      `RecurrentNetwork: yieldIntervalMs must be a non-negative number, got ${yieldIntervalMs}`,
    );
  }
  const [m, , features] = checkX(x, "x");
  checkY(y, m, "y");
  if ((xVal === undefined) !== (yVal === undefined)) {
    throw new Error("RecurrentNetwork: xVal and yVal must be given together");
  }
  if (xVal !== undefined) checkY(yVal!, checkX(xVal, "xVal", features)[0], "yVal");
  return [m, features];
}

/** w, after checking it is set. */
export function weightsSet<W>(w: W | null): W {
  if (w === null) {
    throw new Error("RecurrentNetwork: No weights yet: call initWeights, setWeights or fit first");
  }
  return w;
}

/** n is an integer >= 1. */
export function positiveInteger(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`RecurrentNetwork: ${name} must be a positive integer, got ${n}`);
  }
}

/**
 * x is [samples, steps, features] of float32 or float64 with non-empty dimensions and, when
 * `features` is given, that many features. Returns the shape.
 */
export function checkX(x: NDArray, name: string, features?: number): [number, number, number] {
  if (!x || !Array.isArray(x.shape) || x.shape.length !== 3) {
    throw new Error(
      `RecurrentNetwork: ${name} must be [samples, steps, features], got shape ${
        JSON.stringify(x?.shape)
      }`,
    );
  }
  const [m, steps, f] = x.shape;
  if (m < 1 || steps < 1 || f < 1) {
    throw new Error(`RecurrentNetwork: ${name} has an empty dimension: [${x.shape.join(", ")}]`);
  }
  if (!(x.data instanceof Float32Array || x.data instanceof Float64Array)) {
    throw new Error(`RecurrentNetwork: ${name} must be float32 or float64, got ${x.dtype}`);
  }
  if (x.data.length !== m * steps * f) {
    throw new Error(
      `RecurrentNetwork: ${name}.data has ${x.data.length} values, shape [${
        x.shape.join(", ")
      }] needs ${m * steps * f}`,
    );
  }
  if (features !== undefined && f !== features) {
    throw new Error(
      `RecurrentNetwork: ${name} has ${f} features, the weights expect ${features}`,
    );
  }
  return [m, steps, f];
}

/** y is m values of 0 or 1. */
export function checkY(y: ArrayLike<number>, m: number, name: string): void {
  if (!y || typeof y.length !== "number") {
    throw new Error(`RecurrentNetwork: ${name} must be an array of 0/1`);
  }
  if (y.length !== m) {
    throw new Error(`RecurrentNetwork: ${name} has ${y.length} values, x has ${m} samples`);
  }
  for (let i = 0; i < m; i++) {
    if (y[i] !== 0 && y[i] !== 1) {
      throw new Error(`RecurrentNetwork: ${name}[${i}] is ${y[i]}, expected 0 or 1`);
    }
  }
}

/**
 * The weights have the shapes of a network of nCells cells and one output unit: w1h
 * [nCells, nCells], w1x [features, nCells], b1 [nCells], w2 [nCells, 1], b2 [1], all
 * Float64Array. Returns the number of features.
 */
export function checkWeights(
  weights: Record<"w1h" | "w1x" | "b1" | "w2" | "b2", Float64Array>,
  n: number,
): number {
  const { w1h, w1x, b1, w2, b2 } = weights;
  for (const [name, w] of Object.entries({ w1h, w1x, b1, w2, b2 })) {
    if (!(w instanceof Float64Array)) {
      throw new Error(`RecurrentNetwork: ${name} must be a Float64Array`);
    }
  }
  const problem = w1h.length !== n * n
    ? `w1h has ${w1h.length} values, [nCells, nCells] = [${n}, ${n}] needs ${n * n}`
    : w1x.length === 0 || w1x.length % n !== 0
    ? `w1x has ${w1x.length} values, not a multiple of nCells ${n}`
    : b1.length !== n
    ? `b1 has ${b1.length} values, nCells is ${n}`
    : w2.length !== n
    ? `w2 has ${w2.length} values, [nCells, 1] = [${n}, 1] needs ${n} (one output unit)`
    : b2.length !== 1
    ? `b2 has ${b2.length} values, one output unit needs 1`
    : "";
  if (problem) throw new Error(`RecurrentNetwork: ${problem}`);
  return w1x.length / n;
}
