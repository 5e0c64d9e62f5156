/**
 * snarkjs keeps its bn128 worker threads alive in `globalThis.curve_bn128`; a process that used
 * it never exits until they are terminated.
 */
export async function terminateCurves(): Promise<void> {
  const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    delete g.curve_bn128;
  }
}
