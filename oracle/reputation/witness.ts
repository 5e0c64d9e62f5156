import type { RoundSettlement } from "./reference";

/** The input object of Reputation(N): every value a decimal string. */
export type ReputationWitness = {
  outHash: string;
  acc: string;
  settler: string;
  context: string;
  round: string;
  ruleParams: string;
  count: string;
  judge: string[];
  commitment: string[];
  included: string[];
  pref: string[][];
  answered: string[];
  oldRep: string[];
  strength: string[];
  winner: string;
};

const bit = (b: boolean) => (b ? "1" : "0");

/**
 * The circuit input of a round settled by the reference (`settleRound`), which carries its input:
 * `prove(circuit, buildWitness(await settleRound(input)))`, for an instance of the input's shape.
 * Padding reveal positions count..N-1 are judge 0 and commitment 0; slots whose judgment is not
 * included carry zero preferences; the strengths and the winner come from the reference.
 */
export function buildWitness(s: RoundSettlement): ReputationWitness {
  const { input, trace, publicInputs } = s;
  const n = input.shape.nodes;
  return {
    outHash: publicInputs.outHash.toString(),
    acc: publicInputs.acc.toString(),
    settler: publicInputs.settler.toString(),
    context: input.context.toString(),
    round: input.round.toString(),
    ruleParams: trace.ruleParams.toString(),
    count: String(trace.count),
    judge: Array.from({ length: n }, (_, j) => (j < trace.count ? String(input.reveals[j].judge) : "0")),
    commitment: Array.from({ length: n }, (_, j) => (j < trace.count ? input.reveals[j].commitment.toString() : "0")),
    included: trace.included.map(bit),
    pref: trace.prefs.map((row) => row.map(String)),
    answered: input.answered.map(bit),
    oldRep: input.oldReputation.map(String),
    strength: trace.strengths.map(String),
    winner: String(trace.winner),
  };
}
