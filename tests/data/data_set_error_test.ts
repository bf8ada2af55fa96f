import assert from "node:assert/strict";
import { DataFileError } from "../../src/data/data_file_error.ts";
import { DataSetError, type MissingDataFile } from "../../src/data/data_set_error.ts";

const missing: MissingDataFile = {
  fileName: "imdb.npz",
  url: "https://example.org/imdb.npz",
  size: "17 MB",
  folders: [
    { dir: "/nb/data", source: "dataDir" },
    { dir: "/shared/imdb", source: "IMDB_DATA_DIR" },
    { dir: "/home/me/.keras/datasets", source: "Keras cache" },
    { dir: "/repo/data", source: "download folder" },
  ],
  notDownloaded: "cannot download https://example.org/imdb.npz: HTTP 404 Not Found",
};
const where = { downloadDir: "/repo/data", kerasCache: "/home/me/.keras/datasets" };

Deno.test("DataSetError: the whole message for one missing file", () => {
  const err = new DataSetError({ dataSet: "the IMDB data set", missing: [missing], ...where });
  assert.equal(err.name, "DataSetError");
  assert.equal(
    err.message,
    `The IMDB data set cannot be used: imdb.npz is missing.

imdb.npz (17 MB) is in none of these folders:
  /nb/data                  (dataDir: config.dataDir in the notebooks)
  /shared/imdb              ($IMDB_DATA_DIR)
  /home/me/.keras/datasets  (the Keras cache)
  /repo/data                (where downloads land)
Not downloaded: cannot download https://example.org/imdb.npz: HTTP 404 Not Found

Fix it in one of three ways, then run again:
1. Download: with an internet connection, running again downloads the file into /repo/data/ \
(or download the URL above yourself into that folder).
2. The Keras cache: copy the file into /home/me/.keras/datasets/, where Keras's \
imdb.load_data() keeps it (a machine that ran the book in Python has it there).
3. Your own folder: put the file in a folder and pass it as the dataDir option; in the \
notebooks, write dataDir: "/path/to/folder" in the config cell, run it, then this cell. \
($IMDB_DATA_DIR works too, but only if it is set before Jupyter starts.)`,
  );
});

Deno.test("DataSetError: several files, unreadable ones, no home folder, $IMDB_DATA_DIR set", () => {
  const bad = new DataFileError({ file: "/nb/data/imdb_word_index.json" }, "not valid JSON");
  const other = { ...missing, fileName: "extra.json", size: undefined };
  const err = new DataSetError({
    dataSet: "the IMDB data set",
    missing: [missing, other],
    unreadable: [bad],
    downloadDir: "/repo/data/",
    envDirSet: true,
  });
  assert.deepEqual(err.files, ["imdb.npz", "extra.json", "/nb/data/imdb_word_index.json"]);
  assert.equal(err.unreadable[0], bad);
  const lines = err.message.split("\n");
  assert.equal(
    lines[0],
    "The IMDB data set cannot be used: imdb.npz and extra.json are missing and " +
      "imdb_word_index.json is unreadable.",
  );
  assert.ok(lines.includes("extra.json is in none of these folders:"));
  assert.ok(lines.includes("/nb/data/imdb_word_index.json: not valid JSON"));
  assert.match(err.message, /downloads the files into \/repo\/data\/ \(or download the URLs above/);
  assert.match(err.message, /copy the files into ~\/\.keras\/datasets\/, where .* keeps them/);
  assert.doesNotMatch(err.message, /only if it is set before Jupyter starts/);
});
