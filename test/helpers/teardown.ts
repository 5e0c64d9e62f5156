import { terminateCurves } from "../../oracle/core/prover/curve";

// Root hook: snarkjs keeps bn128 worker threads alive; end them so the test process can exit.
after(async () => {
  await terminateCurves();
});
