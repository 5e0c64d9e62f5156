import { keccak256, parseEther, toHex, type Address } from "viem";
import { loadArtifact } from "../../oracle/core/chain/artifacts";
import type { Clients } from "../../oracle/core/chain/clients";
import { proofContext } from "../../oracle/core/field";
import { ROUNDTRIP_CIRCUIT, proveRoundTrip } from "../../oracle/examples/roundtrip";
import { circuitArtifacts } from "../../oracle/core/artifacts/manifest";
import { deployFoundation, send } from "../deploy/foundation";
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
  const vaultArt = loadArtifact("StakeVault");

  // Module grants are scheduled; on a vault that holds no stake yet the schedule is ready at once.
  await send(admin, vault, "StakeVault", "scheduleModuleGrant", [moduleAcct.account.address]);
  await send(admin, vault, "StakeVault", "grantModule", [moduleAcct.account.address]);
  say(`granted MODULE_ROLE to ${moduleAcct.account.address} (standing in for a module contract), through the scheduled grant`);

  for (const who of [alice, bob]) {
    await send(admin, token, "TestToken", "mint", [who.account.address, parseEther("1000")]);
    await send(who, token, "TestToken", "approve", [vault, parseEther("1000")]);
  }
  record("StakeVault", "stake (first)", (await send(alice, vault, "StakeVault", "stake", [parseEther("100")])).gasUsed);
  record("StakeVault", "stake (top-up)", (await send(alice, vault, "StakeVault", "stake", [parseEther("50")])).gasUsed);
  await send(bob, vault, "StakeVault", "stake", [parseEther("80")]);
  say("alice staked 150, bob staked 80");
  record("StakeVault", "lock", (await send(moduleAcct, vault, "StakeVault", "lock", [alice.account.address, parseEther("60")])).gasUsed);
  await send(moduleAcct, vault, "StakeVault", "lock", [bob.account.address, parseEther("40")]);
  record(
    "StakeVault",
    "unlock",
    (await send(moduleAcct, vault, "StakeVault", "unlock", [alice.account.address, parseEther("20")])).gasUsed,
  );
  const offence = keccak256(toHex("demo: bob misbehaved in round 1"));
  record(
    "StakeVault",
    "slash",
    (await send(moduleAcct, vault, "StakeVault", "slash", [bob.account.address, parseEther("10"), offence])).gasUsed,
  );
  say("the module locked 60 of alice's and 40 of bob's stake, unlocked 20 of alice's, slashed bob 10 for one offence");
  record("StakeVault", "unstake", (await send(alice, vault, "StakeVault", "unstake", [parseEther("30")])).gasUsed);
  record("StakeVault", "rebond", (await send(alice, vault, "StakeVault", "rebond", [parseEther("10")])).gasUsed);
  await increaseTime(unbonding);
  record("StakeVault", "withdraw", (await send(alice, vault, "StakeVault", "withdraw", [])).gasUsed);
  say("alice unstaked 30, rebonded 10 and withdrew 20 after the unbonding delay");
  record("StakeVault", "sweepSlashed", (await send(admin, vault, "StakeVault", "sweepSlashed", [admin.account.address])).gasUsed);
  record("StakeVault", "setUnbondingDelay", (await send(admin, vault, "StakeVault", "setUnbondingDelay", [BigInt(unbonding * 2)])).gasUsed);
  const totals = (await admin.publicClient.readContract({ address: vault, abi: vaultArt.abi, functionName: "totals" })) as {
    free: bigint;
    locked: bigint;
    unbonding: bigint;
    moduleUnbonding: bigint;
    slashedUnswept: bigint;
  };
  const balance = (await admin.publicClient.readContract({
    address: token,
    abi: loadArtifact("TestToken").abi,
    functionName: "balanceOf",
    args: [vault],
  })) as bigint;
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
  record("RoundTripSettlement", "openRound", (await send(admin, rt.settlement.address, "RoundTripSettlement", "openRound", [])).gasUsed);
  const claim = await proveRoundTrip(proofContext(admin.chain.id, rt.settlement.address), 1n, [0.5, -1.25, 3, 0, 2.75, -0.125, 7, -4]);
  say(`proved a vector commitment and its sum for round 1 in ${claim.proveSeconds.toFixed(2)} s`);
  const settled = await send(bob, rt.settlement.address, "RoundTripSettlement", "settle", [1n, claim.commitment, claim.sum, claim.proof]);
  record("RoundTripSettlement", "settle (4 public inputs)", settled.gasUsed);
  say(`bob (anyone) settled round 1 with the proof: ${settled.gasUsed} gas; sum = ${Number(claim.sum) / 65536}`);
  return { gas, proveSeconds: claim.proveSeconds, addresses: { token, vault, roundTrip: rt.settlement.address } };
}
