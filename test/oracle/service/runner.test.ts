import { expect } from "chai";
import pino from "pino";
import { OracleRunner, type JobReport, type OracleJob } from "../../../oracle/service/runner";
import { selectModules, type OracleModule } from "../../../oracle/service/module";
import type { Deployments } from "../../../oracle/core/chain/deployments";
import { Explorer, type ExplorerEnv, type ModuleExplorer } from "../../../oracle/service/explorer";

const log = pino({ level: "silent" });

function job(id: string, tick: () => Promise<JobReport>): OracleJob {
  return { id, describe: () => ({ what: id }), tick };
}

describe("oracle/service/runner (one runner for every module's jobs)", () => {
  it("ticks every job, adds up their counters, and keeps going when one job throws", async () => {
    let n = 0;
    const r = new OracleRunner(
      [
        job("a", async () => ({ errors: [], counts: { settled: ++n }, block: 7n })),
        job("b", async () => {
          throw new Error("store down\nstack");
        }),
      ],
      log,
    );
    await r.tick();
    const reports = await r.tick();
    expect(reports.get("b")?.errors).to.deep.equal([{ message: "store down" }]);
    const s = r.status() as { status: string; jobs: Array<Record<string, unknown>> };
    expect(s.status).to.equal("degraded");
    expect(
      s.jobs.map((j) => [j.id, j.what, j.ticks, (j.counts as Record<string, number>).settled ?? 0, j.lastError, j.lastBlock]),
    ).to.deep.equal([
      ["a", "a", 2, 3, "", "7"],
      ["b", "b", 2, 0, "store down", "0"],
    ]);
  });

  it("runs preflight checks before serving, and refuses two jobs with one name", async () => {
    let checked = false;
    const j = { ...job("a", async () => ({ errors: [] })), preflight: async () => void (checked = true) };
    await new OracleRunner([j], log).preflight();
    expect(checked).to.equal(true);
    expect(() => new OracleRunner([j, j], log)).to.throw(/two oracle jobs are both named a/);
  });

  it("serves /health and names a taken port", async () => {
    const r = new OracleRunner([job("a", async () => ({ errors: [] }))], log);
    const port = await r.serveHealth(0);
    try {
      const body = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string };
      expect(body.status).to.equal("ok");
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).to.equal(404);
      let err = "";
      await new OracleRunner([], log).serveHealth(port).catch((e: Error) => (err = e.message));
      expect(err).to.match(new RegExp(`port ${port} on 127.0.0.1 is in use`));
    } finally {
      await r.stop();
    }
  });

  it("serves the explorer beside /health on the same port: pages, JSON, allow-listed assets, clear errors", async () => {
    const r = new OracleRunner([job("a", async () => ({ errors: [], counts: { settled: 1 } }))], log);
    await r.tick();
    let block = 5n;
    const env = {
      client: { getBlockNumber: async () => block },
      chainId: 31337,
      deployments: { network: "hardhat", contracts: {}, verifiers: {}, startBlock: 0 },
      store: {},
    } as unknown as ExplorerEnv;
    const fake: ModuleExplorer = {
      id: "fake",
      title: "Fake module",
      view: async (head) => ({
        overview: { title: "Fake", sections: [] },
        summary: { facts: [{ label: "head", value: head.toString() }], pending: ["task 1 round 2: reveals awaiting settlement"] },
        pages: { "task/1": { title: `Task 1 at ${head}`, sections: [] } },
        addresses: {},
        txs: {},
        data: { head },
      }),
    };
    const broken: ModuleExplorer = {
      id: "broken",
      title: "Broken module",
      view: async () => {
        throw new Error("RPC down\n    at somewhere (file.ts:1:1)");
      },
    };
    const explorer = new Explorer(env, [fake, broken], { health: () => r.status() });
    const port = await r.serveHealth(0, "127.0.0.1", explorer);
    const get = (p: string) => fetch(`http://127.0.0.1:${port}${p}`);
    try {
      expect(((await (await get("/health")).json()) as { status: string }).status).to.equal("ok");
      const home = await (await get("/")).text();
      expect(home).to.include("Fake module").and.include("settled 1").and.include("reveals awaiting settlement");
      expect(home).to.include("Broken module").and.include("RPC down").and.not.include("file.ts:1:1");
      expect(await (await get("/task/1")).text()).to.include("Task 1 at 5");
      block = 6n;
      await new Promise((res) => setTimeout(res, 1100)); // the head is asked at most once a second
      expect(await (await get("/task/1")).text()).to.include("Task 1 at 6");
      expect(await (await get("/api/head.json")).json()).to.deep.equal({ chainId: 31337, block: "6" });
      expect(await (await get("/api/module/fake.json")).json()).to.deep.equal({ head: "6" });
      const bad = await get("/task/x");
      expect(bad.status).to.equal(400);
      expect(await bad.text()).to.include("&quot;x&quot; is not a number");
      expect((await get("/task/2")).status).to.equal(404);
      expect((await get("/address/0x12")).status).to.equal(400);
      expect((await get("/api/module/nope.json")).status).to.equal(404);
      const css = await get("/assets/uPlot.min.css");
      expect(css.status).to.equal(200);
      expect(css.headers.get("content-type")).to.equal("text/css");
      expect((await get("/assets/package.json")).status).to.equal(404);
      expect((await get("/assets/..%2F..%2Fpackage.json")).status).to.equal(404);
    } finally {
      await r.stop();
    }
  });

  it("selects the modules a deployment has, and names an unknown or absent one", () => {
    const mod = (id: string, has: boolean): OracleModule => ({ id, deployed: () => has, oracleJobs: async () => [] });
    const all = [mod("contribution", true), mod("reliability", false)];
    const d = {} as Deployments;
    expect(selectModules(all, d).map((m) => m.id)).to.deep.equal(["contribution"]);
    expect(() => selectModules(all, d, ["reputation"])).to.throw(/no module "reputation"; known: contribution, reliability/);
    expect(() => selectModules(all, d, ["reliability"])).to.throw(/module "reliability" is not in this deployment/);
  });
});
