import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../oracle/core/artifacts/manifest";

/**
 * The README's Commands, run as written against `npx hardhat node`: each `npm run zkmerit -- ...` and
 * `npm run oracle -- ...` line of the README's block is run in order, as a separate process, with only
 * the paths a test must keep out of the work tree appended (deployments, store, secrets, journal,
 * reports) and `--once` for the oracle. Time is moved on the node between the lines where a user
 * would wait. A line the test does not know how to wait for fails the test, so the README cannot gain
 * a command this walk does not run. The commands reach the node through a proxy that records every
 * eth_getLogs: with the log cache on disk, no command reads a block another command already read.
 */

interface Line {
  /** "trainer train", "oracle", ... */
  readonly command: string;
  readonly args: string[];
  readonly text: string;
}

/** The CLI lines of the README's Commands block, in order. */
function readmeLines(): Line[] {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.split("### Commands")[1];
  if (!section) throw new Error("README.md has no '### Commands' section");
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error("README.md's Commands section has no sh block");
  const lines: Line[] = [];
  for (const raw of block[1].split("\n")) {
    const text = raw.replace(/#.*$/, "").trim();
    const m = /^npm run (zkmerit|oracle) -- (.*)$/.exec(text);
    if (!m) continue;
    const words = m[2].split(/\s+/).filter(Boolean);
    const args = m[1] === "oracle" ? ["oracle", ...words] : words;
    const sub = args[0] === "task" || args[0] === "trainer" || args[0] === "stake" ? `${args[0]} ${args[1]}` : args[0];
    lines.push({ command: sub, args, text });
  }
  return lines;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe("Readme_Commands_Run_Against_A_Local_Node (hardhat node, contribution_8x130, real proofs)", function () {
  this.timeout(600_000);
  let node: ChildProcess | undefined;
  let proxy: http.Server | undefined;
  let rpc = "";
  let nodeRpc = "";
  let dir = "";
  /** eth_getLogs block ranges the commands asked for, by contract. */
  const logReads: Array<{ address: string; from: bigint; to: bigint }> = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkmerit-readme-"));
    const port = await freePort();
    nodeRpc = `http://127.0.0.1:${port}`;
    node = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli"), "node", "--port", String(port)], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`hardhat node did not start in 120 s:\n${output}`)), 120_000);
      node!.stdout!.on("data", (b: Buffer) => {
        output += b.toString();
        if (output.includes("Started HTTP and WebSocket JSON-RPC server")) {
          clearTimeout(timer);
          resolve();
        }
      });
      node!.stderr!.on("data", (b: Buffer) => (output += b.toString()));
      node!.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`hardhat node exited with ${code}:\n${output}`));
      });
    });
    // Drain the node's output so a full pipe never blocks it.
    node.stdout!.removeAllListeners("data").resume();
    node.stderr!.removeAllListeners("data").resume();
    // The commands' RPC goes through a recording proxy.
    proxy = http.createServer((req, res) => {
      let body = "";
      req.on("data", (b: Buffer) => (body += b.toString()));
      req.on("end", () => {
        const calls = ([] as Array<{ method: string; params?: Array<{ address: string; fromBlock: string; toBlock: string }> }>).concat(
          JSON.parse(body),
        );
        for (const c of calls)
          if (c.method === "eth_getLogs" && c.params)
            logReads.push({
              address: c.params[0].address.toLowerCase(),
              from: BigInt(c.params[0].fromBlock),
              to: BigInt(c.params[0].toBlock),
            });
        const fwd = http.request(nodeRpc, { method: "POST", agent: false, headers: { "content-type": "application/json" } }, (up) => {
          res.writeHead(up.statusCode ?? 502, { "content-type": "application/json" });
          up.pipe(res);
        });
        fwd.on("error", () => res.writeHead(502).end());
        fwd.end(body);
      });
    });
    const proxyPort = await freePort();
    await new Promise<void>((resolve) => proxy!.listen(proxyPort, "127.0.0.1", resolve));
    rpc = `http://127.0.0.1:${proxyPort}`;
  });

  after(() => {
    proxy?.close();
    node?.removeAllListeners("exit");
    node?.kill("SIGTERM");
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // A fresh connection per call: the node closes idle keep-alive sockets while a command runs.
  const rpcCall = (method: string, params: unknown[] = []) =>
    new Promise<unknown>((resolve, reject) => {
      const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
      const req = http.request(nodeRpc, { method: "POST", agent: false, headers: { "content-type": "application/json" } }, (res) => {
        let text = "";
        res.on("data", (b: Buffer) => (text += b.toString()));
        res.on("end", () => {
          const r = JSON.parse(text) as { result?: unknown; error?: { message: string } };
          if (r.error) reject(new Error(`${method}: ${r.error.message}`));
          else resolve(r.result);
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  const wait = async (seconds: number) => {
    await rpcCall("evm_increaseTime", [seconds]);
    await rpcCall("evm_mine");
  };

  /**
   * Runs the CLI as a user would; returns its stdout, and fails the test with both streams on a non-zero exit.
   * (Asynchronously: the recording proxy runs in this process.)
   */
  const cli = (args: string[], expectFailure = false): Promise<{ stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "scripts", "cli.ts"), ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, ZKMERIT_LOCAL_RPC: rpc, INIT_CWD: dir, ZKMERIT_PRIVATE_KEY: "", ZKMERIT_LOG_CACHE: path.join(dir, "logs") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (b: Buffer) => (stdout += b.toString()));
      child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
      child.on("error", reject);
      child.on("close", (status) => {
        clearTimeout(timer);
        if ((status !== 0) !== expectFailure)
          reject(new Error(`\`zkmerit ${args.join(" ")}\` exited with ${status}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        else resolve({ stdout, stderr });
      });
    });

  it("every README command runs in order, settles a round with a real proof, pays the trainer and audits clean", async () => {
    const lines = readmeLines();
    expect(lines.length, "README command lines").to.be.greaterThan(10);
    // The paths a test keeps out of the work tree, and the flags a one-shot run needs.
    const common = ["--deployments", path.join(dir, "localhost.json"), "--store", path.join(dir, "store")];
    const extra = (l: Line): string[] => {
      switch (l.command) {
        case "trainer train":
        case "trainer reveal":
          return [...common, "--secrets", path.join(dir, "secrets")];
        case "oracle":
          return [...common, "--journal", path.join(dir, "journal"), "--once"];
        case "audit":
          return [...common, "--out", path.join(dir, "audit.json"), "--html", path.join(dir, "audit.html")];
        default:
          return common;
      }
    };
    const created = { commit: 600, reveal: 300, challenge: 300 };
    let revealedOnce = false;
    const outputs = new Map<string, string[]>();
    for (const l of lines) {
      // Where a user waits between two lines, the node's clock moves on instead.
      switch (l.command) {
        case "trainer reveal":
          if (!revealedOnce) await wait(created.commit + 1);
          revealedOnce = true;
          break;
        case "oracle":
          await wait(created.reveal + 1);
          break;
        case "trainer claim":
          await wait(created.challenge + 1);
          break;
        case "stake unstake":
        case "stake withdraw":
          await wait(7 * 86400 + 1);
          break;
        case "deploy":
        case "faucet":
        case "task create":
        case "trainer join":
        case "trainer train":
        case "trainer leave":
        case "fees":
        case "stake status":
        case "task sync":
        case "audit":
          break;
        default:
          throw new Error(`the README runs \`${l.text}\`, which this walk does not know when to run`);
      }
      const { stdout } = await cli([...l.args, ...extra(l)]);
      outputs.set(l.command, [...(outputs.get(l.command) ?? []), stdout]);
    }
    const one = (c: string) => {
      const o = outputs.get(c);
      expect(o, `the README runs ${c}`).to.not.equal(undefined);
      return o!.join("\n");
    };
    const deployments = JSON.parse(fs.readFileSync(path.join(dir, "localhost.json"), "utf8")) as { contracts: Record<string, string> };
    expect(deployments.contracts).to.include.keys("TrainingMarket", "StakeVault");
    expect(one("task create")).to.match(/^task 1 created/m);
    expect(one("trainer train"))
      .to.match(/committed round 0 from slot 0/)
      .and.to.match(/committed round 0 from slot 1/);
    // stdout holds the pass's JSON report among the service's log lines.
    const reportLine = one("oracle")
      .split("\n")
      .find((l) => l.startsWith("{") && !l.includes('"level"'));
    expect(reportLine, "oracle --once printed its report").to.not.equal(undefined);
    const report = JSON.parse(reportLine!) as Record<string, { settled?: unknown[] }>;
    expect(
      Object.values(report).flatMap((r) => r.settled ?? []),
      "oracle --once settled a round",
    ).to.have.length(1);
    // Both reveals are in the settlement: the owner's root update (slot 0) and the trainer's (slot 1).
    expect(one("oracle"))
      .to.match(/"round proven"/)
      .and.to.match(/"included":"11"/);
    expect(one("trainer claim")).to.match(/^claimed [1-9][\d.]* tokens/m);
    expect(one("fees")).to.match(/^withdrew 1 tokens of settlement fees/m);
    expect(one("stake status")).to.match(/^free 0, locked 0, unbonding 0, unbonding from modules 100 tokens/m);
    expect(one("stake withdraw")).to.match(/^withdrew 100 tokens/m);
    expect(one("audit")).to.match(/^OK: \d+ rounds audited/m);
    const audit = JSON.parse(fs.readFileSync(path.join(dir, "audit.json"), "utf8")) as { ok: boolean };
    expect(audit.ok).to.equal(true);
    expect(fs.readFileSync(path.join(dir, "audit.html"), "utf8")).to.match(/^<!doctype html>/i);

    // One event pass per block range across the whole walk: every command after the first reading one
    // asked only for blocks no earlier command had read (the log cache on disk, shared by the processes).
    expect(logReads.length, "eth_getLogs calls").to.be.greaterThan(1);
    for (const [i, a] of logReads.entries())
      for (const b of logReads.slice(i + 1))
        if (a.address === b.address) expect(b.from > a.to || b.to < a.from, `blocks ${b.from}-${b.to} read twice`).to.equal(true);

    // Bad input fails before any transaction, naming the value.
    const bad = await cli(["trainer", "join", "--task", "x1", ...common], true);
    expect(bad.stderr).to.match(/--task/);
  });
});
