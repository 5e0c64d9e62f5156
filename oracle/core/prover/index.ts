export { prove, verifyProof, verificationKey, toSolidityProof, fromSolidityProof, type SolidityProof, type ProofResult } from "./groth16";
export { terminateCurves } from "./curve";
