/**
 * The class reproduces, bit for bit, what the hand-written class computed before it was
 * rewritten on top of `src/scratch/np.ts`: tests/fixtures/recurrent_network_before.json, made
 * by scripts/fixtures/recurrent_network_before.ts (see there for the cases and the commit).
 */
import assert from "node:assert/strict";
import { RecurrentNetwork, type RecurrentNetworkWeights } from "../../src/scratch/mod.ts";
import { type NDArray, ndarray } from "../../src/data/ndarray.ts";
import { useSimd } from "../../src/scratch/np.ts";

interface Case {
  name: string;
  options: {
    nCells: number;
    tbpttSteps: string;
    bookBackprop: boolean;
    weightDtype: "float32" | "float64";
    learningRate: number;
    batchSize: number;
    seed: number;
  };
  input: "imdb" | "padded" | "dense";
  dtype: "float32" | "float64";
  m: number;
  mVal: number;
  steps: number;
  features: number;
  ids?: number[];
  valIds?: number[];
  x?: string;
  xVal?: string;
  y: number[];
  yVal: number[];
  initial: Record<string, string>;
  z2: string;
  grads: Record<string, string>;
  training: { activations: string[]; weights: Record<string, string> };
  fit: {
    losses: string;
    valLosses: string;
    weights: Record<string, string>;
    predict: number[];
    score: number;
  };
}

const fixture: { cases: Case[] } = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/recurrent_network_before.json", import.meta.url)),
);
const NAMES = ["w1h", "w1x", "b1", "w2", "b2"] as const;

/** The float64 values whose bytes `b64` holds. */
function decode(b64: string): Float64Array {
  const s = atob(b64);
  const bytes = Uint8Array.from(s, (ch) => ch.charCodeAt(0));
  return new Float64Array(bytes.buffer);
}

function weights(encoded: Record<string, string>): RecurrentNetworkWeights {
  return {
    w1h: decode(encoded.w1h),
    w1x: decode(encoded.w1x),
    b1: decode(encoded.b1),
    w2: decode(encoded.w2),
    b2: decode(encoded.b2),
  };
}

/** Bit-identical: the same float64 bytes (so −0 and 0 differ, NaN equals NaN). */
function assertBits(actual: ArrayLike<number>, expected: Float64Array, what: string) {
  const a = Float64Array.from(actual);
  assert.equal(a.length, expected.length, `${what}: length`);
  const ab = new BigUint64Array(a.buffer), eb = new BigUint64Array(expected.buffer);
  for (let i = 0; i < a.length; i++) {
    if (ab[i] !== eb[i]) assert.fail(`${what}[${i}]: ${a[i]}, expected ${expected[i]}`);
  }
}

function assertWeightBits(
  actual: RecurrentNetworkWeights,
  expected: Record<string, string>,
  what: string,
) {
  for (const name of NAMES) assertBits(actual[name], decode(expected[name]), `${what} ${name}`);
}

function input(c: Case, which: "x" | "xVal"): NDArray {
  const m = which === "x" ? c.m : c.mVal;
  const shape = [m, c.steps, c.features];
  let values: Float64Array;
  if (c.input === "dense") {
    values = decode(which === "x" ? c.x! : c.xVal!);
  } else {
    const ids = which === "x" ? c.ids! : c.valIds!;
    values = new Float64Array(ids.length * c.features);
    ids.forEach((id, r) => {
      if (id >= 0) values[r * c.features + id] = 1;
    });
  }
  return c.dtype === "float32"
    ? ndarray({ shape, dtype: "float32", data: Float32Array.from(values) })
    : ndarray({ shape, dtype: "float64", data: values });
}

/** Samples [start, end) of x. */
function rows(x: NDArray, start: number, end: number): NDArray {
  const row = x.shape[1] * x.shape[2];
  const shape = [end - start, x.shape[1], x.shape[2]];
  return x.dtype === "float32"
    ? ndarray({
      shape,
      dtype: "float32",
      data: (x.data as Float32Array).slice(start * row, end * row),
    })
    : ndarray({
      shape,
      dtype: "float64",
      data: (x.data as Float64Array).slice(start * row, end * row),
    });
}

Deno.test("RecurrentNetwork reproduces the class before the rewrite bit for bit", async (t) => {
  for (const [c, simd] of fixture.cases.flatMap((c) => [[c, true], [c, false]] as const)) {
    await t.step(`${c.name}, ${simd ? "WebAssembly SIMD" : "plain loops"}`, () => {
      const previous = useSimd(simd);
      try {
        check(c);
      } finally {
        useSimd(previous);
      }
    });
  }
});

/** Every recorded value of case c, computed again. */
function check(c: Case) {
  const options = { ...c.options, tbpttSteps: Number(c.options.tbpttSteps) };
  const initial = weights(c.initial);
  const x = input(c, "x"), xVal = input(c, "xVal");
  const make = () => {
    const net = new RecurrentNetwork(options);
    net.setWeights(initial);
    return net;
  };

  const net = make();
  const z2 = net.forpass(x);
  assertBits(z2, decode(c.z2), "forpass Z2");
  const a = net.sigmoid(z2);
  const err = Float64Array.from(a, (ai, i) => ai - c.y[i]);
  assertWeightBits(net.backprop(x, err), c.grads, "backprop");

  const trained = make();
  const third = Math.ceil(c.m / 3);
  for (let b = 0; b < 3; b++) {
    const start = b * third, end = Math.min(c.m, start + third);
    const activations = trained.training(rows(x, start, end), c.y.slice(start, end));
    assertBits(activations, decode(c.training.activations[b]), `training step ${b}`);
  }
  assertWeightBits(trained.getWeights(), c.training.weights, "weights after training");

  const fitted = make();
  fitted.fit(x, c.y, { epochs: 2, xVal, yVal: c.yVal });
  assertBits(fitted.losses, decode(c.fit.losses), "fit losses");
  assertBits(fitted.valLosses, decode(c.fit.valLosses), "fit valLosses");
  assertWeightBits(fitted.getWeights(), c.fit.weights, "weights after fit");
  assert.deepEqual(Array.from(fitted.predict(xVal)), c.fit.predict);
  assert.equal(fitted.score(xVal, c.yVal), c.fit.score);
}
