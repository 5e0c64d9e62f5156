import { proofContext } from "../../oracle/field";
import { proveRoundTrip } from "../../oracle/roundtrip";

/**
 * Proving benchmarks per circuit: each entry makes one real proof from a fresh, valid input and
 * returns the time fullProve took.
 */
export const proveBenches: Record<string, (i: number) => Promise<number>> = {
  roundtrip_8: async (i) => {
    const values = Array.from({ length: 8 }, (_, k) => Math.sin(i * 8 + k) * 100);
    const claim = await proveRoundTrip(proofContext(31337, "0x" + "ab".repeat(20)), BigInt(i + 1), values);
    return claim.proveSeconds;
  },
};
