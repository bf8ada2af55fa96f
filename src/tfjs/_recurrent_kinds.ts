/**
 * The fused recurrent layers the fast training step runs, one entry per kind: the fused class,
 * its gate columns per unit, and its whole-sequence forward and backward kernels
 * (`../kernels/`). Everything else the step does with a recurrent layer (input dropout,
 * `goBackwards`, `returnSequences`, `Bidirectional`, d loss / d x) is the same for every kind
 * (`_train_stages.ts`), so a new fused kind (GRU: `gruForward` / `gruBackward` with the
 * conventions of `lstmForward` / `lstmBackward`) is one more entry here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fusedLSTM, fusedSimpleRNN } from "./fused_rnn.ts";
 * import { recurrentKindOf } from "./_recurrent_kinds.ts";
 *
 * assert.equal(recurrentKindOf(fusedLSTM({ units: 4 }))?.gatesPerUnit, 4);
 * assert.equal(recurrentKindOf(fusedSimpleRNN({ units: 4 }))?.gatesPerUnit, 1);
 * ```
 * @module
 */
import {
  lstmBackward,
  type LstmCache,
  lstmForward,
  type RnnBackwardArgs,
  type RnnForwardArgs,
  type RnnGrads,
  simpleRnnBackward,
  type SimpleRnnCache,
  simpleRnnForward,
} from "../kernels/mod.ts";
import { FusedLSTM, FusedSimpleRNN } from "./fused_rnn.ts";

/** What a forward kernel returns: its arguments and every step's output h, among the rest. */
export interface RecurrentCache {
  args: RnnForwardArgs;
  /** [batch, steps, units] float32: the output of every step, in the order the steps ran */
  h: Float32Array;
}

/** The activations of a cell, by tfjs's names. */
export interface CellActivations {
  /** "tanh" in Keras */
  activation: string;
  /** of the gates (LSTM, GRU): "sigmoid" in Keras */
  recurrentActivation: string;
}

/** One fused recurrent kind. */
export interface RecurrentKind<C extends RecurrentCache = RecurrentCache> {
  /** the fused layer class (a layer is of this kind when it is an instance) */
  layer: abstract new (...args: never[]) => unknown;
  /** gate columns per unit of the kernel, recurrent kernel and bias: 1, 4 (LSTM), 3 (GRU) */
  gatesPerUnit: number;
  /** whole-sequence forward: args x [batch, steps, inputDim] and the weights */
  forward(args: RnnForwardArgs, activations: CellActivations): C;
  /** its backward from dy [batch, units] or [batch, steps, units] */
  backward(cache: C, back: RnnBackwardArgs): RnnGrads;
  /** the cache's arrays that go back to the scratch pool once its backward has run */
  scratch(cache: C): Float32Array[];
}

const SIMPLE_RNN: RecurrentKind<SimpleRnnCache> = {
  layer: FusedSimpleRNN,
  gatesPerUnit: 1,
  forward: (args, { activation }) => simpleRnnForward(args, activation),
  backward: simpleRnnBackward,
  scratch: (cache) => [cache.h],
};

const LSTM: RecurrentKind<LstmCache> = {
  layer: FusedLSTM,
  gatesPerUnit: 4,
  forward: (args, { activation, recurrentActivation }) =>
    lstmForward(args, activation, recurrentActivation),
  backward: lstmBackward,
  scratch: (cache) => [cache.gates, cache.c, cache.actC, cache.h],
};

/** The fused kinds by tfjs's class name. */
export const RECURRENT_KINDS: Readonly<Record<string, RecurrentKind>> = Object.freeze({
  SimpleRNN: SIMPLE_RNN as unknown as RecurrentKind,
  LSTM: LSTM as unknown as RecurrentKind,
});

/** The kind of a fused recurrent layer, or undefined for any other layer. */
export function recurrentKindOf(layer: unknown): RecurrentKind | undefined {
  return Object.values(RECURRENT_KINDS).find((kind) => layer instanceof kind.layer);
}
