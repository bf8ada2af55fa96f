/**
 * Save a trained model to a directory and load it back: `model.json` (topology and weight
 * manifest, the format of tfjs' `file://` handler and `tensorflowjs_converter`) plus
 * `weights.bin` (the float32 weights, in manifest order). Works for stock and fused layers alike:
 * the fused layers are saved as tfjs's `SimpleRNN` / `LSTM` (a stock `@tensorflow/tfjs` loads
 * them), and importing this module registers them under those names, so that loading here builds
 * the fused layers, also from a model saved with stock layers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { buildModel } from "./models.ts";
 * import { loadModel, saveModel } from "./model_io.ts";
 *
 * const model = buildModel("embedding_lstm", { seed: 42 });
 * const dir = await Deno.makeTempDir(); // the notebooks use data/models/<kind>
 * const { modelJson, weightsBin } = await saveModel(model, dir);
 * assert.equal(weightsBin, `${dir}/weights.bin`);
 * assert.equal((await Deno.stat(weightsBin)).size, 33321 * 4); // float32 weights
 * assert.ok((await Deno.readTextFile(modelJson)).includes('"class_name":"LSTM"')); // tfjs's name
 *
 * const again = await loadModel(dir);
 * const x = tf.tensor2d([[4, 8, 15, 16, 23, 42]], [1, 6], "int32");
 * const p = (m: typeof again) => (m.predict(x) as ReturnType<typeof tf.tensor>).dataSync()[0];
 * assert.equal(p(again), p(model)); // the same weights, the same prediction
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */
import { tf } from "./tf.ts";
import "./fused_rnn.ts"; // registers FusedSimpleRNN / FusedLSTM with tf.serialization
import "./fused_adam.ts"; // registers FusedAdam (models saved with their optimizer)
import type { LayersModel } from "./training.ts";

/** File names inside a saved model's directory. */
export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

/** Options of {@linkcode saveModel}. */
export interface SaveModelOptions {
  /**
   * Also save the optimizer's state and training config (default false), so the loaded model
   * comes back compiled and can resume training where it stopped.
   */
  includeOptimizer?: boolean;
}

/** A model as `model.json` (the object) and the bytes of `weights.bin`. */
export interface SavedModel {
  /** Topology, training config when saved with the optimizer, and the weights manifest. */
  modelJson: {
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    modelTopology: unknown;
    trainingConfig?: unknown;
    weightsManifest: { paths: string[]; weights: unknown[] }[];
  };
  /** The weights, float32, in manifest order. */
  weights: Uint8Array;
}

/**
 * `model` as the two files {@linkcode saveModel} writes, in memory: what a page needs to run it
 * with a stock tfjs (`tf.loadLayersModel(tf.io.fromMemory(...))`, the review box of the
 * reports).
 */
export async function serializeModel(
  model: LayersModel,
  options: SaveModelOptions = {},
): Promise<SavedModel> {
  let saved: SavedModel | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []);
      saved = {
        modelJson: {
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          modelTopology: artifacts.modelTopology,
          ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
          weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        },
        weights: new Uint8Array(weightData),
      };
      return Promise.resolve({
        modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts),
      });
    }),
    { includeOptimizer: options.includeOptimizer ?? false },
  );
  return saved!;
}

/**
 * Write `model` to `dir` (created if missing) as `model.json` + `weights.bin`.
 *
 * @returns the paths written.
 */
export async function saveModel(
  model: LayersModel,
  dir: string,
  options: SaveModelOptions = {},
): Promise<{ modelJson: string; weightsBin: string }> {
  const modelJson = `${dir}/${MODEL_JSON}`;
  const weightsBin = `${dir}/${WEIGHTS_BIN}`;
  await Deno.mkdir(dir, { recursive: true });
  const saved = await serializeModel(model, options);
  await Deno.writeFile(weightsBin, saved.weights);
  await Deno.writeTextFile(modelJson, JSON.stringify(saved.modelJson));
  return { modelJson, weightsBin };
}

/**
 * Read a model that {@linkcode saveModel} (or tfjs' `file://` handler) wrote to `dir`.
 *
 * The model comes back compiled only when it was saved with `includeOptimizer`; a model saved
 * without can predict and be evaluated, and needs `model.compile(...)` before more training.
 *
 * @throws Error when `dir` holds no `model.json`, or a weights file is missing or short.
 */
export async function loadModel(dir: string): Promise<LayersModel> {
  const modelJsonPath = `${dir}/${MODEL_JSON}`;
  let text: string;
  try {
    text = await Deno.readTextFile(modelJsonPath);
  } catch (error) {
    throw new Error(`No saved model at ${modelJsonPath}: ${(error as Error).message}`);
  }
  const modelJson = JSON.parse(text);
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const parts = [];
    for (const group of manifest) {
      for (const path of group.paths) parts.push(await Deno.readFile(`${dir}/${path}`));
    }
    const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    return [specs, bytes.buffer];
  });
  return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
