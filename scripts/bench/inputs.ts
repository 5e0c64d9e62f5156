import { readManifest } from "../../oracle/core/artifacts/manifest";
import { proofContext } from "../../oracle/core/field";
import { proveRoundTrip } from "../../oracle/examples/roundtrip";
import type { ZkMeritModule } from "../module";

/** The round-trip example's proving bench (the spine's own circuit). */
async function proveRoundTripBench(i: number): Promise<number> {
  const values = Array.from({ length: 8 }, (_, k) => Math.sin(i * 8 + k) * 100);
  const claim = await proveRoundTrip(proofContext(31337, "0x" + "ab".repeat(20)), BigInt(i + 1), values);
  return claim.proveSeconds;
}

/**
 * The proving bench of circuit `name`: one real proof from a fresh, valid input, returning the time
 * fullProve took (witness generation included); a module's circuits by their template.
 */
export function proveBenchFor(name: string, modules: readonly ZkMeritModule[]): ((i: number) => Promise<number>) | undefined {
  if (name === "roundtrip_8") return proveRoundTripBench;
  const template = readManifest().circuits[name]?.spec.template;
  for (const m of modules) {
    const bench = template ? m.proofBenches?.[template] : undefined;
    if (bench) return (i) => bench(name, i);
  }
  return undefined;
}
