/**
 * The layers between the embedding and the dense head of a model on the fast training step
 * (`_train_step.ts`), each as a stage with a forward and a backward on typed arrays:
 *
 * | layer | forward | backward |
 * | --- | --- | --- |
 * | `Dropout` (`layers.dropout`) | in training x m, m = tfjs's mask of the call's seed | d m |
 * | fused recurrent (`RECURRENT_KINDS`: SimpleRNN, LSTM, GRU) | [x_t m_x, reversed for `goBackwards`] -> the kind's whole-sequence kernel (h_{t-1} m_h) -> every step or the last | the kind's backward; d x = dZ · kernelᵀ (m_x, unreversed) when something before needs it, or, reading the embedding's output unmasked, d table from dZ summed per word (`tableGrad`) |
 * | `Bidirectional` of a fused recurrent layer | both directions, the backward one's steps reversed back with `returnSequences`, merged by `concat`, `sum`, `mul` or `ave` | the merge's slopes into both directions, their d x summed |
 *
 * Between stages flow float32 activations, [batch, steps, width] (a sequence) or [batch, width];
 * the embedding's output also carries its word ids (`Flow.lookup`), which a recurrent stage reading
 * it unmasked (in either direction) uses to project each distinct word's row of the table once
 * (`RnnForwardArgs.lookup`). Training draws the dropout masks as tfjs's layers draw them
 * (`_dropout_masks.ts`: the same seeds give the same masks, in the same order: a stage's input
 * mask, then its recurrent mask; a `Bidirectional`'s forward layer, then its backward one). Every
 * stage's result equals the tfjs layer's to float32 rounding.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fusedLSTM } from "./fused_rnn.ts";
 * import { tf } from "./tf.ts";
 * import { stageOf } from "./_train_stages.ts";
 *
 * const layer = fusedLSTM({ units: 2, returnSequences: true });
 * const x = tf.randomUniform([3, 4, 5], -1, 1, "float32", 1); // [batch, steps, width]
 * const expected = (layer.apply(x) as typeof x).dataSync(); // builds the layer, runs tfjs's call
 * const stage = stageOf(layer);
 * if (typeof stage === "string") throw new Error(stage);
 * const flow = { data: x.dataSync() as Float32Array, batch: 3, steps: 4, width: 5, sequence: true };
 * const run = stage.forward(flow, false);
 * assert.deepEqual([run.output.steps, run.output.width, run.output.sequence], [4, 2, true]);
 * assert.ok(run.output.data.every((v, i) => Math.abs(v - expected[i]) < 1e-6));
 * run.release();
 * ```
 * @module
 */
import type { Variable } from "@tensorflow/tfjs";
import {
  backwardLayerOf,
  dropoutLayerFieldsOf,
  forwardLayerOf,
  type LayerFields,
  type LayerWeight,
  mergeModeOf,
  type RnnLayerFields,
} from "./_internals.ts";
import { applies, fillDropoutMask, recurrentMasks } from "./_dropout_masks.ts";
import { dropoutSeed } from "./random_seed.ts";
import {
  type KindCell,
  RECURRENT_KINDS,
  type RecurrentKind,
  recurrentKindOf,
} from "./_recurrent_kinds.ts";
import { inputGrad, lastStep, type Lookup, releaseScratch, tableGrad } from "../kernels/mod.ts";
import { scratchArray } from "../kernels/_scratch.ts";
import type { SparseRows } from "../kernels/_sparse_rows.ts";

/** Activations between two stages: float32, row-major. */
export interface Flow {
  /** [batch, steps, width] when `sequence`, else [batch, width] */
  data: Float32Array;
  batch: number;
  /** time steps of the sequence (of the model's input when not a sequence) */
  steps: number;
  width: number;
  sequence: boolean;
  /**
   * The non-zero entries of `data` as [batch · steps, width] rows (`SparseRows` of
   * `_sparse_rows.ts`, exactly `sparseRows(data, batch * steps, width)`; null: dense), when the
   * batch's reader already knew them (one-hot batches of `RowBatches`); absent: unknown
   */
  sparse?: SparseRows | null;
  /**
   * `data` as rows of the embedding's table, data[r] = table[ids[r]] (the embedding's output):
   * a recurrent stage reading it without an input mask (in either direction) projects the
   * table's rows once each (`RnnForwardArgs.lookup`) and adds d loss / d table to `variable`'s
   * gradient itself ({@link addGradient}), returning no d input; absent: rows of nothing known
   */
  lookup?: Lookup & { variable: Variable };
}

/** Weight gradients by variable (float32, shaped as the variable). */
export type Gradients = Map<Variable, Float32Array>;

/**
 * Adds `gradient` to `variable`'s in `gradients` (float32 sums, into a new array), or sets it.
 */
export function addGradient(gradients: Gradients, variable: Variable, gradient: Float32Array) {
  const before = gradients.get(variable);
  if (before === undefined) {
    gradients.set(variable, gradient);
    return;
  }
  const sum = new Float32Array(gradient.length);
  for (let i = 0; i < sum.length; i++) sum[i] = before[i] + gradient[i];
  gradients.set(variable, sum);
}

/** Each sequence's ids [batch, steps] in reverse order of steps. */
function reverseIds(ids: Int32Array, batch: number, steps: number): Int32Array {
  const out = new Int32Array(ids.length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) out[b * steps + t] = ids[b * steps + steps - 1 - t];
  }
  return out;
}

/** What a stage's forward leaves for its backward. */
export interface StageRun {
  output: Flow;
  /**
   * d loss / d output (shaped as `output.data`) -> d loss / d input (shaped as the input's
   * data) when `wantInput`, else null; adds the stage's weight gradients to `gradients`.
   */
  backward(dOutput: Float32Array, wantInput: boolean, gradients: Gradients): Float32Array | null;
  /** Gives the run's arrays back to the scratch pool (after every backward that reads them). */
  release(): void;
}

/** One layer of the fast step. */
export interface Stage {
  /** `"lstm" (LSTM)`, for messages */
  name: string;
  /** its trainable weights, tfjs's order */
  weights: LayerWeight[];
  /** whether its input must be a sequence */
  needsSequence: boolean;
  /** whether its output is a sequence, given whether its input is */
  outputsSequence(inputSequence: boolean): boolean;
  /** runs the layer on `input` (`training`: with dropout) */
  forward(input: Flow, training: boolean): StageRun;
}

/** How a layer is named in a reason: `"lstm" (LSTM)`. */
export function describe(layer: { name: string; getClassName(): string }): string {
  return `${JSON.stringify(layer.name)} (${layer.getClassName()})`;
}

/** The unset regulariser / constraint fields are all null or undefined. */
function unset(...values: unknown[]): boolean {
  return values.every((v) => v == null);
}

/** The float32 values of a layer weight (the backend's own array: read, never written). */
function weightValues(weight: LayerWeight): Float32Array {
  return weight.read().dataSync() as Float32Array;
}

/** A stage that passes its input on (a dropout outside training). */
function identityRun(input: Flow): StageRun {
  return { output: input, backward: (d, want) => want ? d : null, release: () => {} };
}

// ---------------------------------------------------------------------------------------------
// Dropout

/** `layers.dropout` / `tf.layers.dropout` (no `noiseShape`). */
function dropoutStage(layer: LayerFields): Stage | string {
  const fields = dropoutLayerFieldsOf(layer);
  if (fields.noiseShape != null) {
    return `layer ${describe(layer)} has a noiseShape (the fast step drops every value alone)`;
  }
  return {
    name: describe(layer),
    weights: [],
    needsSequence: false,
    outputsSequence: (sequence) => sequence,
    forward(input, training) {
      if (!training) return identityRun(input);
      // layers.dropout draws a seed every training call (random_seed.ts's dropout stream)
      const seed = fields.seed ?? dropoutSeed();
      if (!applies(fields.rate)) return identityRun(input);
      const { batch, steps, width, sequence } = input;
      const shape = sequence ? [batch, steps, width] : [batch, width];
      const n = shape.reduce((a, b) => a * b, 1);
      const mask = fillDropoutMask(scratchArray(n), fields.rate, seed);
      const out = scratchArray(n);
      const x = input.data;
      for (let i = 0; i < n; i++) out[i] = x[i] * mask[i];
      const owned = [mask, out];
      return {
        // sparse and lookup described input.data
        output: { ...input, data: out, sparse: undefined, lookup: undefined },
        backward(d, want) {
          if (!want) return null;
          const dx = scratchArray(n);
          for (let i = 0; i < n; i++) dx[i] = d[i] * mask[i];
          owned.push(dx);
          return dx;
        },
        release: () => releaseScratch(...owned),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Recurrent layers

/**
 * x of a recurrent layer as its kernel reads it: each sequence's steps reversed for
 * `goBackwards`, every x_t times the sequence's input mask [batch, width]; `input` itself when
 * neither applies.
 */
function kernelInput(input: Flow, reverse: boolean, mask: Float32Array | null): Float32Array {
  if (!reverse && mask === null) return input.data;
  const { batch, steps, width, data } = input;
  const out = scratchArray(data.length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const from = (b * steps + (reverse ? steps - 1 - t : t)) * width;
      const to = (b * steps + t) * width;
      if (mask === null) { for (let d = 0; d < width; d++) out[to + d] = data[from + d]; }
      else for (let d = 0; d < width; d++) out[to + d] = data[from + d] * mask[b * width + d];
    }
  }
  return out;
}

/** Reverses each sequence's steps of `data` [batch, steps, width] into a scratch array. */
function reverseSteps(data: Float32Array, batch: number, steps: number, width: number) {
  const out = scratchArray(data.length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const from = (b * steps + steps - 1 - t) * width, to = (b * steps + t) * width;
      for (let d = 0; d < width; d++) out[to + d] = data[from + d];
    }
  }
  return out;
}

/** Why a fused recurrent layer is not on the fast step, or undefined. */
function recurrentProblem(layer: RnnLayerFields): string | undefined {
  const cell = layer.cell;
  if (
    !unset(
      layer.activityRegularizer,
      cell.kernelRegularizer,
      cell.recurrentRegularizer,
      cell.biasRegularizer,
      cell.kernelConstraint,
      cell.recurrentConstraint,
      cell.biasConstraint,
    )
  ) return `layer ${describe(layer)} has regularisers or constraints`;
  return undefined;
}

/** A fused recurrent layer of `kind`. */
function recurrentStage(layer: RnnLayerFields, kind: RecurrentKind): Stage | string {
  const problem = recurrentProblem(layer);
  if (problem !== undefined) return problem;
  const cell = layer.cell;
  const className = layer.getClassName();
  if (!kind.recurrentMask && applies(cell.recurrentDropout)) {
    return `layer ${describe(layer)} has recurrentDropout, which its fused kernels lack`;
  }
  const { returnSequences, goBackwards } = layer;
  const units = cell.units;
  const weights = cell.bias == null
    ? [cell.kernel, cell.recurrentKernel]
    : [cell.kernel, cell.recurrentKernel, cell.bias];
  return {
    name: describe(layer),
    weights,
    needsSequence: true,
    outputsSequence: () => returnSequences,
    forward(input, training) {
      const { batch, steps, width } = input;
      const masks = training
        ? recurrentMasks(className, cell, { batch, inputDim: width, units })
        : { input: null, recurrent: null };
      const x = kernelInput(input, goBackwards, masks.input);
      const kernel = weightValues(cell.kernel);
      if (kernel.length !== width * kind.gatesPerUnit * units) {
        throw new Error(
          `trainStep: layer ${describe(layer)} reads ${width} features, its kernel has ` +
            `${kernel.length / (kind.gatesPerUnit * units)} rows`,
        );
      }
      // the batch's known non-zero entries describe input.data, not a reversed or masked copy;
      // its table rows describe a reversed copy with the ids reversed, a masked one not at all
      const lookup = input.lookup === undefined || masks.input !== null
        ? undefined
        : goBackwards
        ? { ...input.lookup, ids: reverseIds(input.lookup.ids, batch, steps) }
        : input.lookup;
      const args = {
        batch,
        steps,
        inputDim: width,
        units,
        x,
        kernel,
        recurrentKernel: weightValues(cell.recurrentKernel),
        bias: cell.bias == null ? null : weightValues(cell.bias),
        recurrentMask: masks.recurrent,
        sparse: lookup !== undefined ? null : x === input.data ? input.sparse : undefined,
        lookup: lookup && { table: lookup.table, ids: lookup.ids },
      };
      const cache = kind.forward(args, cell as KindCell);
      const last = returnSequences ? null : lastStep(cache.h, args);
      const output: Flow = last === null
        ? { data: cache.h, batch, steps, width: units, sequence: true }
        : { data: last, batch, steps, width: units, sequence: false };
      const owned = x === input.data ? [] : [x];
      return {
        output,
        backward(dOutput, wantInput, gradients) {
          const grads = kind.backward(cache, { dy: dOutput, returnSequences });
          gradients.set(cell.kernel.read(), grads.dKernel);
          gradients.set(cell.recurrentKernel.read(), grads.dRecurrentKernel);
          if (cell.bias != null) gradients.set(cell.bias.read(), grads.dBias);
          if (!wantInput) {
            releaseScratch(grads.dZ);
            return null;
          }
          if (lookup !== undefined) { // d loss / d table, straight from dZ
            addGradient(gradients, lookup.variable, tableGrad(grads, args));
            releaseScratch(grads.dZ);
            return null;
          }
          const dx = inputGrad(grads, args); // [batch, steps, width], in the kernel's step order
          releaseScratch(grads.dZ);
          if (!goBackwards && masks.input === null) return dx;
          // back through the mask and the reversal: the same map as kernelInput, transposed
          const dIn = kernelInput({ ...input, data: dx }, goBackwards, masks.input);
          owned.push(dIn);
          return dIn;
        },
        release: () => releaseScratch(...kind.scratch(cache), ...owned),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Bidirectional

/** The merge modes of `Bidirectional` the fast step runs. */
const MERGE_MODES = ["concat", "sum", "mul", "ave"] as const;
type MergeMode = typeof MERGE_MODES[number];

/**
 * Merges the forward direction's output `a` and the backward one's `b` (already in the forward
 * order of steps), each [rows, units], as tfjs's `Bidirectional` does in float32: concat
 * [rows, 2 units], a + b, a b, or 0.5 (a + b).
 */
function merge(mode: MergeMode, a: Float32Array, b: Float32Array, units: number): Float32Array {
  const rows = a.length / units;
  const out = scratchArray(mode === "concat" ? 2 * a.length : a.length);
  if (mode === "concat") {
    for (let r = 0; r < rows; r++) {
      const from = r * units, to = 2 * r * units;
      for (let u = 0; u < units; u++) out[to + u] = a[from + u];
      for (let u = 0; u < units; u++) out[to + units + u] = b[from + u];
    }
  } else if (mode === "sum") { for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i]; }
  else if (mode === "mul") { for (let i = 0; i < a.length; i++) out[i] = a[i] * b[i]; }
  else for (let i = 0; i < a.length; i++) out[i] = 0.5 * Math.fround(a[i] + b[i]);
  return out;
}

/** d loss / d a and d loss / d b of {@link merge} from d loss / d out. */
function mergeBackward(
  mode: MergeMode,
  d: Float32Array,
  a: Float32Array,
  b: Float32Array,
  units: number,
): [Float32Array, Float32Array] {
  const n = a.length;
  const da = scratchArray(n);
  const db = scratchArray(n);
  if (mode === "concat") {
    for (let r = 0; r < n / units; r++) {
      const from = 2 * r * units, to = r * units;
      for (let u = 0; u < units; u++) da[to + u] = d[from + u];
      for (let u = 0; u < units; u++) db[to + u] = d[from + units + u];
    }
  } else if (mode === "sum") {
    da.set(d);
    db.set(d);
  } else if (mode === "mul") {
    for (let i = 0; i < n; i++) {
      da[i] = d[i] * b[i];
      db[i] = d[i] * a[i];
    }
  } else {
    for (let i = 0; i < n; i++) da[i] = db[i] = 0.5 * d[i];
  }
  return [da, db];
}

/** `Bidirectional` of a fused recurrent layer, merged by one of {@link MERGE_MODES}. */
function bidirectionalStage(layer: LayerFields): Stage | string {
  const wrapper = layer as unknown as Parameters<typeof forwardLayerOf>[0];
  const mode = mergeModeOf(wrapper);
  if (!(MERGE_MODES as readonly (string | null)[]).includes(mode)) {
    return `layer ${describe(layer)} has mergeMode ${JSON.stringify(mode)}, not one of ` +
      MERGE_MODES.map((m) => JSON.stringify(m)).join(", ");
  }
  const pair = [forwardLayerOf(wrapper), backwardLayerOf(wrapper)];
  const stages: Stage[] = [];
  for (const inner of pair) {
    const kind = recurrentKindOf(inner);
    const fields = inner as unknown as RnnLayerFields;
    if (kind === undefined) return `layer ${describe(layer)} wraps ${notFused(fields)}`;
    const stage = recurrentStage(fields, kind);
    if (typeof stage === "string") return stage;
    stages.push(stage);
  }
  const [forwards, backwards] = stages;
  const returnSequences = (pair[0] as unknown as RnnLayerFields).returnSequences;
  const units = (pair[0] as unknown as RnnLayerFields).cell.units;
  return {
    name: describe(layer),
    weights: [...forwards.weights, ...backwards.weights],
    needsSequence: true,
    outputsSequence: () => returnSequences,
    forward(input, training) {
      const runA = forwards.forward(input, training);
      const runB = backwards.forward(input, training);
      const a = runA.output.data;
      const { batch, steps } = input;
      // the backward layer's steps ran last to first: back in the forward order
      const b = returnSequences ? reverseSteps(runB.output.data, batch, steps, units) : null;
      const bb = b ?? runB.output.data;
      const data = merge(mode as MergeMode, a, bb, units);
      const width = mode === "concat" ? 2 * units : units;
      const owned = b === null ? [data] : [data, b];
      return {
        output: { ...runA.output, data, width },
        backward(dOutput, wantInput, gradients) {
          const [da, dbb] = mergeBackward(mode as MergeMode, dOutput, a, bb, units);
          const db = returnSequences ? reverseSteps(dbb, batch, steps, units) : dbb;
          const dxA = runA.backward(da, wantInput, gradients);
          const dxB = runB.backward(db, wantInput, gradients);
          releaseScratch(da, dbb, ...(db === dbb ? [] : [db]));
          // a direction that read the embedding's table rows added d loss / d table itself
          if (!wantInput || (dxA === null && dxB === null)) return null;
          if (dxA === null || dxB === null) return dxA ?? dxB;
          const dx = scratchArray(dxA.length);
          for (let i = 0; i < dx.length; i++) dx[i] = dxA[i] + dxB[i];
          owned.push(dx);
          return dx;
        },
        release() {
          runA.release();
          runB.release();
          releaseScratch(...owned);
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Which stage a layer is

/** Why a recurrent layer is not a fused one, as a reason. */
function notFused(layer: LayerFields): string {
  return `layer ${describe(layer)}, which is not a fused ` +
    `${Object.keys(RECURRENT_KINDS).join(" / ")} (layers.simpleRNN / layers.lstm / layers.gru)`;
}

/**
 * The stage that runs `layer` on the fast step, or the reason there is none (a sentence naming
 * the layer).
 */
export function stageOf(layer: unknown): Stage | string {
  const fields = layer as LayerFields;
  const cls = fields.getClassName();
  if (cls === "Dropout") return dropoutStage(fields);
  if (cls === "Bidirectional") return bidirectionalStage(fields);
  const kind = recurrentKindOf(layer);
  if (kind !== undefined) return recurrentStage(fields as RnnLayerFields, kind);
  if (cls === "Embedding") {
    return `layer ${describe(fields)} is an embedding after the first layer (the fast step ` +
      `looks words up first)`;
  }
  if (cls in RECURRENT_KINDS || cls === "RNN") {
    return notFused(fields).replace(/^layer (.*), which is/, "layer $1 is");
  }
  return `layer ${describe(fields)} is not an embedding, dropout, fused recurrent or ` +
    `bidirectional layer`;
}
