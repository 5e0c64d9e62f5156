import path from "node:path";
import { ZkMeritError } from "../errors";
import { IpfsContentStore } from "./ipfs";
import { LocalContentStore } from "./local";
import type { ContentStore } from "./types";

export { LocalContentStore } from "./local";
export { IpfsContentStore } from "./ipfs";
export { type ContentStore, DEFAULT_MAX_BYTES } from "./types";
export * from "./payload";

/**
 * A store from a spec: a folder path (local store, the default) or `ipfs+http(s)://host:port`
 * for a Kubo RPC endpoint.
 */
export function openStore(spec: string): ContentStore {
  if (spec.startsWith("ipfs+http://") || spec.startsWith("ipfs+https://")) return new IpfsContentStore(spec.slice("ipfs+".length));
  if (/^[a-z]+:\/\//.test(spec)) {
    throw new ZkMeritError("CONFIG", `content store "${spec}": use a folder path or ipfs+http://host:5001`, { spec });
  }
  return new LocalContentStore(path.resolve(spec));
}

/** Fetches `uri` from `store`, failing with STORE_UNAVAILABLE after `ms` (a slow store counts as unavailable). */
export async function fetchWithin(store: ContentStore, uri: string, ms: number): Promise<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ZkMeritError("STORE_UNAVAILABLE", `${uri} did not arrive within ${ms} ms`, { uri })), ms);
  });
  try {
    return await Promise.race([store.get(uri), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
