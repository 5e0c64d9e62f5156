import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ZkMeritError } from "../errors";
import { DEFAULT_MAX_BYTES, type ContentStore } from "./types";

const PREFIX = "zkm://sha256/";

/**
 * The default content store: a local folder addressed by sha256 (`zkm://sha256/<hex>`), stored
 * at `<root>/<hex[0..2]>/<hex>`. Works offline; every read re-hashes the bytes, so a corrupted or
 * swapped file is detected.
 */
export class LocalContentStore implements ContentStore {
  readonly describe: string;
  constructor(readonly root: string) {
    this.describe = `local:${root}`;
  }

  private pathOf(hex: string): string {
    return path.join(this.root, hex.slice(0, 2), hex);
  }

  static parse(uri: string): string {
    if (!uri.startsWith(PREFIX) || !/^[0-9a-f]{64}$/.test(uri.slice(PREFIX.length))) {
      throw new ZkMeritError("STORE_BAD_URI", `"${uri}" is not a local content URI (expected ${PREFIX}<64 hex digits>)`, { uri });
    }
    return uri.slice(PREFIX.length);
  }

  /** The URI `put(data)` returns, without storing anything. */
  static uriOf(data: Uint8Array): string {
    return PREFIX + createHash("sha256").update(data).digest("hex");
  }

  async put(data: Uint8Array): Promise<string> {
    const hex = LocalContentStore.parse(LocalContentStore.uriOf(data));
    const file = this.pathOf(hex);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // Write then rename: a crash never leaves a partial file under the content name.
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      fs.writeFileSync(tmp, data);
      fs.renameSync(tmp, file);
    }
    return PREFIX + hex;
  }

  async get(uri: string, maxBytes = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
    const hex = LocalContentStore.parse(uri);
    const file = this.pathOf(hex);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      throw new ZkMeritError("STORE_NOT_FOUND", `${uri} is not in the local store ${this.root}`, { uri });
    }
    if (size > maxBytes) {
      throw new ZkMeritError("STORE_TOO_LARGE", `${uri} is ${size} bytes, more than the ${maxBytes} allowed`, { uri, size, maxBytes });
    }
    const data = fs.readFileSync(file);
    const got = createHash("sha256").update(data).digest("hex");
    if (got !== hex) {
      throw new ZkMeritError("STORE_CORRUPT", `${file} hashes to ${got}, not to its name ${hex}`, { uri });
    }
    return new Uint8Array(data);
  }
}
