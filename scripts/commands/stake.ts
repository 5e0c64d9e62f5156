import { formatUnits } from "viem";
import { contractAddress } from "../../oracle/core/chain/deployments";
import { ZkMeritError } from "../../oracle/core/errors";
import { tokenAt, vaultAt } from "../deploy/foundation";
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

/**
 * Stakes what the caller's free stake lacks of `amount` (approving the vault first), so a module's
 * registration can lock it; refuses, naming the shortfall, when the wallet holds too little.
 * `purpose` says what needs it ("a source of the reliability registry").
 */
export async function stakeMissing(x: Ctx, amount: bigint, purpose: string): Promise<bigint | undefined> {
  const v = vault(x);
  const s = await v.read.stakeOf([x.c.account.address]);
  if (s.free >= amount) return undefined;
  const need = amount - s.free;
  const token = tokenAt(x.c, contractAddress(x.d, "Token"));
  const held = await token.read.balanceOf([x.c.account.address]);
  if (held < need) {
    throw new ZkMeritError(
      "CONFIG",
      `${purpose} needs ${formatUnits(amount, 18)} tokens of stake; you have ${formatUnits(s.free, 18)} staked and ` +
        `${formatUnits(held, 18)} in your wallet, ${formatUnits(need - held, 18)} short: get tokens first ` +
        `(\`zkmerit faucet --amount ${formatUnits(need - held, 18)}\` on a TestToken deployment)`,
      { need: need.toString(), held: held.toString() },
    );
  }
  const allowance = await token.read.allowance([x.c.account.address, v.address]);
  if (allowance < need) await token.send("approve", [v.address, need]);
  return (await v.send("stake", [need])).gasUsed;
}
