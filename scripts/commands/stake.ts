import { formatUnits } from "viem";
import { contractAddress } from "../../oracle/core/chain/deployments";
import { ZkMeritError } from "../../oracle/core/errors";
import { vaultAt } from "../deploy/foundation";
import type { Ctx } from "../module";

/** The stake vault's calls for any participant of any module (the `stake` commands). */
const vault = (x: Ctx) => vaultAt(x.c, contractAddress(x.d, "StakeVault"));

/** The caller's stake in the vault. */
export async function stakeStatus(
  x: Ctx,
): Promise<{ free: bigint; locked: bigint; unbonding: bigint; unbondingReleaseAt: bigint; moduleUnbonding: bigint }> {
  return vault(x).read.stakeOf([x.c.account.address]);
}

/** Starts unbonding `amount` of the caller's free stake. */
export async function unstake(x: Ctx, amount: bigint): Promise<bigint> {
  const s = await stakeStatus(x);
  if (s.free < amount)
    throw new ZkMeritError(
      "CONFIG",
      `you have ${formatUnits(s.free, 18)} tokens of free stake, less than the ${formatUnits(amount, 18)} asked to unstake` +
        (s.locked > 0n ? ` (${formatUnits(s.locked, 18)} are locked by tasks: leave or release them first)` : ""),
      {},
    );
  return (await vault(x).send("unstake", [amount])).gasUsed;
}

/** Withdraws the caller's stake whose unbonding delay has passed. */
export async function withdrawStake(x: Ctx): Promise<{ amount: bigint; gasUsed: bigint }> {
  const before = await stakeStatus(x);
  const r = await vault(x).send("withdraw", []);
  const after = await stakeStatus(x);
  return { amount: before.unbonding - after.unbonding, gasUsed: r.gasUsed };
}
