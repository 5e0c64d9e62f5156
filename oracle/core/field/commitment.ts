import { buildPoseidon } from "circomlibjs";
import { ZkMeritError } from "../errors";
import { packVector } from "./packing";

type PoseidonFn = ((inputs: bigint[]) => Uint8Array) & { F: { toObject(x: Uint8Array): bigint } };

let poseidonPromise: Promise<PoseidonFn> | undefined;

/** circomlibjs's Poseidon (same constants as circomlib's Poseidon template), built once. */
async function poseidonFn(): Promise<PoseidonFn> {
  poseidonPromise ??= buildPoseidon() as Promise<PoseidonFn>;
  return poseidonPromise;
}

/** Poseidon hash of 1..16 field elements. */
export async function poseidon(inputs: readonly bigint[]): Promise<bigint> {
  if (inputs.length < 1 || inputs.length > 16) {
    throw new ZkMeritError("PACK_BAD_INPUT", `Poseidon takes 1 to 16 inputs, got ${inputs.length}`, {
      count: inputs.length,
    });
  }
  const p = await poseidonFn();
  return p.F.toObject(p([...inputs]));
}

/**
 * HashChain(M) of circuits/lib/fixedpoint.circom: state = tag, then for each chunk c of up to 15
 * elements, state = Poseidon([state, ...c]).
 */
export async function hashChain(tag: bigint, elements: readonly bigint[]): Promise<bigint> {
  if (elements.length === 0) {
    throw new ZkMeritError("PACK_BAD_INPUT", "hashChain needs at least one element", {});
  }
  let state = tag;
  for (let c = 0; c < elements.length; c += 15) state = await poseidon([state, ...elements.slice(c, c + 15)]);
  return state;
}

/** The domain tag of a vector commitment: B * 2^32 + N. */
export function vectorTag(n: number, bits: number): bigint {
  return (BigInt(bits) << 32n) + BigInt(n);
}

/**
 * The commitment to a vector of B-bit signed integers (VectorCommit(N, B) in circom):
 * hashChain(B * 2^32 + N, packVector(values, B)). Values are range-checked by the packing.
 */
export async function commitVector(values: readonly bigint[], bits: number): Promise<bigint> {
  if (values.length === 0 || values.length >= 2 ** 32) {
    throw new ZkMeritError("PACK_BAD_INPUT", `a committed vector needs 1 to 2^32-1 values, got ${values.length}`, {
      count: values.length,
    });
  }
  return hashChain(vectorTag(values.length, bits), packVector(values, bits));
}
