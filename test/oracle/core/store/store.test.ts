import { expect } from "chai";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { commitVector } from "../../../../oracle/core/field";
import { isZkMeritError } from "../../../../oracle/core/errors";
import {
  IpfsContentStore,
  LocalContentStore,
  decodeCommittedVector,
  decodeVectorPayload,
  encodeVectorPayload,
  openStore,
} from "../../../../oracle/core/store";

const Q = { bits: 32, fracBits: 16 };

async function rejects(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    expect(isZkMeritError(e), String(e)).to.equal(true);
    expect((e as { code: string }).code).to.equal(code);
    return e as Error;
  }
  throw new Error(`expected a ${code} error`);
}

describe("oracle/core/store", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-store-"));
  });

  describe("# LocalContentStore", () => {
    it("stores by sha256 and returns the same URI for the same bytes", async () => {
      const s = new LocalContentStore(dir);
      const data = new TextEncoder().encode("hello");
      const uri = await s.put(data);
      expect(uri).to.equal(`zkm://sha256/${createHash("sha256").update(data).digest("hex")}`);
      expect(await s.put(data)).to.equal(uri);
      expect(Buffer.from(await s.get(uri)).toString()).to.equal("hello");
    });

    it("rejects a missing, corrupted, oversized or malformed entry", async () => {
      const s = new LocalContentStore(dir);
      const uri = await s.put(new TextEncoder().encode("payload"));
      await rejects(s.get(uri, 3), "STORE_TOO_LARGE");
      const hex = uri.slice("zkm://sha256/".length);
      fs.writeFileSync(path.join(dir, hex.slice(0, 2), hex), "tampered");
      await rejects(s.get(uri), "STORE_CORRUPT");
      await rejects(s.get(`zkm://sha256/${"0".repeat(64)}`), "STORE_NOT_FOUND");
      await rejects(s.get("zkm://sha256/xyz"), "STORE_BAD_URI");
    });
  });

  describe("# IpfsContentStore (against a local Kubo RPC stand-in)", () => {
    it("adds and cats through the RPC API and enforces the size limit", async () => {
      const blobs = new Map<string, Buffer>();
      const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const url = new URL(req.url ?? "/", "http://x");
          if (url.pathname === "/api/v0/add") {
            const body = Buffer.concat(chunks).toString("latin1");
            const content = Buffer.from(body.split("\r\n\r\n")[1].split("\r\n--")[0], "latin1");
            const cid = "bafy" + createHash("sha256").update(content).digest("hex").slice(0, 40);
            blobs.set(cid, content);
            res.end(JSON.stringify({ Name: "payload", Hash: cid, Size: String(content.length) }));
          } else if (url.pathname === "/api/v0/cat") {
            const blob = blobs.get(url.searchParams.get("arg") ?? "");
            if (!blob) {
              res.statusCode = 500;
              res.end(JSON.stringify({ Message: "block was not found locally (offline): ipld: could not find node", Code: 0 }));
              return;
            }
            res.end(blob.subarray(0, Number(url.searchParams.get("length") ?? blob.length)));
          } else {
            res.statusCode = 404;
            res.end();
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const port = (server.address() as AddressInfo).port;
        const s = openStore(`ipfs+http://127.0.0.1:${port}`);
        expect(s).to.be.instanceOf(IpfsContentStore);
        const uri = await s.put(new TextEncoder().encode("model bytes"));
        expect(uri).to.match(/^ipfs:\/\/bafy/);
        expect(Buffer.from(await s.get(uri)).toString()).to.equal("model bytes");
        await rejects(s.get(uri, 4), "STORE_TOO_LARGE");
        await rejects(s.get("ipfs://bafynotstoredanywhere00"), "STORE_NOT_FOUND");
        await rejects(s.get("zkm://sha256/00"), "STORE_BAD_URI");
      } finally {
        server.close();
      }
      await rejects(new IpfsContentStore("http://127.0.0.1:1", 2000).get("ipfs://bafyxxxxxxxxxxxx"), "STORE_UNAVAILABLE");
    });
  });

  describe("# vector payloads", () => {
    it("round-trips and checks the on-chain commitment", async () => {
      const values = [1n, -2n, 3n, 2147483647n, -2147483648n];
      const bytes = encodeVectorPayload({ kind: "update", params: Q, values });
      const commitment = await commitVector(values, 32);
      const p = await decodeCommittedVector(bytes, { kind: "update", length: 5, params: Q, commitment });
      expect(p.values).to.deep.equal(values);
      const e = await rejects(
        decodeCommittedVector(bytes, { kind: "update", length: 5, params: Q, commitment: commitment + 1n }),
        "COMMITMENT_MISMATCH",
      );
      expect(e.message).to.contain(String(commitment + 1n));
    });

    it("rejects malformed, NaN, fractional, out-of-range, wrong-length and wrong-kind payloads, naming the field", () => {
      const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
      const base = { format: "zkmerit.vector.v1", kind: "update", bits: 32, fracBits: 16, values: [1, 2, 3] };
      const expectBad = (bytes: Uint8Array, re: RegExp) => {
        try {
          decodeVectorPayload(bytes, { kind: "update", length: 3, params: Q });
        } catch (e) {
          expect(isZkMeritError(e, "PAYLOAD_INVALID"), String(e)).to.equal(true);
          expect((e as Error).message).to.match(re);
          return;
        }
        throw new Error("expected PAYLOAD_INVALID");
      };
      expectBad(new Uint8Array([0xff, 0xfe]), /not UTF-8 JSON/);
      expectBad(new TextEncoder().encode("{not json"), /not UTF-8 JSON/);
      expectBad(
        new TextEncoder().encode('{"format":"zkmerit.vector.v1","kind":"update","bits":32,"fracBits":16,"values":[1,NaN,3]}'),
        /not UTF-8 JSON/,
      );
      expectBad(enc({ ...base, values: [1, null, 3] }), /value 1 is null/);
      expectBad(enc({ ...base, values: [1, 2.5, 3] }), /value 1 is 2.5/);
      expectBad(enc({ ...base, values: [1, 2, 2 ** 31] }), /value 2 is 2147483648/);
      expectBad(enc({ ...base, values: [1, 2] }), /has 2 values, expected 3/);
      expectBad(enc({ ...base, kind: "model" }), /kind "model", expected "update"/);
      expectBad(enc({ ...base, bits: 16 }), /Q16.16/);
      expectBad(enc({ ...base, extra: 1 }), /extra|Unrecognized/);
    });
  });
});
