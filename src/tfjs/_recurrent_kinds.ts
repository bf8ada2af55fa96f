/**
 * The fused recurrent layers the fast training step runs, one entry per kind: the fused class,
 * its gate columns per unit, and its whole-sequence forward and backward kernels
 * (`../kernels/`). Everything else the step does with a recurrent layer (input dropout,
 * `goBackwards`, `returnSequences`, `Bidirectional`, d loss / d x) is the same for every kind
 * (`_train_stages.ts`), so a new fused kind is one more entry here.
 *
 * Every kind's kernels take the recurrent mask (`recurrentMask`): SimpleRNN and LSTM multiply
 * h_{t-1} by it before the recurrent product; GRU, as tfjs's `GRUCell`, uses h_{t-1} m for the
 * gates, the candidate and the carry z h_{t-1}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fusedGRU, fusedLSTM, fusedSimpleRNN } from "./fused_rnn.ts";
 * import { recurrentKindOf } from "./_recurrent_kinds.ts";
 *
 * assert.equal(recurrentKindOf(fusedLSTM({ units: 4 }))?.gatesPerUnit, 4);
 * assert.equal(recurrentKindOf(fusedSimpleRNN({ units: 4 }))?.gatesPerUnit, 1);
 * assert.equal(recurrentKindOf(fusedGRU({ units: 4 }))?.gatesPerUnit, 3);
 * assert.equal(recurrentKindOf(fusedGRU({ units: 4 }))?.recurrentMask, true);
 * ```
 * @module
 */
import {
  gruBackward,
  type GruCache,
  gruForward,
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
import { FusedGRU, FusedLSTM, FusedSimpleRNN } from "./fused_rnn.ts";
import type { RnnCellFields } from "./_internals.ts";

/** What a forward kernel returns: its arguments and every step's output h, among the rest. */
export interface RecurrentCache {
  args: RnnForwardArgs;
  /** [batch, steps, units] float32: the output of every step, in the order the steps ran */
  h: Float32Array;
}

/** What a kind's kernels read of its layer's cell (tfjs's fields; GRU adds `resetAfter`). */
export type KindCell = RnnCellFields & Record<string, unknown>;

/** A cell's activation by tfjs's name: "tanh" in Keras. */
export function activationOf(cell: RnnCellFields): string {
  return cell.activation.getClassName();
}

/** A cell's gate activation (LSTM, GRU) by tfjs's name: "sigmoid" in Keras. */
export function recurrentActivationOf(cell: RnnCellFields): string {
  return cell.recurrentActivation?.getClassName() ?? "sigmoid";
}

/** One fused recurrent kind. */
export interface RecurrentKind<C extends RecurrentCache = RecurrentCache> {
  /** the fused layer class (a layer is of this kind when it is an instance) */
  layer: abstract new (...args: never[]) => unknown;
  /** gate columns per unit of the kernel and recurrent kernel: 1, 4 (LSTM), 3 (GRU) */
  gatesPerUnit: number;
  /**
   * whether its kernels take `args.recurrentMask` (recurrent dropout as tfjs's cell applies it);
   * a layer with `recurrentDropout` of a kind without stays off the fast step
   */
  recurrentMask: boolean;
  /**
   * whole-sequence forward: args x [batch, steps, inputDim], the weights, the recurrent mask;
   * the options (activations, ...) from the layer's cell
   */
  forward(args: RnnForwardArgs, cell: KindCell): C;
  /** its backward from dy [batch, units] or [batch, steps, units] */
  backward(cache: C, back: RnnBackwardArgs): RnnGrads;
  /** the cache's arrays that go back to the scratch pool once its backward has run */
  scratch(cache: C): Float32Array[];
}

const SIMPLE_RNN: RecurrentKind<SimpleRnnCache> = {
  layer: FusedSimpleRNN,
  gatesPerUnit: 1,
  recurrentMask: true,
  forward: (args, cell) => simpleRnnForward(args, activationOf(cell)),
  backward: simpleRnnBackward,
  scratch: (cache) => [cache.h],
};

const LSTM: RecurrentKind<LstmCache> = {
  layer: FusedLSTM,
  gatesPerUnit: 4,
  recurrentMask: true,
  forward: (args, cell) => lstmForward(args, activationOf(cell), recurrentActivationOf(cell)),
  backward: lstmBackward,
  scratch: (cache) => [cache.gates, cache.c, cache.actC, cache.h],
};

/**
 * GRU, either form: `resetAfter` from the fused layer's cell (true only for the cell of
 * `resetAfter: true`, bias [2, 3 units]; tfjs's cells have no such field).
 */
const GRU: RecurrentKind<GruCache> = {
  layer: FusedGRU,
  gatesPerUnit: 3,
  recurrentMask: true,
  forward: (args, cell) =>
    gruForward(args, activationOf(cell), recurrentActivationOf(cell), cell.resetAfter === true),
  backward: gruBackward,
  scratch: (cache) => [cache.gates, cache.reset, cache.h],
};

/** The fused kinds by tfjs's class name. */
export const RECURRENT_KINDS: Readonly<Record<string, RecurrentKind>> = Object.freeze({
  SimpleRNN: SIMPLE_RNN as unknown as RecurrentKind,
  LSTM: LSTM as unknown as RecurrentKind,
  GRU: GRU as unknown as RecurrentKind,
});

/** The kind of a fused recurrent layer, or undefined for any other layer. */
export function recurrentKindOf(layer: unknown): RecurrentKind | undefined {
  return Object.values(RECURRENT_KINDS).find((kind) => layer instanceof kind.layer);
}
