/**
 * A Keras-style progress bar for `fitModel` in a terminal:
 *
 * ```
 * Epoch 1/10
 * 625/625 [==============================] - 9s 14ms/step - loss: 0.5312 - acc: 0.7281 - val_loss: 0.4409 - val_acc: 0.8022
 * ```
 *
 * On a terminal the batch line redraws in place (`\r`), at most every 100 ms; into a file or pipe
 * only the finished epoch lines are written. (Notebooks use their own live line, fed by the same
 * callbacks.)
 *
 * @example
 * ```ts
 * await fitModel(model, xTrain, yTrain, { epochs: 10, seed: 42, ...terminalProgressBar() });
 * ```
 * @module
 */
import type { BatchLogs, EpochLogs } from "../tfjs/training.ts";

/** Characters of the `[====>....]` bar. */
const BAR_WIDTH = 30;
/** Minimum milliseconds between two redraws of the batch line. */
const REDRAW_MS = 100;

/** `"313/625 [==============>...............] - ETA: 4s - loss: 0.6931 - acc: 0.5012"`. */
export function formatBatchLine(logs: BatchLogs): string {
  const done = logs.batch + 1;
  const perBatch = logs.seconds / done;
  const eta = Math.round(perBatch * (logs.batches - done));
  return `${counter(done, logs.batches)} ${bar(done / logs.batches)} - ETA: ${eta}s` +
    ` - loss: ${logs.loss.toFixed(4)} - acc: ${logs.acc.toFixed(4)}`;
}

/** `"625/625 [==============================] - 9s 14ms/step - loss: ... - val_acc: 0.8022"`. */
export function formatEpochLine(logs: EpochLogs): string {
  const msPerStep = Math.round((logs.seconds * 1000) / logs.batches);
  let line = `${counter(logs.batches, logs.batches)} ${bar(1)} - ${Math.round(logs.seconds)}s` +
    ` ${msPerStep}ms/step - loss: ${logs.loss.toFixed(4)} - acc: ${logs.acc.toFixed(4)}`;
  if (logs.val_loss !== undefined && logs.val_acc !== undefined) {
    line += ` - val_loss: ${logs.val_loss.toFixed(4)} - val_acc: ${logs.val_acc.toFixed(4)}`;
  }
  return line;
}

/**
 * `onBatchEnd` / `onEpochEnd` callbacks for `fitModel` that draw the progress bar.
 *
 * @param options `write`: where text goes (default: standard output); `live`: redraw the batch
 *   line in place (default: whether standard output is a terminal).
 */
export function terminalProgressBar(
  options: { write?: (text: string) => void; live?: boolean } = {},
): { onBatchEnd: (logs: BatchLogs) => void; onEpochEnd: (logs: EpochLogs) => void } {
  const encoder = new TextEncoder();
  const write = options.write ?? ((text: string) => Deno.stdout.writeSync(encoder.encode(text)));
  const live = options.live ?? Deno.stdout.isTerminal();
  let lastDraw = -Infinity;
  return {
    onBatchEnd(logs) {
      if (logs.batch === 0) write(`Epoch ${logs.epoch + 1}/${logs.epochs}\n`);
      const now = performance.now();
      if (!live || now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      write(`\r${formatBatchLine(logs)}\x1b[K`);
    },
    onEpochEnd(logs) {
      write(`${live ? "\r" : ""}${formatEpochLine(logs)}${live ? "\x1b[K" : ""}\n`);
      lastDraw = -Infinity;
    },
  };
}

function counter(done: number, total: number): string {
  return `${String(done).padStart(String(total).length)}/${total}`;
}

function bar(fraction: number): string {
  const filled = Math.floor(fraction * BAR_WIDTH);
  if (filled >= BAR_WIDTH) return `[${"=".repeat(BAR_WIDTH)}]`;
  return `[${"=".repeat(filled)}>${".".repeat(BAR_WIDTH - filled - 1)}]`;
}
