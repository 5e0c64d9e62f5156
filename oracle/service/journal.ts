import fs from "node:fs";
import path from "node:path";

/**
 * A crash-safe journal of proofs the oracle made but may not have settled yet, one JSON file per
 * round key. Written atomically (temp file + rename) *before* the settlement transaction is sent,
 * so an oracle killed between proving and settling resumes with the same proof instead of
 * proving again; the chain, not the journal, decides whether a round still needs settling.
 */
/**
 * JSON with bigints written as "123n" (read back by the journal's reviver). The replacer looks at
 * the raw value (`this[key]`): a library that installs `BigInt.prototype.toJSON` (some test tools
 * do) would otherwise turn bigints into plain strings before the replacer sees them.
 */
export function stringifyWithBigInts(value: unknown): string {
  return JSON.stringify(
    value,
    function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      return typeof raw === "bigint" ? `${raw}n` : v;
    },
    2,
  );
}

export class ProofJournal {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  private file(key: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new Error(`journal key "${key}" has characters unsafe for a file name`);
    return path.join(this.dir, `${key}.json`);
  }

  read<T>(key: string): T | undefined {
    const f = this.file(key);
    if (!fs.existsSync(f)) return undefined;
    try {
      return JSON.parse(fs.readFileSync(f, "utf8"), (_, v) =>
        typeof v === "string" && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
      ) as T;
    } catch {
      // A torn write cannot happen (rename is atomic), but a hand-edited file can: ignore it.
      return undefined;
    }
  }

  write(key: string, value: unknown): void {
    const f = this.file(key);
    const tmp = `${f}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, stringifyWithBigInts(value));
    fs.renameSync(tmp, f);
  }

  remove(key: string): void {
    fs.rmSync(this.file(key), { force: true });
  }

  keys(): string[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -5));
  }
}
