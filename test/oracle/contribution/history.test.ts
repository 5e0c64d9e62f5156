import { expect } from "chai";
import hre from "hardhat";
import type { PublicClient } from "viem";
import { readTaskHistory } from "../../../oracle/contribution/history";
import { commitAll, freshFixture, revealAll, roundUpdates, systemFixture } from "../../integration/marketHarness";

/** A client that counts its eth_getLogs requests and the block range each one covers. */
function counting(client: PublicClient): { client: PublicClient; calls: Array<{ from: bigint; to: bigint }> } {
  const calls: Array<{ from: bigint; to: bigint }> = [];
  const request = (async (args: { method: string; params?: unknown }) => {
    if (args.method === "eth_getLogs") {
      const [f] = args.params as [{ fromBlock: string; toBlock: string }];
      calls.push({ from: BigInt(f.fromBlock), to: BigInt(f.toBlock) });
    }
    return client.request(args as never);
  }) as PublicClient["request"];
  return { client: { ...client, request } as PublicClient, calls };
}

describe("oracle/contribution/history (one event pass per read, cached)", () => {
  it("reads every event of a task in one call per chunk, then only the blocks after the last read", async () => {
    const f = await freshFixture(systemFixture);
    const { client, calls } = counting(f.owner.publicClient);
    const from = BigInt(f.d.startBlock);
    const h1 = await readTaskHistory(client, f.market, f.taskId, { fromBlock: from });
    expect(calls).to.have.length(1);
    expect(calls[0].from).to.equal(from);
    expect(h1.members).to.have.length(4);
    const head = calls[0].to;
    const secrets = await commitAll(f.ctx, f.trainers, f.taskId, 0, roundUpdates(0));
    await revealAll(f.ctx, f.trainers, secrets);
    const h2 = await readTaskHistory(client, f.market, f.taskId, { fromBlock: from });
    expect(calls).to.have.length(2);
    expect(calls[1].from).to.equal(head + 1n);
    expect(h2.rounds.get(0)?.reveals.map((r) => r.slot)).to.deep.equal([0, 1, 2, 3]);
    // The same answer as a read without the cache (another client object).
    const cold = await readTaskHistory(f.owner.publicClient, f.market, f.taskId, { fromBlock: from });
    expect(cold.rounds.get(0)?.commits).to.deep.equal(h2.rounds.get(0)?.commits);
    // Small chunks: one call per chunk of the new range.
    const chunked = counting(f.owner.publicClient);
    await readTaskHistory(chunked.client, f.market, f.taskId, { fromBlock: from, chunk: 5n });
    expect(chunked.calls.length).to.equal(Math.ceil(Number(chunked.calls[chunked.calls.length - 1].to - from + 1n) / 5));
  });

  it("reads again from the start when the cached blocks are gone (a reorg, or a reverted snapshot)", async () => {
    const f = await freshFixture(systemFixture);
    const { client, calls } = counting(f.owner.publicClient);
    const from = BigInt(f.d.startBlock);
    const snapshot = await hre.network.provider.request({ method: "evm_snapshot", params: [] });
    const secrets = await commitAll(f.ctx, f.trainers, f.taskId, 0, roundUpdates(0));
    await revealAll(f.ctx, f.trainers, secrets);
    expect((await readTaskHistory(client, f.market, f.taskId, { fromBlock: from })).rounds.get(0)?.reveals).to.have.length(4);
    await hre.network.provider.request({ method: "evm_revert", params: [snapshot] });
    await hre.network.provider.request({ method: "evm_mine", params: [] });
    await hre.network.provider.request({ method: "evm_mine", params: [] });
    const after = await readTaskHistory(client, f.market, f.taskId, { fromBlock: from });
    expect(after.rounds.size).to.equal(0);
    expect(calls[calls.length - 1].from).to.equal(from);
  });
});
