import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type http from "node:http";
import { expect } from "chai";
import type { Browser, Page } from "puppeteer-core";
import { fmtTokens, parseAuditReport, renderHtml, renderJson } from "../../../oracle/audit";
import { loadTaskState } from "../../../oracle/contribution/taskstate";
import { chainCtx, claimReward, history, syncTask } from "../../../scripts/contribution/actions";
import { explorerFor, serveExplorer } from "../../../scripts/commands/explorer";
import hre from "hardhat";
import pino from "pino";
import type { Address } from "viem";
import type { Clients } from "../../../oracle/core/chain/clients";
import type { Feedback } from "../../../oracle/reliability";
import { ReliabilityJob } from "../../../oracle/reliability/job";
import { registryCircuit } from "../../../oracle/reliability/module";
import {
  commitFeedback,
  registerEvaluator,
  registerSource,
  registry,
  revealFeedback,
  sourceScores,
} from "../../../scripts/reliability/actions";
import { testTokenAt } from "../../../scripts/deploy/foundation";
import { clientsFor } from "../../helpers/fixtures";
import {
  audit,
  CHALLENGE,
  freshFixture,
  increaseTime,
  playRound,
  roundUpdates,
  SHAPE,
  systemFixture,
} from "../../integration/marketHarness";

/**
 * The explorer and the HTML audit report in a real browser: Debian's Chromium (or the one
 * $ZKMERIT_CHROMIUM names) driven by puppeteer-core, against the in-process chain with two rounds
 * settled by the oracle with real proofs. Without a browser these tests are skipped with a
 * message saying how to enable them. $ZKMERIT_SCREENSHOTS=<dir> keeps the screenshots there (the
 * README's are of the demo's task, `npm run demo -- --serve`, whose model has evaluation data).
 */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];
const chromium = process.env.ZKMERIT_CHROMIUM ?? CANDIDATES.find((p) => fs.existsSync(p));
const HOW = "install Chromium (apt-get install -y chromium) or set ZKMERIT_CHROMIUM=/path/to/chrome to run them";

describe("Explorer and audit page in a browser (Chromium, real proofs, contribution_4x8)", function () {
  let browser: Browser;
  let server: http.Server;
  let base: string;
  let f: Awaited<ReturnType<typeof systemFixture>>;
  const shots = process.env.ZKMERIT_SCREENSHOTS ?? fs.mkdtempSync(path.join(os.tmpdir(), "zkm-shots-"));
  const errors: string[] = [];
  let epochGas = 0n;

  before(async function () {
    if (!chromium || !fs.existsSync(chromium)) {
      console.log(`    skipped: no Chromium at ${chromium ?? CANDIDATES.join(", ")}; ${HOW}`);
      this.skip();
    }
    f = await freshFixture(systemFixture);
    const svc = f.oracle();
    for (let r = 0; r < 2; r++) {
      if (r > 0) await increaseTime(CHALLENGE);
      await playRound(f.ctx, f.trainers, f.taskId, r, roundUpdates(r));
      const tick = await svc.tick();
      expect(tick.errors, JSON.stringify(tick.errors)).to.deep.equal([]);
    }
    await increaseTime(CHALLENGE);
    await syncTask(f.ctx(f.owner), f.taskId);
    await reliabilityEpoch();
    const explorer = explorerFor(
      { client: f.owner.publicClient, chainId: f.owner.chain.id, deployments: f.d, store: f.store },
      { pollMs: 300 },
    );
    ({ server, url: base } = await serveExplorer(explorer, 0));
    base = base.replace(/\/$/, "");
    const puppeteer = await import("puppeteer-core");
    browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  /** Opens `url` in a new tab, recording console errors (but the browser's own note of an error status the test expects). */
  /**
   * One proven epoch of the reliability registry on the same chain: two sources, five evaluators
   * (one lying about every verdict), feedback committed and revealed, proven by the oracle's job and final.
   */
  async function reliabilityEpoch(): Promise<void> {
    const signers = (await hre.ethers.getSigners()).slice(8, 13).map(clientsFor);
    for (const e of signers)
      await testTokenAt(f.owner, f.d.contracts.Token as Address).send("mint", [e.account.address, 1000n * 10n ** 18n]);
    for (const uri of ["store://source-a", "store://source-b"]) await registerSource(f.ctx(f.stranger), uri);
    for (const e of signers) await registerEvaluator(f.ctx(e));
    const reg = registry(f.ctx(f.owner));
    const now = async () => (await f.owner.publicClient.getBlock()).timestamp;
    // Into an epoch whose commit window is open (the contribution rounds moved the clock on).
    for (let i = 0; i < 8 && (await reg.read.epochInfo()).commitEnd <= (await now()) + 2n; i++) {
      const info = await reg.read.epochInfo();
      await increaseTime(Number(info.settlementDeadline - (await now())) + 1);
    }
    const grades = (liar: boolean): Feedback => ({
      grades: Array.from({ length: 8 }, (_, q) => ({
        graded: true,
        correct: (q % 2 === 0) !== liar,
        grounded: (q % 3 !== 0) !== liar,
        sources: [
          { source: BigInt(q % 2), share: 70 },
          { source: BigInt((q + 1) % 2), share: 30 },
        ],
      })),
    });
    const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rel-secrets-"));
    for (const [i, e] of signers.entries()) await commitFeedback(f.ctx(e), grades(i === 2), secrets);
    const info = await reg.read.epochInfo();
    await increaseTime(Number(info.commitEnd - (await now())));
    for (const e of signers) await revealFeedback(f.ctx(e), secrets);
    await increaseTime(Number((await reg.read.epochInfo()).revealEnd - (await now())));
    const job = new ReliabilityJob({
      clients: f.oracleOp as Clients,
      registry: f.d.contracts.ReliabilityRegistry as Address,
      circuit: registryCircuit(f.d),
      store: f.store,
      journalDir: fs.mkdtempSync(path.join(os.tmpdir(), "zkm-rel-journal-")),
      log: pino({ level: "silent" }),
      fromBlock: BigInt(f.d.startBlock),
      retry: { attempts: 2, baseMs: 50 },
    });
    const r = await job.tick();
    expect(r.errors, JSON.stringify(r.errors)).to.deep.equal([]);
    expect(r.settled).to.have.length(1);
    epochGas = r.settled[0].gasUsed;
    await increaseTime(Number((await reg.read.epochInfo()).finalAt - (await now())) + 1);
    await reg.send("sync", []);
  }

  async function open(url: string, expectError = false): Promise<{ page: Page; status: number }> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on("console", (m) => {
      if (m.type() !== "error") return;
      if (expectError && /Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
      errors.push(`${url}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`${url}: ${(e as Error).message}`));
    const res = await page.goto(url, { waitUntil: "load" });
    return { page, status: res?.status() ?? 0 };
  }

  const text = (page: Page, sel: string) => page.$eval(sel, (e) => (e as HTMLElement).innerText);
  /** The rows of the table in section `#id`, as cell texts. */
  const rows = (page: Page, id: string) =>
    page.$$eval(`#${id} table tbody tr`, (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => (td as HTMLElement).innerText.trim())),
    );
  /** What each series of chart `id` drew: its name and the number of bars or points. */
  const series = (page: Page, id: string) =>
    page.$$eval(`#chart-${id} svg g.series`, (gs) =>
      gs.map((g) => [g.getAttribute("data-series"), g.querySelectorAll("rect, circle").length] as [string, number]),
    );

  it("shows the task's rounds, gas, proofs, stakes, slashes and rewards as the chain has them, with charts", async () => {
    const { page, status } = await open(`${base}/task/${f.taskId}`);
    expect(status).to.equal(200);
    const h = await history(f.ctx(f.owner), f.taskId);
    const roundRows = await rows(page, "rounds");
    expect(roundRows).to.have.length(2);
    for (const [r, row] of roundRows.entries()) {
      const final = h.rounds.get(r)!.final!;
      const receipt = await f.owner.publicClient.getTransactionReceipt({ hash: final.txHash });
      expect(row[1]).to.equal("finalized");
      expect(row[5].replace(/,/g, "")).to.equal(receipt.gasUsed.toString());
      expect(row[6]).to.match(/verified/);
    }
    const state = await loadTaskState(chainCtx(f.ctx(f.owner), SHAPE), h);
    const trainerRows = await rows(page, "trainers");
    expect(trainerRows.map((r) => r[5])).to.deep.equal(state.cum.map((c) => fmtTokens(c)));
    // Slot 3 was slashed in both rounds for the over-norm update.
    const slashed = h.slashes.filter((s) => s.slot === 3).reduce((a, s) => a + s.amount, 0n);
    expect(slashed).to.be.greaterThan(0n);
    expect(trainerRows[3][3]).to.equal(fmtTokens(slashed));
    expect((await rows(page, "flagged")).map((r) => r[1])).to.deep.equal(["3", "3"]);
    expect(await text(page, "#flagged")).to.match(/over the norm bound/);
    expect(await series(page, "rewards")).to.deep.equal([["cumulative reward", 4]]);
    expect(await series(page, "gas")).to.deep.equal([["settleRound (final proposal)", 2]]);
    expect((await series(page, "slashes")).map(([n]) => n)).to.deep.equal(["proven offence", "no-show penalty"]);
    // Axes carry their units.
    expect(await text(page, "#chart-gas")).to.match(/gas used \(gas\)/);
    expect(await text(page, "#chart-rewards")).to.match(/reward \(tokens\)/);
    await page.screenshot({ path: path.join(shots, "explorer-task.png"), fullPage: true });
    await page.close();
  });

  it("links every id, address and transaction to a page that resolves", async () => {
    const seen = new Set<string>();
    for (const start of ["/", `/task/${f.taskId}`, `/round/${f.taskId}/0`, "/module/contribution", "/module/reliability"]) {
      const { page, status } = await open(`${base}${start}`);
      expect(status, start).to.equal(200);
      const hrefs = await page.$$eval("main a[href]", (as) => as.map((a) => a.getAttribute("href")!));
      await page.close();
      for (const href of hrefs) {
        if (!href.startsWith("/") || seen.has(href)) continue;
        seen.add(href);
        const res = await fetch(`${base}${href}`);
        expect(res.status, href).to.equal(200);
      }
    }
    const kinds = new Set([...seen].map((h) => h.split("/")[1]));
    for (const k of ["task", "round", "address", "tx", "module"]) expect(kinds, [...kinds].join(",")).to.include(k);
  });

  it("shows the registry's scores and proven epoch as the chain has them, trajectories drawn by uPlot from node_modules", async () => {
    const { page, status } = await open(`${base}/module/reliability`);
    expect(status).to.equal(200);
    // The scores shown are the registry's.
    const onChain = await sourceScores(f.ctx(f.owner));
    const shown = await rows(page, "sources");
    expect(shown.map((r) => r[4])).to.deep.equal(onChain.map((x) => ((x.reliability / 65535) * 100).toFixed(1)));
    expect(shown.map((r) => r[4])).not.to.deep.equal(["50.0", "50.0"]); // moved off the prior
    const epochs = await rows(page, "epochs");
    expect(epochs).to.have.length(1);
    expect(epochs[0][1]).to.equal("finalized");
    expect(epochs[0][4].replace(/,/g, "")).to.equal(epochGas.toString());
    expect(epochs[0][5]).to.match(/verified/);
    expect(epochs[0][6]).to.equal("pass");
    const chart = "#chart-reliability-trajectories";
    await page.waitForSelector(`${chart}[data-rendered="uplot"] canvas`, { timeout: 10_000 });
    const painted = await page.$eval(`${chart} canvas`, (c) => {
      const cv = c as HTMLCanvasElement;
      const px = cv.getContext("2d")!.getImageData(0, 0, cv.width, cv.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
      return { width: cv.width, height: cv.height, painted: n };
    });
    expect(painted.width).to.be.greaterThan(100);
    expect(painted.painted).to.be.greaterThan(100);
    const legend = await text(page, `${chart} .u-legend`);
    expect(legend).to.include("source 0").and.include("source 1");
    // The script came from this server, not from a CDN.
    const loaded = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
    expect(loaded.filter((u) => u.includes("uPlot"))).to.have.length(2);
    for (const u of loaded) expect(u.startsWith(base), u).to.equal(true);
    await page.screenshot({ path: path.join(shots, "explorer-reliability.png"), fullPage: true });
    await page.close();
  });

  it("shows a transaction's receipt and the module's account of it", async () => {
    const h = await history(f.ctx(f.owner), f.taskId);
    const final = h.rounds.get(0)!.final!;
    const { page } = await open(`${base}/tx/${final.txHash}`);
    const body = await text(page, "main");
    const receipt = await f.owner.publicClient.getTransactionReceipt({ hash: final.txHash });
    expect(body).to.include(receipt.gasUsed.toLocaleString("en-US"));
    expect(body).to.match(/Settlement proposal for task 1, round 0/);
    await page.close();
  });

  it("answers bad parameters with a clear page, not a stack trace", async () => {
    const cases: Array<[string, number, RegExp]> = [
      ["/task/abc", 400, /"abc" is not a number/],
      ["/task/99", 404, /no task 99/],
      ["/round/1/7", 404, /no round 1 7/],
      ["/address/0x1234", 400, /not an address/],
      ["/tx/0xnothex", 400, /not a transaction hash/],
      ["/search?q=%3Cscript%3E", 400, /neither an address/],
      ["/module/nope", 404, /no module "nope"/],
      ["/assets/../../package.json", 404, /no asset|no page/],
    ];
    for (const [url, code, re] of cases) {
      const { page, status } = await open(`${base}${url}`, true);
      expect(status, url).to.equal(code);
      const body = await text(page, "main");
      expect(body, url).to.match(re);
      expect(body, url).not.to.match(/\n\s+at .*\(.*:\d+:\d+\)/);
      await page.close();
    }
    // The search box leads to pages.
    const res = await fetch(`${base}/search?q=${f.trainers[0].account.address}`, { redirect: "manual" });
    expect(res.status).to.equal(302);
    expect(res.headers.get("location")).to.equal(`/address/${f.trainers[0].account.address}`);
  });

  it("updates live when a block arrives (a trainer's claim shows on the open page)", async () => {
    const me = f.trainers[0].account.address;
    const { page } = await open(`${base}/address/${me}`);
    const before = await page.$eval("body", (b) => b.dataset.block);
    expect(await text(page, "main")).to.match(/claimed\s+0 tokens/);
    const c = await claimReward(f.ctx(f.trainers[0]), f.taskId);
    expect(c.amount).to.be.greaterThan(0n);
    await page.waitForFunction((b) => document.body.dataset.block !== b, { timeout: 20_000 }, before);
    await page.waitForFunction(
      (t) => document.querySelector("main")!.textContent!.includes(t),
      { timeout: 20_000 },
      `${fmtTokens(c.amount)} tokens`,
    );
    await page.close();
  });

  it("opens the HTML audit report from disk: verdict, key and verifier check, a section per round, charts with series", async () => {
    const report = await audit(f);
    report.commands = [`npm run zkmerit -- audit --task ${f.taskId} --network localhost --html audit.html`];
    expect(parseAuditReport(renderJson(report)).version).to.equal(1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkm-audit-html-"));
    const file = path.join(dir, "audit.html");
    fs.writeFileSync(file, renderHtml(report));
    const { page } = await open(`file://${file}`);
    expect(await text(page, "#verdict")).to.match(/pass/);
    const v = await text(page, "#verifier");
    expect(v).to.include(report.verifier.vkeySha256);
    expect(v).to.include(report.verifier.expectedCodeHash);
    expect(v).to.match(/bytecode matches/);
    for (const r of [0, 1]) expect(await text(page, `#round-${r}`)).to.match(/proof/);
    expect(await series(page, "rewards")).to.deep.equal([["cumulative reward", 4]]);
    expect(await series(page, "gas")).to.deep.equal([["settleRound (final proposal)", 2]]);
    expect(await text(page, "#rerun")).to.include(`audit --task ${f.taskId}`);
    // Self-contained: nothing but the file itself was loaded.
    const external = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
    expect(external).to.deep.equal([]);
    await page.screenshot({ path: path.join(shots, "audit-task.png"), fullPage: true });
    await page.close();
  });

  it("logged no console error on any page", () => {
    expect(errors).to.deep.equal([]);
  });
});
