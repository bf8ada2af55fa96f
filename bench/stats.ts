/**
 * Summary statistics shared by the bench and the timing scripts.
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * median([4, 1, 3, 2]); // 2.5
 * ```
 * @module
 */

/**
 * The median of `xs` (the mean of the two middle values for an even count), as numpy's
 * `np.median`; `xs` is not modified. NaN for an empty list.
 */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
