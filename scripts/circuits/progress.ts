import type { Logger } from "snarkjs";

/** A step reporter: prints a line when a step starts and ends with its duration. */
export interface Progress {
  (msg: string): void;
  step<T>(label: string, fn: (logger: Logger) => Promise<T>): Promise<T>;
}

/**
 * Human-readable progress for the pipeline. snarkjs reports loop progress at debug level,
 * many times a second; those lines are throttled to one every few seconds.
 */
export function makeProgress(prefix: string, write: (line: string) => void = (l) => process.stderr.write(l + "\n")): Progress {
  const log = ((msg: string) => write(`[${prefix}] ${msg}`)) as Progress;
  log.step = async <T>(label: string, fn: (logger: Logger) => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    let last = 0;
    const throttled = (m: string) => {
      const now = Date.now();
      if (now - last >= 3000) {
        last = now;
        log(`  ${label}: ${m} (${((now - t0) / 1000).toFixed(0)} s)`);
      }
    };
    const logger: Logger = { debug: throttled, info: throttled, warn: (m) => log(`  warning: ${m}`), error: (m) => log(`  error: ${m}`) };
    log(`${label} ...`);
    const out = await fn(logger);
    log(`${label} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return out;
  };
  return log;
}
