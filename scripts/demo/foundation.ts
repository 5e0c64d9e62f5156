import { keccak256, parseEther, toHex, type Address } from "viem";
import type { Clients } from "../../oracle/core/chain/clients";
import { contractAt } from "../../oracle/core/chain/contract";
import { roundTripSettlementAbi } from "../../oracle/core/chain/abi";
import type { TxReceipt } from "../../oracle/core/chain/tx";
import { proofContext } from "../../oracle/core/field";
import { ROUNDTRIP_CIRCUIT, proveRoundTrip } from "../../oracle/examples/roundtrip";
import { circuitArtifacts } from "../../oracle/core/artifacts/manifest";
import { deployFoundation, testTokenAt, tokenAt, vaultAt } from "../deploy/foundation";
import { deployRoundTrip } from "../deploy/roundtrip";

export interface GasSample {
  contract: string;
  call: string;
  gas: number;
  note?: string;
}

/**
 * Exercises every StakeVault call and one proof settlement on a fresh deployment and returns
 * the gas of each. Shared by `npm run demo` (which prints it) and `npm run bench` (which records it).
 */
export async function foundationScenario(
  accounts: Clients[],
  increaseTime: (s: number) => Promise<void>,
  say: (line: string) => void = () => {},
): Promise<{ gas: GasSample[]; proveSeconds: number; addresses: Record<string, Address> }> {
  const [admin, moduleAcct, alice, bob] = accounts;
  const gas: GasSample[] = [];
  const record = (contract: string, call: string, g: number, note?: string) => gas.push({ contract, call, gas: g, note });
  const gasOf = async (tx: Promise<TxReceipt>) => Number((await tx).gasUsed);

  const unbonding = 3 * 24 * 3600;
  const f = await deployFoundation(admin, {
    admin: admin.account.address,
    unbondingDelaySeconds: unbonding,
    adminTransferDelaySeconds: 86400,
  });
  record("TestToken", "deploy", f.token.gasUsed);
  record("StakeVault", "deploy", f.stakeVault.gasUsed);
  say(`deployed TestToken ${f.token.address} and StakeVault ${f.stakeVault.address} (unbonding delay ${unbonding / 3600} h)`);
  const vault = f.stakeVault.address;
  const token = f.token.address;
  // Each account's view of the vault and the token, typed by their ABIs.
  const vaultOf = (who: Clients) => vaultAt(who, vault);

  // Module grants are scheduled; on a vault that holds no stake yet the schedule is ready at once.
  await vaultOf(admin).send("scheduleModuleGrant", [moduleAcct.account.address]);
  await vaultOf(admin).send("grantModule", [moduleAcct.account.address]);
  say(`granted MODULE_ROLE to ${moduleAcct.account.address} (standing in for a module contract), through the scheduled grant`);

  for (const who of [alice, bob]) {
    await testTokenAt(admin, token).send("mint", [who.account.address, parseEther("1000")]);
    await tokenAt(who, token).send("approve", [vault, parseEther("1000")]);
  }
  record("StakeVault", "stake (first)", await gasOf(vaultOf(alice).send("stake", [parseEther("100")])));
  record("StakeVault", "stake (top-up)", await gasOf(vaultOf(alice).send("stake", [parseEther("50")])));
  await vaultOf(bob).send("stake", [parseEther("80")]);
  say("alice staked 150, bob staked 80");
  record("StakeVault", "lock", await gasOf(vaultOf(moduleAcct).send("lock", [alice.account.address, parseEther("60")])));
  await vaultOf(moduleAcct).send("lock", [bob.account.address, parseEther("40")]);
  record("StakeVault", "unlock", await gasOf(vaultOf(moduleAcct).send("unlock", [alice.account.address, parseEther("20")])));
  const offence = keccak256(toHex("demo: bob misbehaved in round 1"));
  record("StakeVault", "slash", await gasOf(vaultOf(moduleAcct).send("slash", [bob.account.address, parseEther("10"), offence])));
  say("the module locked 60 of alice's and 40 of bob's stake, unlocked 20 of alice's, slashed bob 10 for one offence");
  record("StakeVault", "unstake", await gasOf(vaultOf(alice).send("unstake", [parseEther("30")])));
  record("StakeVault", "rebond", await gasOf(vaultOf(alice).send("rebond", [parseEther("10")])));
  await increaseTime(unbonding);
  record("StakeVault", "withdraw", await gasOf(vaultOf(alice).send("withdraw", [])));
  say("alice unstaked 30, rebonded 10 and withdrew 20 after the unbonding delay");
  record("StakeVault", "sweepSlashed", await gasOf(vaultOf(admin).send("sweepSlashed", [admin.account.address])));
  record("StakeVault", "setUnbondingDelay", await gasOf(vaultOf(admin).send("setUnbondingDelay", [BigInt(unbonding * 2)])));
  const totals = await vaultOf(admin).read.totals();
  const balance = await tokenAt(admin, token).read.balanceOf([vault]);
  const sum = totals.free + totals.locked + totals.unbonding + totals.moduleUnbonding + totals.slashedUnswept;
  say(
    `vault balance ${balance / 10n ** 18n} = free ${totals.free / 10n ** 18n} + locked ${totals.locked / 10n ** 18n} + unbonding ${
      totals.unbonding / 10n ** 18n
    } + module unbonding ${totals.moduleUnbonding / 10n ** 18n} + slashed-not-swept ${totals.slashedUnswept / 10n ** 18n}: ${balance === sum ? "holds" : "BROKEN"}`,
  );
  if (balance !== sum) throw new Error("vault invariant broken");

  const rt = await deployRoundTrip(admin, admin.account.address);
  record(circuitArtifacts(ROUNDTRIP_CIRCUIT).verifierContract, "deploy", rt.verifier.gasUsed);
  record("RoundTripSettlement", "deploy", rt.settlement.gasUsed);
  const roundTrip = (who: Clients) => contractAt(who, "RoundTripSettlement", roundTripSettlementAbi, rt.settlement.address);
  record("RoundTripSettlement", "openRound", await gasOf(roundTrip(admin).send("openRound", [])));
  const claim = await proveRoundTrip(proofContext(admin.chain.id, rt.settlement.address), 1n, [0.5, -1.25, 3, 0, 2.75, -0.125, 7, -4]);
  say(`proved a vector commitment and its sum for round 1 in ${claim.proveSeconds.toFixed(2)} s`);
  const settleGas = await gasOf(roundTrip(bob).send("settle", [1n, claim.commitment, claim.sum, claim.proof]));
  record("RoundTripSettlement", "settle (4 public inputs)", settleGas);
  say(`bob (anyone) settled round 1 with the proof: ${settleGas} gas; sum = ${Number(claim.sum) / 65536}`);
  return { gas, proveSeconds: claim.proveSeconds, addresses: { token, vault, roundTrip: rt.settlement.address } };
}
