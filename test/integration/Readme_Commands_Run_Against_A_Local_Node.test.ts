import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { createPublicClient, http as viemHttp, type Address } from "viem";
import { REPO_ROOT } from "../../oracle/core/artifacts/manifest";
import { reliabilityRegistryAbi, swarmCalibrationAbi, swarmReputationAbi } from "../../oracle/core/chain/abi";

/**
 * The README's Commands, run as written against `npx hardhat node`: each `npm run zkmerit -- ...` and
 * `npm run oracle -- ...` line of every "### Commands" block (module 1's, then module 2's, then module 3's, on one
 * deployment) is run in order, as a separate process, with only the paths a test must keep out of
 * the work tree appended (deployments, store, secrets, journal, reports) and `--once` for the oracle.
 * Two values are the user's to read, not to copy: a `--feedback` file is the repository's (resolved
 * from its root, as `npm run` does), and `--reliability-epoch` is the epoch `evaluator commit`
 * printed. Time is moved on the node between the lines where a user would wait. A line the test does
 * not know how to wait for fails the test, so the README cannot gain a command this walk does not
 * run. The commands reach the node through a proxy that records every eth_getLogs: with the log
 * cache on disk, no command reads a block another command already read.
 */

interface Line {
  /** The module whose Commands block holds the line (1, 2, ...). */
  readonly module: number;
  /** "trainer train", "oracle", "evaluator sign", ... */
  readonly command: string;
  readonly args: string[];
  readonly text: string;
}

const GROUPS = ["task", "trainer", "stake", "source", "evaluator", "node", "round", "calibration"];

/** The CLI lines of the README's Commands blocks (one per module, in README order), in order. */
function readmeLines(): Line[] {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const sections = readme.split(/^### Commands$/m).slice(1);
  if (sections.length === 0) throw new Error("README.md has no '### Commands' section");
  const lines: Line[] = [];
  for (const [i, section] of sections.entries()) {
    const block = /```sh\n([\s\S]*?)```/.exec(section);
    if (!block) throw new Error(`README.md's Commands section ${i + 1} has no sh block`);
    for (const raw of block[1].split("\n")) {
      const text = raw.replace(/#.*$/, "").trim();
      const m = /^npm run (zkmerit|oracle) -- (.*)$/.exec(text);
      if (!m) continue;
      // As the shell reads them: quotes around a word (no word in these blocks has a space) are not part of it.
      const words = m[2]
        .split(/\s+/)
        .filter(Boolean)
        .map((w) => w.replace(/^"(.*)"$/, "$1"));
      const args = m[1] === "oracle" ? ["oracle", ...words] : words;
      const sub = GROUPS.includes(args[0]) ? `${args[0]} ${args[1]}` : args[0];
      lines.push({ module: i + 1, command: sub, args, text });
    }
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

  /** The swarm's current round and the first calibration set as the node sees them now, and the node's time. */
  const swarmNow = async (deployments: string) => {
    const d = JSON.parse(fs.readFileSync(deployments, "utf8")) as { contracts: Record<string, Address> };
    const client = createPublicClient({ transport: viemHttp(nodeRpc) });
    const round = await client.readContract({
      address: d.contracts.SwarmReputation,
      abi: swarmReputationAbi,
      functionName: "currentRound",
    });
    const info =
      round === 0
        ? undefined
        : await client.readContract({
            address: d.contracts.SwarmReputation,
            abi: swarmReputationAbi,
            functionName: "roundInfo",
            args: [round],
          });
    const set = await client.readContract({
      address: d.contracts.SwarmCalibration,
      abi: swarmCalibrationAbi,
      functionName: "calibrationSet",
      args: [1],
    });
    const now = (await client.getBlock()).timestamp;
    return { info, set, now };
  };
  const waitUntil = async (at: bigint, now: bigint) => {
    if (at > now) await wait(Number(at - now) + 1);
  };

  /** The reliability registry's epoch as the node sees it now, and the node's time. */
  const epochNow = async (deployments: string) => {
    const d = JSON.parse(fs.readFileSync(deployments, "utf8")) as { contracts: Record<string, Address> };
    const client = createPublicClient({ transport: viemHttp(nodeRpc) });
    const info = await client.readContract({
      address: d.contracts.ReliabilityRegistry,
      abi: reliabilityRegistryAbi,
      functionName: "epochInfo",
    });
    const now = (await client.getBlock()).timestamp;
    const params = await client.readContract({
      address: d.contracts.ReliabilityRegistry,
      abi: reliabilityRegistryAbi,
      functionName: "params",
    });
    return { info, now, params };
  };

  it("every README command runs in order: module 1 settles a round with a real proof, pays the trainer and audits clean; module 2 proves an epoch of direct and relayed feedback and audits clean; module 3 calibrates four nodes, settles and finalizes a round, pays and audits clean", async () => {
    const lines = readmeLines();
    expect(lines.length, "README command lines").to.be.greaterThan(10);
    expect(
      lines.filter((l) => l.module === 2).map((l) => l.command),
      "module 2's README commands",
    ).to.include.members([
      "source register",
      "source status",
      "source scores",
      "source leave",
      "evaluator register",
      "evaluator commit",
      "evaluator reveal",
      "evaluator sign",
      "relay",
      "audit",
      "oracle",
    ]);
    // The paths a test keeps out of the work tree, and the flags a one-shot run needs.
    const common = ["--deployments", path.join(dir, "localhost.json"), "--store", path.join(dir, "store")];
    const extra = (l: Line): string[] => {
      switch (l.command) {
        case "trainer train":
        case "trainer reveal":
        case "evaluator commit":
        case "evaluator reveal":
        case "evaluator sign":
          return [...common, "--secrets", path.join(dir, "secrets")];
        case "oracle":
          return [...common, "--journal", path.join(dir, "journal"), "--once"];
        case "audit": {
          const name = l.module === 1 ? "audit" : `audit-${l.module}`;
          return [...common, "--out", path.join(dir, `${name}.json`), "--html", path.join(dir, `${name}.html`)];
        }
        default:
          return common;
      }
    };
    const created = { commit: 600, reveal: 300, challenge: 300 };
    let revealedOnce = false;
    const outputs = new Map<string, string[]>();
    const deploymentsFile = path.join(dir, "localhost.json");
    let epoch: string | undefined;
    let epochOpened = false;
    let evaluatorRevealed = false;
    const waited = new Set<string>();
    /** Waits (once per phase) until `key`'s phase opens. */
    const once = async (key: string, at: (x: Awaited<ReturnType<typeof swarmNow>>) => bigint) => {
      if (waited.has(key)) return;
      waited.add(key);
      const x = await swarmNow(deploymentsFile);
      await waitUntil(at(x), x.now);
    };
    for (const l of lines) {
      let args = l.args;
      if (l.module === 3) {
        // Module 3's waits follow the calibration set's and the round's phases.
        const step = l.args[2];
        switch (l.command) {
          case "node calibrate":
            if (step === "reveal") await once("calibration reveal", (x) => x.set.commitEnd);
            break;
          case "calibration key":
            await once("calibration key", (x) => x.set.revealEnd);
            break;
          case "node answer":
            if (step === "reveal") await once("answer reveal", (x) => x.info!.answerCommitEnd);
            break;
          case "node judge":
            await once(`judgment ${step}`, (x) => (step === "commit" ? x.info!.answerRevealEnd : x.info!.judgeCommitEnd));
            break;
          case "oracle":
            if (!waited.has("settle")) await once("settle", (x) => x.info!.judgeRevealEnd);
            else await once("finalize", (x) => x.info!.finalAt);
            break;
          case "faucet":
          case "node register":
          case "calibration open":
          case "round open":
          case "round status":
          case "round reputations":
          case "node claim":
          case "node status":
          case "audit":
            break;
          default:
            throw new Error(`the README runs \`${l.text}\`, which this walk does not know when to run`);
        }
        args = args.map((a, i) => (["--file", "--question"].includes(args[i - 1]) ? path.resolve(REPO_ROOT, a) : a));
        const secretsFor = ["node calibrate", "node answer", "node judge", "calibration open", "calibration key"].includes(l.command);
        const { stdout } = await cli([...args, ...extra(l), ...(secretsFor ? ["--secrets", path.join(dir, "secrets")] : [])]);
        outputs.set(`3:${l.command}`, [...(outputs.get(`3:${l.command}`) ?? []), stdout]);
        continue;
      }
      if (l.module === 2) {
        // Module 2's waits follow the registry's epoch clock.
        switch (l.command) {
          case "evaluator commit":
          case "evaluator sign":
            if (!epochOpened) {
              // Start the commits at a fresh epoch's commit window, so none of them can miss it.
              const { info, now, params } = await epochNow(deploymentsFile);
              await wait(Number(BigInt(info.startedAt) + params.commitWindow - now) + 1);
              epochOpened = true;
            }
            break;
          case "evaluator reveal":
            if (!evaluatorRevealed) {
              const { info, now } = await epochNow(deploymentsFile);
              await wait(Number(info.commitEnd - now) + 1);
              evaluatorRevealed = true;
            }
            break;
          case "oracle": {
            const { info, now } = await epochNow(deploymentsFile);
            await wait(Number(info.revealEnd - now) + 1);
            break;
          }
          case "audit": {
            // Once the proposal is final (its challenge window passed).
            const { info, now } = await epochNow(deploymentsFile);
            if (info.finalAt > now) await wait(Number(info.finalAt - now) + 1);
            expect(epoch, "the README commits before it audits").to.not.equal(undefined);
            args = args.map((a, i) => (args[i - 1] === "--reliability-epoch" ? epoch! : a));
            break;
          }
          case "faucet":
          case "source register":
          case "source status":
          case "source scores":
          case "source leave":
          case "evaluator register":
          case "relay":
            break;
          default:
            throw new Error(`the README runs \`${l.text}\`, which this walk does not know when to run`);
        }
        args = args.map((a, i) => (args[i - 1] === "--feedback" ? path.resolve(REPO_ROOT, a) : a));
        const { stdout } = await cli([...args, ...extra(l)]);
        const m = /feedback committed for epoch (\d+)/.exec(stdout);
        if (m) epoch ??= m[1];
        outputs.set(`2:${l.command}`, [...(outputs.get(`2:${l.command}`) ?? []), stdout]);
        continue;
      }
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

    // Module 2: two sources, three evaluators (one relayed), one proven epoch that ranks source 0 over 1.
    expect(one("2:source register"))
      .to.match(/^source 0 registered/m)
      .and.to.match(/^source 1 registered/m);
    expect(one("2:evaluator register")).to.match(/^evaluator 3 registered/m);
    expect(one("2:evaluator sign"))
      .to.match(/signed the commit of evaluator 3/)
      .and.to.match(/signed the reveal of evaluator 3/);
    expect(one("2:relay"))
      .to.match(/^relayed the commit of evaluator 3 for epoch \d+/m)
      .and.to.match(/^relayed the reveal of evaluator 3/m);
    expect(one("2:oracle"))
      .to.match(/"scores proposed"/)
      .and.to.match(/"included":3\b/);
    // Source 0 was credited in correct answers (0.5 -> 0.625 at EMA 1/4), source 1 mostly in wrong ones.
    expect(one("2:source scores").split("\n")[0]).to.match(/^source {4}0 {2}reliability 0\.625/);
    expect(one("2:audit")).to.match(/^OK: /m);
    expect((JSON.parse(fs.readFileSync(path.join(dir, "audit-2.json"), "utf8")) as { ok: boolean }).ok).to.equal(true);
    expect(one("2:source leave")).to.match(/^source 1 left/m);

    // Module 3: four calibrated nodes, one round proven and finalized, the disagreeing judge flagged, rewards claimed.
    expect(one("3:node register"))
      .to.match(/^node 1 registered/m)
      .and.to.match(/^node 4 registered/m);
    expect(one("3:node calibrate"))
      .to.match(/admitted into slot 0/)
      .and.to.match(/admitted into slot 3/);
    expect(one("3:round open")).to.match(/^round 1 opened/m);
    expect(one("3:node judge")).to.match(/judgment of \d+ comparisons committed for round 1 by slot 2/);
    expect(one("3:oracle"))
      .to.match(/"ranking proposed"/)
      .and.to.match(/"round finalized"/);
    expect(one("3:round status")).to.match(/proposal by .*: winner slot [013]\b/);
    expect(one("3:node claim")).to.match(/^claimed [1-9][\d.]* tokens/m);
    expect(one("3:audit")).to.match(/^OK: /m);
    expect((JSON.parse(fs.readFileSync(path.join(dir, "audit-3.json"), "utf8")) as { ok: boolean }).ok).to.equal(true);

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
