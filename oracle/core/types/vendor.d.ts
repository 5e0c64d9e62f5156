// Minimal typings for the untyped zk libraries zkmerit uses.

declare module "circomlibjs" {
  export function buildPoseidon(): Promise<unknown>;
}

declare module "snarkjs" {
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export interface Logger {
    debug(msg: string): void;
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  }
  export type VerificationKey = Record<string, unknown> & { protocol: string; curve: string; nPublic: number };
  export type Signals = Record<string, unknown>;
  export const groth16: {
    fullProve(
      input: Signals,
      wasm: string | Uint8Array,
      zkey: string | Uint8Array,
      logger?: Logger,
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    prove(zkey: string | Uint8Array, wtns: string | Uint8Array, logger?: Logger): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(vk: VerificationKey, publicSignals: (string | bigint)[], proof: Groth16Proof, logger?: Logger): Promise<boolean>;
  };
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, fileName: string, logger?: Logger): Promise<unknown>;
    contribute(oldPtau: string, newPtau: string, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: Logger): Promise<unknown>;
    verify(ptau: string, logger?: Logger): Promise<boolean>;
    beacon(oldPtau: string, newPtau: string, name: string, beaconHash: string, numIterationsExp: number, logger?: Logger): Promise<unknown>;
  };
  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<unknown>;
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    beacon(
      oldZkey: string,
      newZkey: string,
      name: string,
      beaconHashHex: string,
      numIterationsExp: number,
      logger?: Logger,
    ): Promise<unknown>;
    exportVerificationKey(zkey: string | Uint8Array, logger?: Logger): Promise<VerificationKey>;
    exportSolidityVerifier(zkey: string, templates: Record<string, string>, logger?: Logger): Promise<string>;
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<boolean>;
  };
  export const r1cs: {
    info(
      r1cs: string,
      logger?: Logger,
    ): Promise<{ nConstraints: number; nPubInputs: number; nOutputs: number; nPrvInputs: number; nVars: number; nLabels: number }>;
  };
  export const wtns: {
    calculate(input: Signals, wasm: string | Uint8Array, wtns: string | { type: "mem"; data?: Uint8Array }): Promise<void>;
    check(r1cs: string, wtns: string, logger?: Logger): Promise<boolean>;
  };
  export const curves: {
    getCurveFromName(name: string): Promise<unknown>;
  };
}

declare module "circom_tester" {
  export interface WasmTester {
    calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>;
    checkConstraints(witness: bigint[]): Promise<void>;
    loadConstraints(): Promise<void>;
    getOutput(witness: bigint[], output: Record<string, unknown>, templateName?: string): Promise<Record<string, unknown>>;
    assertOut(witness: bigint[], expected: Record<string, unknown>): Promise<void>;
    loadSymbols(): Promise<void>;
    symbols: Record<string, { labelIdx: number; varIdx: number; componentIdx: number }>;
    constraints: unknown[];
  }
  export function wasm(file: string, options?: Record<string, unknown>): Promise<WasmTester>;
}
