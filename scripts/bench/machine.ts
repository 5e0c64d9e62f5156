import os from "node:os";

/** The machine a benchmark ran on, recorded next to every number. */
export function machineInfo(): { cpu: string; cores: number; memoryGiB: number; node: string; platform: string } {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}
