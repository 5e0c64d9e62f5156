import * as snarkjs from "snarkjs";
async function main() {
  const [r1cs, ptau, zkey] = process.argv.slice(2);
  const t = Date.now();
  const ok = await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey, { debug() {}, info: (m: string) => console.log(m), warn: console.log, error: console.log });
  console.log("verify", ok, (Date.now() - t) / 1000);
  await (globalThis as any).curve_bn128?.terminate();
}
main();
