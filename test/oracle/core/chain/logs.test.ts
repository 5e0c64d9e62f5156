import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import pino from "pino";
import { createPublicClient, custom, type EIP1193Provider, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { LogReader } from "../../../../oracle/core/chain/logs";
import { OracleRunner, type OracleJob } from "../../../../oracle/service/runner";
import { readTaskHistory } from "../../../../oracle/contribution/history";
import { commitAll, freshFixture, revealAll, roundUpdates, systemFixture } from "../../../integration/marketHarness";

/** A client whose transport counts every RPC call by method and records each eth_getLogs block range. */
function counted(): { client: PublicClient; calls: Record<string, number>; ranges: Array<{ from: bigint; to: bigint }> } {
  const provider = hre.network.provider as unknown as EIP1193Provider;
  const calls: Record<string, number> = {};
  const ranges: Array<{ from: bigint; to: bigint }> = [];
  const request = (async (args: { method: string; params?: unknown }) => {
    calls[args.method] = (calls[args.method] ?? 0) + 1;
    if (args.method === "eth_getLogs") {
      const [f] = args.params as [{ fromBlock: string; toBlock: string }];
      ranges.push({ from: BigInt(f.fromBlock), to: BigInt(f.toBlock) });
    }
    return provider.request(args as never);
  }) as EIP1193Provider["request"];
  return { client: createPublicClient({ chain: hardhat, transport: custom({ request }) }) as PublicClient, calls, ranges };
}

const dirs: string[] = [];
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-logs-"));
  dirs.push(d);
  return d;
};
const evm = (method: string, params: unknown[] = []) => hre.network.provider.request({ method, params });

describe("oracle/core/chain/logs (one event pass per block range, cached on disk)", () => {
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("a second process on the same cache folder reads no block twice", async () => {
    const f = await freshFixture(systemFixture);
    const dir = tmpDir();
    const from = BigInt(f.d.startBlock);
    const first = counted();
    const a = await new LogReader(first.client, { dir }).logs(f.market, from);
    expect(first.ranges).to.have.length(1);
    const head = first.ranges[0].to;
    expect(a.length).to.be.greaterThan(0);

    // A new reader on the same folder stands for the next command: nothing new, so no eth_getLogs at all,
    // and one call in all (the head block, whose hash is the cached one).
    const second = counted();
    const b = await new LogReader(second.client, { dir }).logs(f.market, from);
    expect(b).to.deep.equal(a);
    expect(second.calls).to.deep.equal({ eth_getBlockByNumber: 1 });

    // New blocks: the next process asks only for them.
    const secrets = await commitAll(f.ctx, f.trainers, f.taskId, 0, roundUpdates(0));
    await revealAll(f.ctx, f.trainers, secrets);
    const third = counted();
    const c = await new LogReader(third.client, { dir }).logs(f.market, from);
    expect(third.ranges).to.have.length(1);
    expect(third.ranges[0].from).to.equal(head + 1n);
    expect(c.slice(0, a.length)).to.deep.equal(a);
    expect(c.length).to.equal(a.length + 8); // 4 commits and 4 reveals
    // The history read through the cache is the history read without one.
    const cached = await readTaskHistory(new LogReader(counted().client, { dir }), f.market, f.taskId, { fromBlock: from });
    const cold = await readTaskHistory(counted().client, f.market, f.taskId, { fromBlock: from });
    expect(cached.rounds.get(0)?.reveals).to.deep.equal(cold.rounds.get(0)?.reveals);
    expect(fs.readdirSync(path.join(dir, "31337")).filter((x) => x.endsWith(".tmp"))).to.deep.equal([]);
  });

  it("drops the cache when its last block is no longer the chain's (a reorg, or a reset node)", async () => {
    const f = await freshFixture(systemFixture);
    const dir = tmpDir();
    const from = BigInt(f.d.startBlock);
    const snapshot = await evm("evm_snapshot");
    const secrets = await commitAll(f.ctx, f.trainers, f.taskId, 0, roundUpdates(0));
    await revealAll(f.ctx, f.trainers, secrets);
    const before = await new LogReader(counted().client, { dir }).logs(f.market, from);
    const cachedHead = (await hre.ethers.provider.getBlock("latest"))!.number;
    // The same height on another chain: the chain goes back and mines empty blocks up to the cached head.
    await evm("evm_revert", [snapshot]);
    while ((await hre.ethers.provider.getBlock("latest"))!.number < cachedHead) await evm("evm_mine");
    const r = counted();
    const after = await new LogReader(r.client, { dir }).logs(f.market, from);
    expect(after.length).to.equal(before.length - 8); // the commits and the reveals are gone
    expect(r.ranges[0].from).to.equal(from);
    // A shorter chain (the cached block does not exist): read again from the start too.
    const again = tmpDir();
    await new LogReader(counted().client, { dir: again }).logs(f.market, from);
    const snap2 = await evm("evm_snapshot");
    await evm("evm_mine");
    await new LogReader(counted().client, { dir: again }).logs(f.market, from);
    await evm("evm_revert", [snap2]);
    const r2 = counted();
    await new LogReader(r2.client, { dir: again }).logs(f.market, from);
    expect(r2.ranges[0].from).to.equal(from);
  });

  it("ignores a corrupt cache file with a warning and rewrites it", async () => {
    const f = await freshFixture(systemFixture);
    const dir = tmpDir();
    const from = BigInt(f.d.startBlock);
    const good = await new LogReader(counted().client, { dir }).logs(f.market, from);
    const [file] = fs.readdirSync(path.join(dir, "31337")).map((x) => path.join(dir, "31337", x));
    fs.writeFileSync(file, '{"version":1,"chainId":31337,"address":');
    const warnings: string[] = [];
    const r = counted();
    const logs = await new LogReader(r.client, { dir, warn: (m) => warnings.push(m) }).logs(f.market, from);
    expect(logs).to.deep.equal(good);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/log cache file .* is unusable .*reading the chain instead/);
    expect(r.ranges[0].from).to.equal(from);
    expect(() => JSON.parse(fs.readFileSync(file, "utf8"))).to.not.throw();
  });

  it("the runner makes one pass per tick: jobs reading the same contract share one eth_getLogs", async () => {
    const f = await freshFixture(systemFixture);
    const from = BigInt(f.d.startBlock);
    const r = counted();
    const reader = new LogReader(r.client);
    const reads: number[] = [];
    const job = (id: string): OracleJob => ({
      id,
      describe: () => ({}),
      async tick(ctx) {
        reads.push((await ctx!.logs!.logs(f.market, from)).length);
        await readTaskHistory(ctx!.logs!, f.market, f.taskId, { fromBlock: from });
        return { errors: [] };
      },
    });
    const runner = new OracleRunner([job("a"), job("b")], pino({ level: "silent" }), { logs: reader });
    await runner.tick();
    expect(r.ranges).to.have.length(1);
    await runner.tick();
    expect(r.ranges).to.have.length(1); // no new block: the cached head is the chain's
    await evm("evm_mine");
    await runner.tick();
    expect(r.ranges).to.have.length(2);
    expect(r.ranges[1].from).to.equal(r.ranges[1].to);
    expect(reads[0]).to.equal(reads[1]);
  });
});
