import { expect } from "chai";
import pino from "pino";
import { OracleRunner, type JobReport, type OracleJob } from "../../../oracle/service/runner";
import { selectModules, type OracleModule } from "../../../oracle/service/module";
import type { Deployments } from "../../../oracle/core/chain/deployments";

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

  it("selects the modules a deployment has, and names an unknown or absent one", () => {
    const mod = (id: string, has: boolean): OracleModule => ({ id, deployed: () => has, oracleJobs: async () => [] });
    const all = [mod("contribution", true), mod("reliability", false)];
    const d = {} as Deployments;
    expect(selectModules(all, d).map((m) => m.id)).to.deep.equal(["contribution"]);
    expect(() => selectModules(all, d, ["reputation"])).to.throw(/no module "reputation"; known: contribution, reliability/);
    expect(() => selectModules(all, d, ["reliability"])).to.throw(/module "reliability" is not in this deployment/);
  });
});
