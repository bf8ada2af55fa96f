/**
 * Text helpers for what the notebook package puts into outputs: ANSI codes out of terminal text,
 * HTML special characters escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml, stripAnsi } from "./_text.ts";
 *
 * assert.equal(stripAnsi("\x1b[33m42\x1b[39m"), "42");
 * assert.equal(escapeHtml('<b class="x">'), "&#60;b class=&#34;x&#34;&#62;");
 * ```
 * @module
 */

/** Removes ANSI escape sequences (colours, cursor moves) from text meant for an output. */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}

/** Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
