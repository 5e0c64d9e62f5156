import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** sha256 of a file, streamed (zkeys and ptau files reach hundreds of MB). */
export async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * A generator's version: sha256 of a tag and of its own source files (siblings of `dir`, as .ts
 * under ts-node or .js once compiled), so any edit to them changes it.
 */
export function sourceVersion(tag: string, dir: string, files: string[]): string {
  const h = createHash("sha256").update(tag);
  for (const f of files) {
    const ts = path.join(dir, `${f}.ts`);
    h.update(fs.readFileSync(fs.existsSync(ts) ? ts : path.join(dir, `${f}.js`)));
  }
  return h.digest("hex").slice(0, 16);
}
