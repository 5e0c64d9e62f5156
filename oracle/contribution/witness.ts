import { toField } from "../field";
import { packConfig, type Settlement } from "./reference";

/** The input object of Contribution(N, P, B): every value a field-encoded decimal string. */
export type ContributionWitness = {
  acc: string;
  newState: string;
  outlierBitmap: string;
  context: string;
  taskId: string;
  configPacked: string;
  normBoundSq: string;
  wOld: string[];
  cumOld: string[];
  round: string;
  count: string;
  slot: string[];
  u: string[][];
  sorted: string[][];
  sortedDist: string[];
};

/** The circuit instance name of an N x P contribution circuit in circuits/circuits.json. */
export function contributionCircuit(slots: number, params: number): string {
  return `contribution_${slots}x${params}`;
}

// Signed integers are field-encoded (x < 0 as r - |x|); hashes and header values already are field elements.
const enc = (x: bigint) => toField(x).toString();
const elem = (x: bigint) => x.toString();

/**
 * The circuit input of a round settled by the reference (`settleRound`), which carries its input:
 * `prove(contributionCircuit(N, P), buildWitness(await settleRound(input)))`.
 * Positions count..N-1 are padding (slot 0 and an all-zero update, which the circuit ignores).
 * Quotients and remainders are computed inside the circuit; the sorted columns come from the reference.
 */
export function buildWitness(s: Settlement): ContributionWitness {
  const { input, trace, publicInputs } = s;
  const n = trace.slots;
  const p = trace.params;
  const slot = input.submissions.map((x) => enc(BigInt(x.slot)));
  const u = input.submissions.map((x) => x.update.map(enc));
  while (slot.length < n) {
    slot.push("0");
    u.push(new Array<string>(p).fill("0"));
  }
  return {
    acc: elem(publicInputs.acc),
    newState: elem(publicInputs.newState),
    outlierBitmap: elem(publicInputs.outlierBitmap),
    context: elem(input.task.context),
    taskId: elem(input.task.taskId),
    configPacked: elem(packConfig(input.task.config)),
    normBoundSq: elem(input.task.normBoundSq),
    wOld: input.wOld.map(enc),
    cumOld: input.cumOld.map(elem),
    round: enc(BigInt(input.round)),
    count: enc(BigInt(trace.count)),
    slot,
    u,
    sorted: trace.sorted.map((col) => col.map(enc)),
    sortedDist: trace.sortedDist.map(enc),
  };
}
