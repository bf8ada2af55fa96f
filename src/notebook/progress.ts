/**
 * Training progress, in a notebook and in a terminal. Both are fed by the same callbacks,
 * `onBatchEnd(logs)` after every batch and `onEpochEnd(logs)` after every epoch, whose logs carry
 * a 0-based `epoch` and `batch` and Keras's names `loss`, `acc`, `val_loss`, `val_acc`:
 *
 * - {@link TrainingProgress}: one live output in a notebook, updated in place through a Jupyter
 *   display id: a progress bar and a compact line of items that wrap between items, never inside
 *   one, so that it fits an 800 px wide notebook ({@link progressHtml}); as text,
 *   `SimpleRNN  epoch 3/10  batch 120/625  loss 0.5123 ...  remaining 29.0s`
 *   ({@link progressLine}); outside a kernel it prints one line per epoch.
 * - {@link terminalProgressBar}: Keras's progress bar in a terminal
 *   (`625/625 [==============================] - 9s 14ms/step - loss: 0.5312 - acc: 0.7281`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TrainingProgress } from "./progress.ts";
 *
 * const lines: string[] = [];
 * const progress = new TrainingProgress({
 *   label: "LSTM",
 *   epochs: 2,
 *   sink: (line) => void lines.push(line), // a notebook shows the line in place instead
 * });
 * await progress.onBatchEnd({ epoch: 0, batch: 0, batches: 2, loss: 0.69, acc: 0.5 });
 * await progress.onEpochEnd({ epoch: 0, loss: 0.68, acc: 0.55, val_loss: 0.67, val_acc: 0.6 });
 * await progress.finish();
 * assert.match(lines[0], /^LSTM {2}epoch 1\/2 {2}batch 1\/2 {2}loss 0\.6900 {2}acc 0\.5000/);
 * assert.match(lines.at(-1)!, /batch 2\/2 {2}loss 0\.6800 .* val_acc 0\.6000 /);
 * ```
 * @module
 */

import type { BatchLogs, EpochLogs } from "../tfjs/training.ts";
import { tf } from "../tfjs/tf.ts";
import { display, inJupyter } from "./display.ts";
import { escapeHtml } from "./_text.ts";

// ---------------------------------------------------------------------------------------------
// The live line of a notebook

/** Formats seconds as `12.3s`, `4m 05s` or `1h 02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

/** The numbers one progress line shows. */
export interface ProgressState {
  /** 1-based epoch being run (or just finished). */
  epoch: number;
  /** Total epochs. */
  epochs: number;
  /** Batches done in this epoch (0 at its start). */
  batch: number;
  /** Batches per epoch (0 when unknown). */
  batches: number;
  /** Running mean training loss of this epoch, or the finished epoch's. */
  loss?: number;
  /** Running training accuracy of this epoch, or the finished epoch's. */
  acc?: number;
  /** Validation loss and accuracy of the last finished epoch. */
  valLoss?: number;
  valAcc?: number;
  /** Seconds since training started. */
  elapsed: number;
}

/** Fraction of the whole run that is done, in [0, 1]. */
export function progressFraction(s: ProgressState): number {
  if (s.epochs <= 0) return 0;
  const inEpoch = s.batches > 0 ? Math.min(s.batch / s.batches, 1) : 0;
  return Math.min(1, Math.max(0, (s.epoch - 1 + inEpoch) / s.epochs));
}

/**
 * One progress line: `label  epoch 3/10  batch 120/625  loss 0.5123  acc 0.7410  val_loss ...
 * elapsed 12.3s  remaining 29.0s` (remaining = elapsed / done fraction - elapsed).
 */
export function progressLine(label: string, s: ProgressState): string {
  const f = progressFraction(s);
  const parts = [label, `epoch ${s.epoch}/${s.epochs}`];
  if (s.batches > 0) parts.push(`batch ${s.batch}/${s.batches}`);
  if (s.loss !== undefined) parts.push(`loss ${s.loss.toFixed(4)}`);
  if (s.acc !== undefined) parts.push(`acc ${s.acc.toFixed(4)}`);
  if (s.valLoss !== undefined) parts.push(`val_loss ${s.valLoss.toFixed(4)}`);
  if (s.valAcc !== undefined) parts.push(`val_acc ${s.valAcc.toFixed(4)}`);
  parts.push(`elapsed ${formatDuration(s.elapsed)}`);
  parts.push(`remaining ${f > 0 ? formatDuration(s.elapsed / f - s.elapsed) : "?"}`);
  return parts.filter((p) => p !== "").join("  ");
}

/**
 * The compact items of the HTML display: `epoch 3/10`, `batch 120/625`, `loss 0.5123`, `acc`,
 * `val_loss`, `val_acc` (those known), and the time, `12.3s, 29.0s left`.
 */
export function progressItems(s: ProgressState): string[] {
  const f = progressFraction(s);
  const items = [`epoch ${s.epoch}/${s.epochs}`];
  if (s.batches > 0) items.push(`batch ${s.batch}/${s.batches}`);
  if (s.loss !== undefined) items.push(`loss ${s.loss.toFixed(4)}`);
  if (s.acc !== undefined) items.push(`acc ${s.acc.toFixed(4)}`);
  if (s.valLoss !== undefined) items.push(`val_loss ${s.valLoss.toFixed(4)}`);
  if (s.valAcc !== undefined) items.push(`val_acc ${s.valAcc.toFixed(4)}`);
  const left = f >= 1 ? "done" : f > 0 ? `${formatDuration(s.elapsed / f - s.elapsed)} left` : "";
  items.push([formatDuration(s.elapsed), left].filter((t) => t !== "").join(", "));
  return items;
}

/**
 * The notebook's progress display as HTML: the label, a `<progress>` bar with the percentage,
 * then the {@link progressItems}. Each item is one unbreakable piece (`white-space: nowrap`) in a
 * wrapping flex row, so a narrow output wraps between items, never inside a word or a number.
 */
export function progressHtml(label: string, s: ProgressState): string {
  const f = progressFraction(s);
  const item = (html: string) =>
    `<span class="ch9-progress-item" style="white-space:nowrap">${html}</span>`;
  const parts = [
    `<b class="ch9-progress-item" style="white-space:nowrap">${escapeHtml(label)}</b>`,
    item(
      `<progress value="${
        f.toFixed(4)
      }" max="1" style="width:8em;vertical-align:middle"></progress>` +
        ` ${Math.floor(f * 100)}%`,
    ),
    ...progressItems(s).map((t) => item(escapeHtml(t))),
  ];
  return `<div class="ch9-progress" style="display:flex;flex-wrap:wrap;align-items:center;` +
    `column-gap:1.2em;row-gap:0.2em;font-family:monospace;font-size:12px;line-height:1.5">` +
    `${parts.join("")}</div>`;
}

/** Options of {@link TrainingProgress}. */
export interface TrainingProgressOptions {
  /** Name shown at the start of the line, e.g. `"SimpleRNN (one-hot)"`. */
  label?: string;
  /** Total epochs (else taken from the first callback's `epochs`). */
  epochs?: number;
  /** Batches per epoch, when known up front (else taken from the callbacks' `batches`). */
  batches?: number;
  /** Minimum milliseconds between two in-place updates (default 250). */
  minIntervalMs?: number;
  /** Clock in milliseconds (default `performance.now`); tests pass a fake one. */
  now?: () => number;
  /** Where lines go: by default the kernel's display (in place) or the console. */
  sink?: (line: string, final: boolean) => void | Promise<void>;
}

/** What `onBatchEnd` reads (training.ts's `BatchLogs` has these fields). */
export interface ProgressBatchLogs {
  /** 0-based epoch. */
  epoch: number;
  /** 0-based batch within the epoch. */
  batch: number;
  epochs?: number;
  batches?: number;
  /** Running means over the epoch so far. */
  loss?: number;
  acc?: number;
}

/** What `onEpochEnd` reads (training.ts's `EpochLogs` has these fields). */
export interface ProgressEpochLogs {
  /** 0-based epoch. */
  epoch: number;
  epochs?: number;
  batches?: number;
  loss?: number;
  acc?: number;
  val_loss?: number;
  val_acc?: number;
}

/**
 * A live progress display for a training run, updated in place through a Jupyter display id
 * (one output, not thousands of lines): a bar and a compact line ({@link progressHtml}), or the
 * text of {@link progressLine} where HTML is not shown. Give `model.fit` its tfjs callback
 * (`callbacks: progress.callbacks()`), or feed it by hand (the hand-written network does):
 * `onBatchEnd(logs)` / `onEpochEnd(logs)`, whose logs carry 0-based `epoch` and `batch`,
 * `loss`, `acc`, `val_loss`, `val_acc`; then call `finish()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../tfjs/tf.ts";
 * import { layers } from "../tfjs/layers.ts";
 * import { TrainingProgress } from "./progress.ts";
 *
 * const x = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9], [9, 8, 7]], [4, 3], "int32");
 * const y = tf.tensor2d([[1], [0], [1], [0]]); // 4 reviews of 3 words, their labels
 * const finished: string[] = [];
 * const progress = new TrainingProgress({
 *   label: "LSTM",
 *   sink: (line, epochEnd) => void (epochEnd && finished.push(line)), // a notebook: one output
 * });
 * const model = tf.sequential();
 * model.add(layers.embedding({ inputDim: 10, outputDim: 4 }));
 * model.add(layers.lstm({ units: 4 }));
 * model.add(layers.dense({ units: 1, activation: "sigmoid" }));
 * model.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });
 * await model.fit(x, y, { epochs: 2, batchSize: 2, callbacks: progress.callbacks() });
 * await progress.finish();
 * assert.equal(finished.length, 3); // after each epoch, and the final line
 * assert.match(finished[2], /^LSTM {2}epoch 2\/2 {2}batch 2\/2 {2}loss \d\.\d{4} {2}acc /);
 * ```
 */
export class TrainingProgress {
  readonly label: string;
  readonly displayId: string;
  #state: ProgressState;
  #start: number;
  #lastShown = -Infinity;
  #shown = false;
  #pending: Promise<void> = Promise.resolve();
  readonly #now: () => number;
  readonly #minIntervalMs: number;
  readonly #sink?: (line: string, final: boolean) => void | Promise<void>;

  constructor(options: TrainingProgressOptions = {}) {
    const { epochs } = options;
    if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) {
      throw new Error(`epochs must be a positive integer, got ${epochs}`);
    }
    this.label = options.label ?? "training";
    this.displayId = `ch9-progress-${Math.random().toString(36).slice(2, 12)}`;
    this.#now = options.now ?? (() => performance.now());
    this.#minIntervalMs = options.minIntervalMs ?? 250;
    this.#sink = options.sink;
    this.#start = this.#now();
    this.#state = {
      epoch: 1,
      epochs: epochs ?? 0,
      batch: 0,
      batches: options.batches ?? 0,
      elapsed: 0,
    };
  }

  /** The current state (a copy). */
  get state(): ProgressState {
    return { ...this.#state };
  }

  /** The line as it would be shown now. */
  line(): string {
    return progressLine(this.label, this.#state);
  }

  /** Call after each batch. */
  onBatchEnd = (logs: ProgressBatchLogs): Promise<void> => {
    this.#state = {
      ...this.#state,
      epoch: logs.epoch + 1,
      epochs: logs.epochs ?? this.#state.epochs,
      batch: logs.batch + 1,
      batches: logs.batches ?? this.#state.batches,
      loss: logs.loss ?? this.#state.loss,
      acc: logs.acc ?? this.#state.acc,
      elapsed: (this.#now() - this.#start) / 1000,
    };
    return this.#maybeShow(false);
  };

  /** Call after each epoch, with the epoch's means. */
  onEpochEnd = (logs: ProgressEpochLogs): Promise<void> => {
    const batches = logs.batches ?? this.#state.batches;
    this.#state = {
      ...this.#state,
      epoch: logs.epoch + 1,
      epochs: logs.epochs ?? this.#state.epochs,
      batch: batches,
      batches,
      loss: logs.loss ?? this.#state.loss,
      acc: logs.acc ?? this.#state.acc,
      valLoss: logs.val_loss ?? this.#state.valLoss,
      valAcc: logs.val_acc ?? this.#state.valAcc,
      elapsed: (this.#now() - this.#start) / 1000,
    };
    return this.#maybeShow(true);
  };

  /**
   * The live line as a tfjs callback: `model.fit(x, y, { callbacks: progress.callbacks() })`.
   * tfjs calls its `onBatchEnd(batch, logs)` and `onEpochEnd(epoch, logs)`; it shows the running
   * means of the epoch's batch losses and accuracies (as Keras's progress bar does), takes the
   * number of epochs and of batches per epoch from `fit`'s own parameters, and yields to the
   * event loop as tfjs's callbacks do (`yieldEvery`, default every 125 ms).
   */
  callbacks(yieldEvery?: "auto" | "batch" | "epoch" | "never" | number): FitProgressCallback {
    return new FitProgressCallback(this, yieldEvery);
  }

  /** Shows the final line (always) and waits for pending display messages; see `line()`. */
  async finish(): Promise<void> {
    this.#state = { ...this.#state, elapsed: (this.#now() - this.#start) / 1000 };
    await this.#show(true);
    await this.#pending;
  }

  #maybeShow(epochEnd: boolean): Promise<void> {
    const t = this.#now();
    if (!epochEnd && t - this.#lastShown < this.#minIntervalMs) return this.#pending;
    this.#lastShown = t;
    return this.#show(epochEnd);
  }

  #show(epochEnd: boolean): Promise<void> {
    const line = this.line();
    const state = this.state;
    const first = !this.#shown;
    this.#shown = true;
    const send = async () => {
      if (this.#sink) return await this.#sink(line, epochEnd);
      if (!inJupyter()) {
        // A terminal or a log: one line per finished epoch, no carriage returns.
        if (epochEnd) console.log(line);
        return;
      }
      await display({
        "text/plain": line,
        "text/html": progressHtml(this.label, state),
      }, { displayId: this.displayId, update: !first });
    };
    this.#pending = this.#pending.then(send);
    return this.#pending;
  }
}

/** The parameters tfjs's `fit` gives its callbacks (`setParams`, tfjs-layers `base_callbacks`). */
interface FitParams {
  epochs?: number;
  samples?: number;
  batchSize?: number;
}

/**
 * A {@link TrainingProgress} as tfjs's `CustomCallback`: `fit`'s per-batch logs (each batch's
 * loss and accuracy) become the epoch's running means, weighted by batch size.
 */
export class FitProgressCallback extends tf.CustomCallback {
  #batches = 0;
  #sums = { loss: 0, acc: 0, size: 0 };

  constructor(
    progress: TrainingProgress,
    yieldEvery?: "auto" | "batch" | "epoch" | "never" | number,
  ) {
    let epochNow = 0;
    super({
      onEpochBegin: (epoch) => {
        epochNow = epoch;
        this.#sums = { loss: 0, acc: 0, size: 0 };
      },
      onBatchEnd: (batch, logs) => {
        const size = Number(logs?.size ?? 1);
        const sums = this.#sums;
        sums.size += size;
        sums.loss += Number(logs?.loss ?? NaN) * size;
        sums.acc += Number(logs?.acc ?? NaN) * size;
        return progress.onBatchEnd({
          epoch: epochNow,
          epochs: this.epochs,
          batch,
          batches: this.#batches || undefined,
          loss: logs?.loss === undefined ? undefined : sums.loss / sums.size,
          acc: logs?.acc === undefined ? undefined : sums.acc / sums.size,
        });
      },
      onEpochEnd: (epoch, logs) =>
        progress.onEpochEnd({
          epoch,
          epochs: this.epochs,
          batches: this.#batches || undefined,
          loss: logs?.loss,
          acc: logs?.acc,
          val_loss: logs?.val_loss,
          val_acc: logs?.val_acc,
        }),
    }, yieldEvery);
  }

  override setParams(params: FitParams): void {
    super.setParams(params as Record<string, number>);
    const { epochs, samples, batchSize } = params;
    if (samples !== undefined && batchSize !== undefined && batchSize > 0) {
      this.#batches = Math.ceil(samples / batchSize);
    }
    this.epochs = epochs;
  }

  /** Epochs of the `fit` call, from its parameters (undefined before it starts). */
  epochs: number | undefined;
}

// ---------------------------------------------------------------------------------------------
// Keras's progress bar in a terminal

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
