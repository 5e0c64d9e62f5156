import { toField } from "../core";
import { type Settlement } from "./reference";

/** The input object of Contribution(N, P, B): every value a field-encoded decimal string. */
export type ContributionWitness = {
  acc: string;
  newState: string;
  modelCommitment: string;
  rewardRoot: string;
  masks: string;
  settler: string;
  context: string;
  taskId: string;
  configPacked: string;
  ruleParams: string;
  wOld: string[];
  wPrev: string[];
  cumOld: string[];
  round: string;
  count: string;
  slot: string[];
  commitment: string[];
  included: string[];
  u: string[][];
  sortedNorm2: string[];
};

// Signed integers are field-encoded (x < 0 as r - |x|); hashes and header values already are field elements.
const enc = (x: bigint) => toField(x).toString();
const elem = (x: bigint) => x.toString();

/**
 * The circuit input of a round settled by the reference (`settleRound`), which carries its input:
 * `prove(circuit, buildWitness(await settleRound(input)))`, for a circuit whose manifest parameters are (N, P, 32).
 * Left-out positions (update unavailable) carry an all-zero update and included = 0; positions
 * count..N-1 are padding (slot 0, commitment 0, an all-zero update), which the circuit ignores.
 * Quotients, remainders and square roots are computed inside the circuit; the sorted norms come from the reference.
 */
export function buildWitness(s: Settlement): ContributionWitness {
  const { input, trace, publicInputs } = s;
  const n = trace.slots;
  const p = trace.params;
  const slot = input.submissions.map((x) => enc(BigInt(x.slot)));
  const commitment = trace.commitments.map(elem);
  const included = trace.included.map((b) => (b ? "1" : "0"));
  const u = trace.updates.map((x) => x.map(enc));
  while (slot.length < n) {
    slot.push("0");
    commitment.push("0");
    included.push("0");
    u.push(new Array<string>(p).fill("0"));
  }
  return {
    acc: elem(publicInputs.acc),
    newState: elem(publicInputs.newState),
    modelCommitment: elem(publicInputs.modelCommitment),
    rewardRoot: elem(publicInputs.rewardRoot),
    masks: elem(publicInputs.masks),
    settler: elem(publicInputs.settler),
    context: elem(input.task.context),
    taskId: elem(input.task.taskId),
    configPacked: elem(trace.configPacked),
    ruleParams: elem(trace.ruleParams),
    wOld: input.wOld.map(enc),
    wPrev: input.wPrev.map(enc),
    cumOld: input.cumOld.map(elem),
    round: enc(BigInt(input.round)),
    count: enc(BigInt(trace.count)),
    slot,
    commitment,
    included,
    u,
    sortedNorm2: trace.sortedNorm2.map(enc),
  };
}
