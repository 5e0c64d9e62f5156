import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { erc20Abi, type Abi } from "viem";
import { loadArtifact } from "../../../oracle/core/chain/artifacts";
import * as abis from "../../../oracle/core/chain/abi";
import { ABI_CONTRACTS, ABI_DIR, checkAbis, renderAbis, writeAbis } from "../../../scripts/circuits/abi";
import { GENERATED_MARK } from "../../../scripts/circuits/pipeline";

const signatures = (abi: Abi) =>
  abi
    .filter((x) => x.type === "function" || x.type === "event" || x.type === "error")
    .map((x) => `${x.type} ${"name" in x ? x.name : ""}(${"inputs" in x ? x.inputs.map((i) => i.type).join(",") : ""})`)
    .sort();

describe("scripts/circuits/abi (the generated ABIs)", () => {
  // hardhat test compiles the contracts first: these are the ABIs of the contracts as they are now.
  it("the committed ABIs are the ones the compiled contracts give (`npm run circuits` regenerates them)", async () => {
    expect(await checkAbis()).to.deep.equal([]);
  });

  it("each export holds its contract's ABI, every function, event and error", () => {
    for (const contract of ABI_CONTRACTS) {
      const name = `${contract.charAt(0).toLowerCase()}${contract.slice(1)}Abi` as keyof typeof abis;
      expect(signatures(abis[name] as Abi), contract).to.deep.equal(signatures(loadArtifact(contract).abi));
    }
  });

  it("fails the check when a committed ABI drifts, is missing or is stale", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkmerit-abi-"));
    try {
      expect(await writeAbis(dir)).to.have.members([...(await renderAbis(dir)).keys()]);
      expect(await checkAbis(dir)).to.deep.equal([]);
      expect(await writeAbis(dir)).to.deep.equal([]);
      const market = path.join(dir, "trainingMarket.ts");
      fs.writeFileSync(market, fs.readFileSync(market, "utf8").replace('"settleRound"', '"settleRound2"'));
      fs.rmSync(path.join(dir, "stakeVault.ts"));
      fs.writeFileSync(path.join(dir, "oldContract.ts"), `${GENERATED_MARK}\nexport const oldContractAbi = [] as const;\n`);
      const problems = await checkAbis(dir);
      expect(problems.join("\n")).to.match(/trainingMarket\.ts differs/);
      expect(problems.join("\n")).to.match(/stakeVault\.ts is missing/);
      expect(problems.join("\n")).to.match(/oldContract\.ts is generated but no longer listed/);
      await writeAbis(dir);
      expect(await checkAbis(dir)).to.deep.equal([]);
      expect(fs.existsSync(path.join(dir, "oldContract.ts"))).to.equal(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("marks every generated file and keeps hand-written files out of the folder", () => {
    for (const f of fs.readdirSync(ABI_DIR))
      expect(fs.readFileSync(path.join(ABI_DIR, f), "utf8").startsWith(GENERATED_MARK), f).to.equal(true);
  });

  it("the token calls use viem's erc20Abi, which the test token serves", () => {
    const token = signatures(abis.testTokenAbi as Abi);
    for (const s of signatures(erc20Abi.filter((x) => x.type === "function"))) expect(token).to.include(s);
  });
});
