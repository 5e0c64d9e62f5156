/**
 * Retries `fn` on transient faults with exponential backoff (base, 2x, 4x, ...), at most
 * `attempts` times. `isTransient` decides which errors are worth retrying (RPC timeouts, 5xx,
 * connection resets); anything else is rethrown at once.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  o: {
    attempts: number;
    baseMs: number;
    isTransient?: (e: unknown) => boolean;
    onRetry?: (e: unknown, attempt: number, waitMs: number) => void;
  },
): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      if (attempt === o.attempts || (o.isTransient && !o.isTransient(e))) throw e;
      const wait = o.baseMs * 2 ** (attempt - 1);
      o.onRetry?.(e, attempt, wait);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  throw last;
}

/** RPC faults worth retrying: timeouts, refused or reset connections, HTTP 429 and 5xx. */
export function isTransientRpcError(e: unknown): boolean {
  const msg = String((e as Error)?.message ?? e);
  return /timeout|timed out|ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|fetch failed|429|50[0-9]|HTTP request failed/i.test(msg);
}
