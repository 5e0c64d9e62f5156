/** A content store: immutable payloads addressed by content. */
export interface ContentStore {
  /** A short description for logs ("local:/path", "ipfs:http://127.0.0.1:5001"). */
  readonly describe: string;
  /** Stores `data` and returns its URI. Storing the same bytes twice returns the same URI. */
  put(data: Uint8Array): Promise<string>;
  /** Fetches the bytes behind `uri`, refusing more than `maxBytes`. */
  get(uri: string, maxBytes?: number): Promise<Uint8Array>;
}

/** Largest payload fetched unless a caller says otherwise (a 1024-parameter update is ~12 KB). */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
