#!/usr/bin/env node
// Compiles contracts/ProvenanceAnchor.sol with the pinned solc-js from hardhat_local/node_modules
// and writes the artifact the Python package ships: provenance/contracts/ProvenanceAnchor.json.
//
//   node contracts/build.mjs           write the artifact
//   node contracts/build.mjs --check   exit 1 if the shipped artifact differs from a fresh build
//
// Exit codes: 0 ok, 1 shipped artifact stale or missing (--check), 2 build or setup error.
// No network access: the compiler is the `solc` npm package pinned in hardhat_local/package.json.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const SOLC_VERSION = "0.8.28";
const CONTRACT_NAME = "ProvenanceAnchor";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const hardhatDir = join(repoRoot, "hardhat_local");
const sourcePath = join(repoRoot, "contracts", `${CONTRACT_NAME}.sol`);
const artifactPath = join(repoRoot, "provenance", "contracts", `${CONTRACT_NAME}.json`);
// The source unit name is part of the metadata, and so of the metadata hash in the bytecode.
const sourceName = `contracts/${CONTRACT_NAME}.sol`;

/** The exact compiler settings; recorded verbatim in the artifact. */
const settings = {
  evmVersion: "cancun",
  optimizer: { enabled: true, runs: 10000 },
  outputSelection: {
    "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] },
  },
};

function die(code, message) {
  process.stderr.write(`build.mjs: ${message}\n`);
  process.exit(code);
}

function loadSolc() {
  const requireFromHardhat = createRequire(join(hardhatDir, "package.json"));
  let solc;
  try {
    solc = requireFromHardhat("solc");
  } catch {
    die(
      2,
      "solc is not installed in hardhat_local/node_modules; run `npm ci` in hardhat_local/ " +
        "(or `source scripts/_node.sh && ensure_node_modules`)",
    );
  }
  const version = solc.version();
  if (!version.startsWith(`${SOLC_VERSION}+`)) {
    die(2, `expected solc-js ${SOLC_VERSION}, found ${version}; run \`npm ci\` in hardhat_local/`);
  }
  return solc;
}

/** Recursively sorts object keys (array order is kept: it is meaningful in ABIs). */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  }
  return value;
}

function stableJson(value) {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function build() {
  const solc = loadSolc();
  // Normalise line endings: the source text is hashed into the metadata and so the bytecode.
  const content = readFileSync(sourcePath, "utf8").replace(/\r\n/g, "\n");
  const input = { language: "Solidity", sources: { [sourceName]: { content } }, settings };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));

  const diagnostics = output.errors ?? [];
  for (const d of diagnostics) {
    process.stderr.write(`${d.formattedMessage ?? d.message}\n`);
  }
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) die(2, `compilation failed with ${errors.length} error(s)`);

  const contract = output.contracts?.[sourceName]?.[CONTRACT_NAME];
  if (!contract) die(2, `solc produced no output for ${sourceName}:${CONTRACT_NAME}`);
  const creation = contract.evm.bytecode.object;
  const runtime = contract.evm.deployedBytecode.object;
  if (!creation || !runtime) die(2, `empty bytecode for ${CONTRACT_NAME}`);

  return {
    contractName: CONTRACT_NAME,
    sourceName,
    abi: contract.abi,
    bytecode: `0x${creation}`,
    deployedBytecode: `0x${runtime}`,
    compiler: `solc-js ${solc.version()}`,
    settings,
    sourceSha256: createHash("sha256").update(content, "utf8").digest("hex"),
  };
}

function check(fresh) {
  const shown = relative(process.cwd(), artifactPath) || artifactPath;
  if (!existsSync(artifactPath)) {
    die(1, `${shown} is missing; run \`node contracts/build.mjs\``);
  }
  let shipped;
  try {
    shipped = JSON.parse(readFileSync(artifactPath, "utf8"));
  } catch (err) {
    die(1, `${shown} is not valid JSON (${err.message}); run \`node contracts/build.mjs\``);
  }
  const differing = ["abi", "bytecode", "deployedBytecode"].filter(
    (key) => stableJson(shipped[key] ?? null) !== stableJson(fresh[key]),
  );
  if (differing.length > 0) {
    die(
      1,
      `${shown} is stale: ${differing.join(", ")} differ from a fresh ${fresh.compiler} build ` +
        "of contracts/ProvenanceAnchor.sol; run `node contracts/build.mjs`",
    );
  }
  process.stdout.write(`${shown} matches a fresh ${fresh.compiler} build\n`);
}

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== "--check");
if (unknown.length > 0) die(2, `unknown argument(s): ${unknown.join(" ")} (usage: [--check])`);

const artifact = build();
if (args.includes("--check")) {
  check(artifact);
} else {
  writeFileSync(artifactPath, stableJson(artifact));
  process.stdout.write(`wrote ${relative(process.cwd(), artifactPath)} (${artifact.compiler})\n`);
}
