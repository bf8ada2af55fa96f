import assert from "node:assert/strict";
import { escapeHtml, stripAnsi } from "../../src/notebook/_text.ts";

Deno.test("stripAnsi removes colour codes Deno's inspector adds", () => {
  const coloured = Deno.inspect({ a: 1, s: "x" }, { colors: true });
  assert.notEqual(coloured, Deno.inspect({ a: 1, s: "x" }));
  assert.equal(stripAnsi(coloured), Deno.inspect({ a: 1, s: "x" }));
});

Deno.test("escapeHtml", () => {
  assert.equal(
    escapeHtml(`<a href="x">&'</a>`),
    "&#60;a href=&#34;x&#34;&#62;&#38;&#39;&#60;/a&#62;",
  );
});
