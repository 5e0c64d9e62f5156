import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/types";
import "@nomicfoundation/hardhat-ethers";
import "@nomicfoundation/hardhat-chai-matchers";
import path from "node:path";

process.env.HARDHAT_DISABLE_TELEMETRY_PROMPT ??= "true";

// The compiler is the npm `solc` package (solc-js, WebAssembly), pinned exactly in package.json:
// nothing is downloaded at build time. Refuse to run if the installed package is another version,
// because a silently different compiler changes bytecode and gas figures.
const SOLC_VERSION = "0.8.28";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const installedSolc: string = require("solc/package.json").version;
if (installedSolc !== SOLC_VERSION) {
  throw new Error(
    `hardhat.config.ts expects solc ${SOLC_VERSION} but node_modules/solc is ${installedSolc}; ` +
      `run \`npm ci\` (package.json pins solc to ${SOLC_VERSION}).`,
  );
}

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version() as string,
  };
});

// Networks: `hardhat` (in-process), `localhost` (a node on 127.0.0.1:8545), `testnet` (RPC URL and
// key from the environment; see README).
const testnetKey = process.env.ZKMERIT_PRIVATE_KEY;
const config: HardhatUserConfig = {
  solidity: {
    compilers: [{ version: SOLC_VERSION, settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" } }],
    // The market is near the 24,576-byte code limit: optimize it for size (runs measured in the bench).
    overrides: {
      "contracts/contribution/TrainingMarket.sol": {
        version: SOLC_VERSION,
        settings: { optimizer: { enabled: true, runs: 1 }, evmVersion: "cancun" },
      },
      // The swarm reputation is near the limit too (module 3; size and gas measured in
      // docs/design/reputation-contract.md).
      "contracts/reputation/SwarmReputation.sol": {
        version: SOLC_VERSION,
        settings: { optimizer: { enabled: true, runs: 1 }, evmVersion: "cancun" },
      },
      // The market's hashers (contracts/libraries/PoseidonLibraries.sol). With fewer runs (200 and
      // 10,000 measured) the optimizer reads their round constants from code (CODECOPY) instead of
      // pushing them, which doubles the cost of a 3- or 4-input hash (80k against 38k gas for 3 inputs).
      ...Object.fromEntries(
        ["PoseidonT3", "PoseidonT4", "PoseidonT5"].map((name) => [
          `poseidon-solidity/${name}.sol`,
          { version: SOLC_VERSION, settings: { optimizer: { enabled: true, runs: 1_000_000 }, evmVersion: "cancun" } },
        ]),
      ),
    },
  },
  paths: {
    sources: path.join(__dirname, "contracts"),
    tests: path.join(__dirname, "test"),
  },
  networks: {
    // 40 development accounts: module 3's demo runs N + 4 candidate nodes and 2 Sybils beside an owner
    // and an oracle (the bench's 32-slot swarm: 40).
    hardhat: { chainId: 31337, accounts: { count: 40 } },
    localhost: { url: process.env.ZKMERIT_LOCAL_RPC ?? "http://127.0.0.1:8545" },
    testnet: {
      url: process.env.ZKMERIT_RPC_URL ?? "http://127.0.0.1:8545",
      accounts: testnetKey ? [testnetKey] : [],
    },
  },
  mocha: {
    timeout: 600_000,
  },
};

export default config;
