import { createHash } from "node:crypto";
import fs from "node:fs";

/** sha256 of a file, streamed (zkeys and ptau files reach hundreds of MB). */
export async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
