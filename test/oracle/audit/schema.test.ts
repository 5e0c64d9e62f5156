import { expect } from "chai";
import {
  AUDIT_REPORT_VERSION,
  auditReport,
  auditReportSchema,
  chartHtml,
  niceTicks,
  parseAuditReport,
  renderHtml,
  renderJson,
  type AuditReport,
} from "../../../oracle/audit";

/** A report as a module builds it: a verifier, a section per round, a chart, the re-run commands. */
function sample(): AuditReport {
  const r = auditReport({
    module: "contribution",
    subject: "task 1",
    summary: "2 rounds audited",
    checks: [
      { name: "verifier.bytecode", ok: true },
      { name: "round 0 proposal.0xab.proof", ok: true },
      { name: "round 1 proposal.0xcd.proof", ok: true },
    ],
    facts: ["market 0x00 on chain 31337"],
    verifier: {
      address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      contract: "Contribution4x8Verifier",
      circuit: "contribution_4x8",
      vkeySha256: "a".repeat(64),
      deployedCodeHash: `0x${"b".repeat(64)}`,
      expectedCodeHash: `0x${"b".repeat(64)}`,
      matchesLocalKey: true,
      insecureKeys: true,
    },
    sections: [0, 1].map((r) => ({
      id: `round-${r}`,
      title: `Round ${r}`,
      status: "finalized",
      facts: [],
      checks: [{ name: `round ${r} proposal.0x${r ? "cd" : "ab"}.proof`, ok: true }],
    })),
    charts: [
      {
        id: "gas",
        title: "Settlement gas per round",
        kind: "bar",
        labels: ["0", "1"],
        x: { label: "round" },
        y: { label: "gas used", unit: "gas" },
        series: [{ name: "settleRound", values: [351295, 294383] }],
      },
    ],
    commands: ["npm run zkmerit -- audit --task 1 --network localhost"],
  });
  return { ...r, taskId: "1" } as AuditReport;
}

describe("# audit report schema (version 1)", () => {
  it("accepts the JSON a report renders to, module fields included, and reads it back equal", () => {
    const r = sample();
    const back = parseAuditReport(renderJson(r));
    expect(back.version).to.equal(AUDIT_REPORT_VERSION).and.to.equal(1);
    expect(back).to.deep.equal(JSON.parse(renderJson(r)));
    expect((back as unknown as { taskId: string }).taskId).to.equal("1");
  });

  it("rejects a report of another version, naming the field", () => {
    expect(() => parseAuditReport({ ...sample(), version: 2 })).to.throw(/version: /);
  });

  it("rejects a verdict that contradicts the checks", () => {
    const r = sample();
    r.checks[1] = { ...r.checks[1], ok: false, detail: "an invalid proof" };
    expect(auditReportSchema.safeParse(r).success).to.equal(false);
    expect(auditReportSchema.safeParse({ ...r, ok: false, verdict: "fail" }).success).to.equal(true);
  });

  it("rejects a chart whose series has not one value per label, or a bad verifier hash", () => {
    const r = sample();
    r.charts[0].series[0].values.push(1);
    expect(() => parseAuditReport(r)).to.throw(/charts\.0/);
    const v = sample();
    v.verifier!.vkeySha256 = "not a hash";
    expect(() => parseAuditReport(v)).to.throw(/verifier\.vkeySha256/);
  });
});

describe("# audit report HTML", () => {
  it("draws a chart with axis labels and units, tick values, every value and one group per series", () => {
    const svg = chartHtml(sample().charts[0]);
    expect(svg).to.include("gas used (gas)").and.include(">round<").and.include(">351,295<").and.include(">294,383<");
    expect(svg.match(/<g class="series" data-series="settleRound" data-points="2">/g)).to.have.length(1);
    expect(svg).to.include(">400,000<"); // the top tick
  });

  it("is self-contained: inline style, no external script, stylesheet, image or font", () => {
    const html = renderHtml(sample());
    expect(html).to.match(/<style>/);
    expect(html).not.to.match(/<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/(?!www\.w3\.org)|url\(/);
    for (const id of ["verdict", "verifier", "charts", "round-0", "round-1", "rerun"]) expect(html).to.include(`id="${id}"`);
  });

  it("escapes what it shows", () => {
    const r = sample();
    r.warnings = ['<img src=x onerror="alert(1)">'];
    expect(renderHtml(r)).to.include("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });

  it("picks round tick steps, whole ones for counts", () => {
    expect(niceTicks(0, 351295)).to.deep.equal([0, 100000, 200000, 300000, 400000]);
    expect(niceTicks(0, 1, 5, true)).to.deep.equal([0, 1]);
  });
});
