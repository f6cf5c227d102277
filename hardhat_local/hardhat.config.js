// Hardhat 2 project for the local Ethereum node and an offline compile of ../contracts.
//
// The compiler is the solc-js package pinned in package.json (no compiler download: the
// TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD override below hands Hardhat the local soljson.js).
// Settings match contracts/build.mjs, which produces the artifact the Python package ships.
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");

const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }, _hre, runSuper) => {
  if (solcVersion !== SOLC_VERSION) {
    // Anything else would need a download, which this offline project does not do.
    throw new Error(
      `hardhat_local only bundles solc-js ${SOLC_VERSION}; the sources asked for ${solcVersion}`,
    );
  }
  const compilerPath = require.resolve("solc/soljson.js");
  const { version: packageVersion } = require("solc/package.json");
  if (packageVersion !== SOLC_VERSION) {
    throw new Error(
      `node_modules has solc ${packageVersion}, expected ${SOLC_VERSION}: run \`npm ci\``,
    );
  }
  // solc.version() is "0.8.28+commit.7893614a.Emscripten.clang"; Hardhat's long version
  // omits the platform suffix. Loaded lazily: instantiating soljson takes a moment.
  const full = require("solc").version();
  const longVersion = full.split(".Emscripten")[0];
  return { version: SOLC_VERSION, longVersion, compilerPath, isSolcJs: true };
});

/** @type {import("hardhat/config").HardhatUserConfig} */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 10000 },
    },
  },
  // The project root is the repository root, so the source unit name is
  // "contracts/ProvenanceAnchor.sol", the same as in contracts/build.mjs (it is hashed into the
  // bytecode's metadata). Hardhat resolves the other paths against the root.
  paths: {
    root: "..",
    sources: "contracts",
    cache: "hardhat_local/cache",
    artifacts: "hardhat_local/artifacts",
  },
  networks: {
    // chainId 31337 and automine are Hardhat's defaults; spelled out because clients rely on them.
    hardhat: {
      chainId: 31337,
      mining: { auto: true },
    },
  },
};
