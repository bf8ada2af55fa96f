/**
 * What an embedding learns (9-3): the trained `Embedding(1000, 32)` vectors projected to two
 * dimensions by principal component analysis (`ml-pca`), and how far each word alone pushes the
 * model's prediction towards positive or negative.
 *
 * A word's push is the change of the output unit's logit when the review is that one word
 * instead of nothing: z(pads, word) − z(pads, pad), with the model reading `maxlen` steps as in
 * training. Positive pushes towards "positive".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { projectPca } from "./embedding_map.ts";
 *
 * // four points on the line y = 2x: all the variance in the first component
 * const { coords, explained } = projectPca(Float64Array.of(0, 0, 1, 2, 2, 4, 3, 6), 2);
 * assert.ok(Math.abs(explained[0] - 1) < 1e-12);
 * assert.ok(Math.abs(coords[2] - coords[0] - Math.sqrt(5)) < 1e-12); // one step along the line
 * ```
 * @module
 */
import { PCA } from "ml-pca";
import { embed, embeddingRnnWeights, runSteps } from "./word_by_word.ts";
import type { LayersModel } from "./training.ts";

/** What {@linkcode projectPca} returns. */
export interface PcaProjection {
  /** [n, components] float64: each row's coordinates along the principal components */
  coords: Float64Array;
  /** [components] the share of the total variance along each component, in [0, 1] */
  explained: number[];
  /** [components, dim] the components (unit vectors), each with its largest entry positive */
  components: Float64Array;
}

/**
 * Principal component analysis of the rows of a matrix (`ml-pca`, centred, not scaled): the
 * rows' coordinates along the first `components` principal directions.
 *
 * Each direction's sign is fixed so that its largest-magnitude entry is positive (PCA's signs
 * are otherwise arbitrary).
 *
 * @param rows [n, dim] row-major
 * @param dim the number of columns
 */
export function projectPca(
  rows: ArrayLike<number>,
  dim: number,
  components = 2,
): PcaProjection {
  const n = rows.length / dim;
  if (!Number.isInteger(n) || n < 2) {
    throw new Error(`rows must hold at least 2 rows of ${dim} numbers, got ${rows.length} numbers`);
  }
  if (!(components >= 1 && components <= dim)) {
    throw new Error(`components must be in [1, ${dim}], got ${components}`);
  }
  const matrix = Array.from(
    { length: n },
    (_, i) => Array.from({ length: dim }, (_, d) => rows[i * dim + d]),
  );
  const pca = new PCA(matrix, { center: true, scale: false });
  const loadings = pca.getLoadings().to2DArray(); // [dim components, dim]: one per row
  const explained = pca.getExplainedVariance().slice(0, components);
  const means = Array.from({ length: dim }, (_, d) => matrix.reduce((s, r) => s + r[d], 0) / n);
  const dirs = new Float64Array(components * dim);
  for (let k = 0; k < components; k++) {
    const v = loadings[k];
    const big = v.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best), 0);
    const sign = big < 0 ? -1 : 1;
    for (let d = 0; d < dim; d++) dirs[k * dim + d] = sign * v[d];
  }
  const coords = new Float64Array(n * components);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < components; k++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += (matrix[i][d] - means[d]) * dirs[k * dim + d];
      coords[i * components + k] = s;
    }
  }
  return { coords, explained, components: dirs };
}

/** Options of {@linkcode wordPushes}. */
export interface WordPushOptions {
  /** Steps the model reads (default 100, the book's `maxlen`): the word comes last. */
  maxlen?: number;
  /** The padding id (default 0). */
  pad?: number;
}

/**
 * How far each word alone pushes the model's output logit: z(pad × (maxlen − 1), word) −
 * z(pad × maxlen), for each id in `ids` (see the module doc).
 *
 * @param model Embedding → SimpleRNN | LSTM → Dense(1, sigmoid)
 * @param ids the word ids to measure
 * @returns [ids.length] float64 logit changes
 */
export function wordPushes(
  model: LayersModel,
  ids: ArrayLike<number>,
  options: WordPushOptions = {},
): Float64Array {
  const { maxlen = 100, pad = 0 } = options;
  const w = embeddingRnnWeights(model);
  const pads = new Array(maxlen - 1).fill(pad);
  const logit = (id: number) => runSteps(w, embed(w, [...pads, id])).z[maxlen - 1];
  const nothing = logit(pad);
  return Float64Array.from(ids, (id) => logit(id) - nothing);
}

/** The embedding matrix of a model that starts with an Embedding: [vocab, dim] float64. */
export function embeddingMatrix(model: LayersModel): { vectors: Float64Array; dim: number } {
  const w = embeddingRnnWeights(model);
  return { vectors: w.embeddings, dim: w.dim };
}
