import { readManifest } from "../../oracle/core/artifacts/manifest";
import { contributionShape } from "../../oracle/contribution/taskstate";
import { proofContext } from "../../oracle/core/field";
import { prove } from "../../oracle/core/prover";
import { proveRoundTrip } from "../../oracle/examples/roundtrip";
import { DEFAULT_TRUST_MARGIN, buildWitness, commitUpdate, settleRound } from "../../oracle/contribution";

/** One full round of Contribution(N, P): the owner's root update at slot 0, honest submitters and one attacker, proven. */
async function proveContribution(circuit: string, slots: number, params: number, i: number): Promise<number> {
  const upd = (j: number) =>
    Array.from({ length: params }, (_, k) => BigInt(Math.round(Math.sin(k + i) * 20000 + ((j * 17 + k) % 11) * 300)));
  const updates = Array.from({ length: slots }, (_, j) => (j === slots - 1 ? upd(j).map((v) => -4n * v) : upd(j)));
  const s = await settleRound({
    slots,
    task: {
      context: proofContext(31337, "0x" + "cd".repeat(20)),
      taskId: 1n,
      config: { budget: 10n ** 21n, numRounds: 10, maxTrainers: slots },
      rule: { normBoundSq: 1n << 79n, trustMargin: DEFAULT_TRUST_MARGIN, rootUpdates: true },
    },
    // A nonzero previous step, so the replaced-update baseline of the rule is exercised.
    wOld: new Array<bigint>(params).fill(0n),
    wPrev: upd(slots).map((v) => -v / 2n),
    cumOld: new Array<bigint>(slots).fill(0n),
    round: i % 10,
    submissions: await Promise.all(updates.map(async (update, j) => ({ slot: j, commitment: await commitUpdate(update), update }))),
    settler: 0xabn,
  });
  return (await prove(circuit, buildWitness(s))).seconds;
}

/**
 * Proving benchmarks per circuit: each entry makes one real proof from a fresh, valid input and
 * returns the time fullProve took (witness generation included).
 */
export const proveBenches: Record<string, (i: number) => Promise<number>> = new Proxy(
  {
    roundtrip_8: async (i: number) => {
      const values = Array.from({ length: 8 }, (_, k) => Math.sin(i * 8 + k) * 100);
      const claim = await proveRoundTrip(proofContext(31337, "0x" + "ab".repeat(20)), BigInt(i + 1), values);
      return claim.proveSeconds;
    },
  } as Record<string, (i: number) => Promise<number>>,
  {
    get(target, name: string) {
      if (name in target) return target[name];
      const spec = readManifest().circuits[name]?.spec;
      if (spec?.template !== "Contribution") return undefined;
      const { slots, params } = contributionShape(name);
      return (i: number) => proveContribution(name, slots, params, i);
    },
  },
);
