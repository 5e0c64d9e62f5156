import { ZkMeritError } from "../errors";
import { DEFAULT_MAX_BYTES, type ContentStore } from "./types";

/**
 * An IPFS backend through a Kubo node's RPC API (`/api/v0/add`, `/api/v0/cat`), for real
 * deployments. URIs are `ipfs://<cid>`. Payload integrity is checked by the caller against the
 * on-chain commitment (see payload.ts), so a lying gateway cannot substitute content.
 */
export class IpfsContentStore implements ContentStore {
  readonly describe: string;
  constructor(
    readonly apiUrl: string,
    readonly timeoutMs = 30_000,
  ) {
    this.describe = `ipfs:${apiUrl}`;
  }

  private async call(pathAndQuery: string, body?: FormData): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(new URL(pathAndQuery, this.apiUrl), { method: "POST", body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new ZkMeritError("STORE_UNAVAILABLE", `IPFS RPC ${this.apiUrl} unreachable: ${(e as Error).message}`, { apiUrl: this.apiUrl });
    }
    if (!res.ok) {
      const text = (await res.text()).slice(0, 300);
      const code = res.status === 404 || /not found|no link/i.test(text) ? "STORE_NOT_FOUND" : "STORE_UNAVAILABLE";
      throw new ZkMeritError(code, `IPFS RPC ${pathAndQuery.split("?")[0]} failed with ${res.status}: ${text}`, { status: res.status });
    }
    return res;
  }

  async put(data: Uint8Array): Promise<string> {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(data)]), "payload");
    const res = await this.call("/api/v0/add?cid-version=1&pin=true&quieter=true", form);
    const body = (await res.json()) as { Hash?: string };
    if (!body.Hash) throw new ZkMeritError("STORE_UNAVAILABLE", "IPFS add returned no CID", {});
    return `ipfs://${body.Hash}`;
  }

  async get(uri: string, maxBytes = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    const m = /^ipfs:\/\/([A-Za-z0-9]{10,128})$/.exec(uri);
    if (!m) throw new ZkMeritError("STORE_BAD_URI", `"${uri}" is not an ipfs://<cid> URI`, { uri });
    // Ask for one byte more than allowed, so an oversized payload is detected without reading it all.
    const res = await this.call(`/api/v0/cat?arg=${encodeURIComponent(m[1])}&length=${maxBytes + 1}`);
    const buf = new Uint8Array(await res.arrayBuffer());
    if (buf.length > maxBytes) {
      throw new ZkMeritError("STORE_TOO_LARGE", `${uri} is larger than the ${maxBytes} bytes allowed`, { uri, maxBytes });
    }
    return buf;
  }
}
