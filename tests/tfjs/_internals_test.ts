import assert from "node:assert/strict";
import type { KernelConfig, layers, Scalar, Tensor } from "@tensorflow/tfjs";
import { getKernel, unregisterKernel } from "@tensorflow/tfjs-core";
import { tf } from "../../src/tfjs/tf.ts";
import {
  adamMomentsOf,
  backendHolds,
  compiledFieldsOf,
  cpuBackendOf,
  engineRunKernelFunc,
  gatherShapeInfo,
  isTapeOn,
  registeredClass,
  registeredVariable,
  replaceKernel,
  rnnFieldsOf,
  sgdFieldsOf,
  TFJS_VERSION,
  tfjsVersionMismatch,
} from "../../src/tfjs/_internals.ts";
import { buildModel } from "../../src/tfjs/models.ts";

Deno.test("the installed tfjs is the version the internals were written for", async (t) => {
  await t.step("4.22.x: no warning", () => {
    assert.equal(TFJS_VERSION, "4.22");
    assert.equal(tfjsVersionMismatch(tf.version), undefined);
  });
  await t.step("another version: one line naming the packages and what may break", () => {
    const message = tfjsVersionMismatch({
      ...tf.version,
      "tfjs-core": "4.23.0",
      "tfjs-backend-cpu": "4.2.0",
    });
    assert.ok(message !== undefined);
    assert.ok(!message.includes("\n"));
    assert.match(message, /^src\/tfjs\/_internals\.ts: written for TensorFlow\.js 4\.22\.x, /);
    assert.match(message, /, found tfjs-core 4\.23\.0, tfjs-backend-cpu 4\.2\.0: /);
    assert.match(
      message,
      /: the fused RNN layers, FusedAdam, .* may fail or compute wrong results/,
    );
    const { "tfjs-layers": _, ...noLayers } = tf.version;
    assert.match(tfjsVersionMismatch(noLayers)!, /found tfjs-layers \(missing\):/);
  });
});

Deno.test("engine", async (t) => {
  await t.step("runKernelFunc: one op, each input's gradient computed only when needed", () => {
    const runKernelFunc = engineRunKernelFunc();
    assert.ok(runKernelFunc !== undefined, "tfjs 4.22 has Engine.runKernelFunc");
    const asked: string[] = [];
    const x = tf.tensor1d([1, 2, 3]);
    const w = tf.tensor1d([4, 5, 6]);
    const product = (a: Tensor, b: Tensor) =>
      runKernelFunc({
        forwardFunc: () => tf.mul(a, b),
        backwardsFunc: (dy) => ({
          0: () => (asked.push("x"), tf.mul(dy, b)),
          1: () => (asked.push("w"), tf.mul(dy, a)),
        }),
        inputs: { 0: a, 1: b },
      });
    const dw = tf.grad((wv: Tensor) => tf.sum(product(x, wv)))(w);
    assert.deepEqual(Array.from(dw.dataSync()), [1, 2, 3]);
    assert.deepEqual(asked, ["w"], "d/dx was never computed");
    tf.dispose([x, w, dw]);
  });
  await t.step("isTapeOn: true only while a gradient is recorded", () => {
    assert.equal(isTapeOn(), false);
    let inside: boolean | undefined;
    tf.grad((x: Tensor) => {
      inside = isTapeOn();
      return tf.sum(x);
    })(tf.scalar(1));
    assert.equal(inside, true);
  });
  await t.step("registeredVariable finds a variable by name", () => {
    const v = tf.variable(tf.scalar(3), true, "internals_test_v");
    assert.equal(registeredVariable("internals_test_v"), v);
    assert.throws(() => registeredVariable("no such variable"), /no tfjs variable is named/);
    v.dispose();
  });
});

Deno.test("serialization registry", () => {
  const { cls, fromConfig } = registeredClass<new (args: { units: number }) => layers.Layer>(
    "SimpleRNN",
  );
  const layer = new cls({ units: 3 });
  assert.equal(layer.getClassName(), "SimpleRNN");
  const again = fromConfig(cls, layer.getConfig()) as layers.Layer;
  assert.equal((again.getConfig() as { units: number }).units, 3);
  assert.throws(() => registeredClass("NoSuchLayer"), /tfjs has no registered class NoSuchLayer/);
});

Deno.test("layer, model and optimizer fields", async (t) => {
  await t.step("a compiled model's training configuration", () => {
    const model = buildModel("embedding_lstm", { seed: 1 });
    const fields = compiledFieldsOf(model);
    assert.equal(fields.optimizer, model.optimizer);
    assert.equal(fields.loss, "binaryCrossentropy");
    assert.deepEqual(fields.metricsNames, ["loss", "acc"]);
    assert.equal(fields.metricFunctions.length, 1);
    assert.match(fields.metricFunctions[0], /^binaryAccuracy/);
    assert.equal(fields.built, true);
    assert.deepEqual(fields.layers.map((l) => l.getClassName()), [
      "Embedding",
      "LSTM",
      "Dense",
    ]);
    assert.deepEqual(
      fields.trainableVariables.map((v) => v.name),
      model.trainableWeights.map((w) => w.originalName),
    );
    const lstm = rnnFieldsOf(model.layers[1] as never);
    assert.equal(lstm.cell.units, 8);
    assert.equal(lstm.cell.recurrentActivation?.getClassName(), "sigmoid");
    assert.deepEqual(lstm.cell.kernel.read().shape, [32, 32]);
    assert.equal(lstm.returnSequences, false);
    model.dispose();
  });
  await t.step("an uncompiled model", () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    const fields = compiledFieldsOf(model);
    assert.equal(fields.optimizer, undefined);
    assert.deepEqual(fields.metricFunctions, []);
    model.dispose();
  });
  await t.step("Adam's moments and SGD's learning rate", () => {
    const v = tf.variable(tf.tensor1d([1, 2]), true, "internals_test_w");
    const adam = tf.train.adam(0.1);
    adam.minimize(() => tf.sum(tf.square(v)) as Scalar);
    const moments = adamMomentsOf(adam);
    assert.equal(moments.accumulatedFirstMoment.length, 1);
    assert.equal(moments.accumulatedFirstMoment[0].originalName, "internals_test_w/m");
    assert.ok(Math.abs(moments.accBeta1.dataSync()[0] - 0.81) < 1e-6, "beta1^2 after one step");
    const sgd = tf.train.sgd(0.25);
    assert.equal(sgdFieldsOf(sgd).learningRate, 0.25);
    sgdFieldsOf(sgd).incrementIterations();
    assert.equal(sgd.iterations, 1);
    assert.throws(() => sgdFieldsOf(tf.train.momentum(0.1, 0.9)), /not a plain SGD optimizer/);
    assert.throws(() => sgdFieldsOf(adam), /Adam is not a plain SGD optimizer/);
    adam.dispose();
    v.dispose();
  });
});

Deno.test("backend and kernels", async (t) => {
  await t.step("the cpu backend keeps a tensor's own array until it is disposed", () => {
    const values = new Float32Array([1, 2, 3]);
    const x = tf.tensor1d(values);
    assert.equal(cpuBackendOf(tf.backend()).readSync(x.dataId), values);
    assert.equal(backendHolds(x.dataId), true);
    x.dispose();
    assert.equal(backendHolds(x.dataId), false);
  });
  await t.step("makeTensorInfo stores the values it is given", () => {
    const cpu = cpuBackendOf(tf.backend());
    const values = new Int32Array([7, 8]);
    const info = cpu.makeTensorInfo([2], "int32", values);
    assert.equal(cpu.readSync(info.dataId), values);
    tf.backend().disposeData(info.dataId);
  });
  await t.step("replaceKernel swaps the registered kernel and returns the one it replaced", () => {
    const kernelName = "InternalsTestOnly";
    const first: KernelConfig = { kernelName, backendName: "cpu", kernelFunc: () => [] };
    const second: KernelConfig = { kernelName, backendName: "cpu", kernelFunc: () => [] };
    try {
      assert.equal(replaceKernel(first), undefined, "nothing was registered under the name");
      assert.equal(getKernel(kernelName, "cpu")?.kernelFunc, first.kernelFunc);
      assert.equal(replaceKernel(second)?.kernelFunc, first.kernelFunc);
      assert.equal(getKernel(kernelName, "cpu")?.kernelFunc, second.kernelFunc);
    } finally {
      unregisterKernel(kernelName, "cpu");
    }
    assert.equal(getKernel(kernelName, "cpu"), undefined);
  });
  await t.step("gatherShapeInfo: the sizes of a GatherV2", () => {
    const x = { dataId: {}, shape: [2, 5, 3], dtype: "float32" as const };
    const ids = { dataId: {}, shape: [4], dtype: "int32" as const };
    const info = gatherShapeInfo(x, ids, 1, 0);
    assert.deepEqual(
      [info.batchSize, info.outerSize, info.dimSize, info.sliceSize, info.outputShape],
      [1, 2, 5, 3, [2, 4, 3]],
    );
  });
});
