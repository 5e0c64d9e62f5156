/**
 * The spine every module shares, and the only way into it from outside the core: the field and
 * fixed point, the content store, the prover, chain access, the circuit manifest and the errors.
 * Modules and the service import `oracle/core`, never its inner files (docs/architecture.md).
 */
export * from "./errors";
export * from "./field";
export * from "./store";
export * from "./prover";
export * from "./artifacts/manifest";
export * from "./chain/artifacts";
export * from "./chain/clients";
export * from "./chain/deployments";
export * from "./chain/network";
export * from "./chain/tx";
export * from "./chain/contract";
export * from "./chain/abi";
export * from "./chain/logs";
export * from "./llm/chat";
export * from "./rng";
