export { prove, verifyProof, verificationKey, toSolidityProof, type SolidityProof, type ProofResult } from "./groth16";
export { terminateCurves } from "./curve";
