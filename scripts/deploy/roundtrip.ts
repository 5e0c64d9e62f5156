import type { Address } from "viem";
import { circuitArtifacts } from "../../oracle/core/artifacts/manifest";
import { roundTripSettlementAbi } from "../../oracle/core/chain/abi";
import type { Clients } from "../../oracle/core/chain/clients";
import { ROUNDTRIP_CIRCUIT } from "../../oracle/examples/roundtrip";
import { deployContract, type Deployed } from "./foundation";

/** Deploys the RoundTrip circuit's verifier and the RoundTripSettlement contract. */
export async function deployRoundTrip(c: Clients, owner: Address): Promise<{ verifier: Deployed; settlement: Deployed }> {
  const entry = circuitArtifacts(ROUNDTRIP_CIRCUIT);
  const verifier = await deployContract(c, entry.verifierContract);
  const settlement = await deployContract(c, "RoundTripSettlement", { abi: roundTripSettlementAbi, args: [verifier.address, owner] });
  return { verifier, settlement };
}
