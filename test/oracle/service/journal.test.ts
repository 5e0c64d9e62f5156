import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ProofJournal } from "../../../oracle/service/journal";
import { isTransientRpcError, withRetry } from "../../../oracle/service/retry";

describe("oracle/service", () => {
  describe("# ProofJournal", () => {
    it("persists bigints across instances and removes entries", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-journal-"));
      const a = new ProofJournal(dir);
      a.write("31337-0xabc-1-2", { proof: [1n, -2n], note: "x", n: 3 });
      const b = new ProofJournal(dir);
      expect(b.read("31337-0xabc-1-2")).to.deep.equal({ proof: [1n, -2n], note: "x", n: 3 });
      expect(b.keys()).to.deep.equal(["31337-0xabc-1-2"]);
      b.remove("31337-0xabc-1-2");
      expect(a.read("31337-0xabc-1-2")).to.equal(undefined);
      expect(() => a.write("../escape", {})).to.throw(/unsafe/);
    });

    it("keeps bigints when a library has installed BigInt.prototype.toJSON (a reused proof's masks came back as strings)", () => {
      const proto = BigInt.prototype as unknown as { toJSON?: () => string };
      const before = proto.toJSON;
      proto.toJSON = function (this: bigint) {
        return this.toString();
      };
      try {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-journal-"));
        new ProofJournal(dir).write("k", { result: { includedMask: 15n }, list: [-2n] });
        const back = new ProofJournal(dir).read<{ result: { includedMask: bigint }; list: bigint[] }>("k")!;
        expect(back).to.deep.equal({ result: { includedMask: 15n }, list: [-2n] });
        expect(back.result.includedMask.toString(16)).to.equal("f");
      } finally {
        if (before) proto.toJSON = before;
        else delete proto.toJSON;
      }
    });
  });

  describe("# withRetry", () => {
    it("retries transient faults with backoff and gives up after the limit", async () => {
      let calls = 0;
      const waits: number[] = [];
      const out = await withRetry(
        async () => {
          if (++calls < 3) throw new Error("fetch failed: ECONNRESET");
          return "ok";
        },
        { attempts: 5, baseMs: 1, isTransient: isTransientRpcError, onRetry: (_e, _a, w) => waits.push(w) },
      );
      expect(out).to.equal("ok");
      expect(waits).to.deep.equal([1, 2]);
      calls = 0;
      let err: unknown;
      try {
        await withRetry(
          async () => {
            calls++;
            throw new Error("HTTP request failed with 503");
          },
          { attempts: 3, baseMs: 1, isTransient: isTransientRpcError },
        );
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.contain("503");
      expect(calls).to.equal(3);
    });

    it("does not retry a revert", async () => {
      let calls = 0;
      try {
        await withRetry(
          async () => {
            calls++;
            throw new Error("execution reverted: RoundNotCurrent(1, 2)");
          },
          { attempts: 5, baseMs: 1, isTransient: isTransientRpcError },
        );
      } catch {
        // expected
      }
      expect(calls).to.equal(1);
    });
  });
});
