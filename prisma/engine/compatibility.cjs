// @ts-check
'use strict';
// The rule for which @prisma/schema-engine-wasm may stand in for the native
// schema engine of the installed Prisma CLI. The CLI is built against one
// engine commit, but that commit's wasm build is not on the npm registry, so
// the wasm engine is necessarily another build; and this folder's stand-in
// speaks a protocol the CLI does not document. So only pairs that were tested
// together are accepted: compatible-engines.json lists them (prisma/engine/README.md
// says how to add one). CommonJS for the reason given in wasm-engine.cjs.
const fs = require('node:fs');
const path = require('node:path');

/** Set to 1 to run an unlisted pair anyway (while verifying an upgrade). */
const ALLOW_DRIFT_ENV = 'SCHEMA_ENGINE_WASM_ALLOW_DRIFT';
/** Another allow-list file, instead of compatible-engines.json beside this one. */
const LIST_FILE_ENV = 'SCHEMA_ENGINE_WASM_COMPATIBILITY_FILE';
const DEFAULT_LIST_FILE = path.join(__dirname, 'compatible-engines.json');

/**
 * One tested combination. `prisma` and `enginesVersion` describe the CLI (its
 * package version and the engine commit it was built against, from
 * `@prisma/engines-version`); `schemaEngineWasm` and `wasmEngine` the stand-in
 * (the package version and the commit its .wasm reports).
 * @typedef {object} EnginePair
 * @property {string} prisma
 * @property {string} enginesVersion
 * @property {string} schemaEngineWasm
 * @property {string} wasmEngine
 */

const PAIR_FIELDS = /** @type {const} */ (['prisma', 'enginesVersion', 'schemaEngineWasm', 'wasmEngine']);

/** @param {string} file */
function readJson(file) {
  return /** @type {unknown} */ (JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The installed CLI's version and the engine commit it expects. The CLI
 * bundles `@prisma/engines-version` at build time; the copy on disk is the one
 * its `@prisma/engines` pins exactly, so the two agree.
 * @returns {{ prisma: string, enginesVersion: string }}
 */
function installedCli() {
  const prismaManifest = require.resolve('prisma/package.json');
  const enginesManifest = require.resolve('@prisma/engines/package.json', { paths: [path.dirname(prismaManifest)] });
  const versionManifest = require.resolve('@prisma/engines-version/package.json', { paths: [path.dirname(enginesManifest)] });
  const prisma = readJson(prismaManifest);
  const enginesVersion = readJson(versionManifest);
  const commit = isRecord(enginesVersion) && isRecord(enginesVersion.prisma) ? enginesVersion.prisma.enginesVersion : undefined;
  if (!isRecord(prisma) || typeof prisma.version !== 'string' || typeof commit !== 'string') {
    throw new Error(`Cannot tell which schema engine the Prisma CLI expects: ${prismaManifest} or ${versionManifest} has changed shape.`);
  }
  return { prisma: prisma.version, enginesVersion: commit };
}

/**
 * @param {string} file
 * @returns {EnginePair[]}
 */
function readAllowList(file) {
  /** @type {unknown} */
  let list;
  try {
    list = readJson(file);
  } catch (error) {
    throw new Error(`Cannot read the schema engine allow-list ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const pairs = isRecord(list) ? list.pairs : undefined;
  if (!Array.isArray(pairs)) throw new Error(`The schema engine allow-list ${file} has no "pairs" array.`);
  return pairs.map((pair, index) => {
    if (!isRecord(pair) || PAIR_FIELDS.some((field) => typeof pair[field] !== 'string')) {
      throw new Error(`Entry ${index} of the schema engine allow-list ${file} needs the string fields ${PAIR_FIELDS.join(', ')}.`);
    }
    return /** @type {EnginePair} */ (/** @type {unknown} */ (pair));
  });
}

/**
 * Decides whether the wasm engine may serve the installed CLI.
 * @param {{ packageVersion: string, engineVersion: string }} wasm
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ ok: true, warning?: string } | { ok: false, error: string }}
 */
function checkCompatibility(wasm, env = process.env) {
  const cli = installedCli();
  /** @type {EnginePair} */
  const installed = { ...cli, schemaEngineWasm: wasm.packageVersion, wasmEngine: wasm.engineVersion };
  const file = env[LIST_FILE_ENV] || DEFAULT_LIST_FILE;
  if (readAllowList(file).some((pair) => PAIR_FIELDS.every((field) => pair[field] === installed[field]))) return { ok: true };
  const message =
    `Schema engine version drift: prisma ${cli.prisma} expects schema engine ${cli.enginesVersion}, ` +
    `but @prisma/schema-engine-wasm ${wasm.packageVersion} is schema engine ${wasm.engineVersion}, ` +
    `a pair not listed in ${file === DEFAULT_LIST_FILE ? 'prisma/engine/compatible-engines.json' : file}.`;
  if (env[ALLOW_DRIFT_ENV] === '1') return { ok: true, warning: `${message} Running anyway because ${ALLOW_DRIFT_ENV}=1.` };
  return {
    ok: false,
    error: `${message} Test the pair and list it (see prisma/engine/README.md), or set ${ALLOW_DRIFT_ENV}=1 to run it anyway.`,
  };
}

module.exports = { checkCompatibility };
