import { commitVector, quantize, toField, type FixedPointParams } from "../../core";
import { prove, toSolidityProof, type SolidityProof } from "../../core";

/** The RoundTrip circuit instance settled by contracts/mocks/RoundTripSettlement.sol. */
export const ROUNDTRIP_CIRCUIT = "roundtrip_8";
export const ROUNDTRIP_N = 8;
export const ROUNDTRIP_PARAMS: FixedPointParams = { bits: 32, fracBits: 16 };

export interface RoundTripClaim {
  round: bigint;
  commitment: bigint;
  sum: bigint;
  proof: SolidityProof;
  publicSignals: bigint[];
  proveSeconds: number;
}

/** Reference results of the RoundTrip circuit for a quantized vector. */
export async function roundTripResults(x: readonly bigint[]): Promise<{ commitment: bigint; sum: bigint }> {
  return { commitment: await commitVector(x, ROUNDTRIP_PARAMS.bits), sum: x.reduce((a, b) => a + b, 0n) };
}

/** Quantizes `values`, computes the results with the reference and proves them for `round`. */
export async function proveRoundTrip(context: bigint, round: bigint, values: readonly number[]): Promise<RoundTripClaim> {
  if (values.length !== ROUNDTRIP_N) throw new RangeError(`RoundTrip takes exactly ${ROUNDTRIP_N} values, got ${values.length}`);
  const x = quantize(values, ROUNDTRIP_PARAMS);
  const { commitment, sum } = await roundTripResults(x);
  const res = await prove(ROUNDTRIP_CIRCUIT, {
    context: context.toString(),
    round: round.toString(),
    commitment: commitment.toString(),
    sum: toField(sum).toString(),
    x: x.map((v) => toField(v).toString()),
  });
  return { round, commitment, sum, proof: toSolidityProof(res.proof), publicSignals: res.publicSignals, proveSeconds: res.seconds };
}
