export { SNARK_FIELD, toField, fromField, isFieldElement, proofContext, floorDiv } from "./field";
export {
  type FixedPointParams,
  DEFAULT_FIXED_POINT,
  checkFixedPointParams,
  signedBounds,
  realRange,
  quantize,
  dequantize,
} from "./fixedpoint";
export { packCount, packedLength, pack, unpack, packVector, unpackVector } from "./packing";
export { poseidon, hashChain, vectorTag, commitVector } from "./commitment";
export { beBytes, sha256Field, SHA256_FIELD_BITS, EMA_RATE_ONE, emaStep } from "./bytes";
