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
