/**
 * The audit report every module's audit produces: a verdict, the checks it made (name, ok,
 * detail), warnings that are not violations, and what the renderers show beside them (facts,
 * the verifier it checked, a section per round or epoch with every check, tables, charts with
 * axes and units, the commands to re-run it). A module's report may carry more fields of its own;
 * the framework reads only these. The JSON form is versioned and has a schema (oracle/audit/schema.ts,
 * docs/audit-report.md).
 */

/** The version of the report's JSON layout; bumped on any change a reader would notice. */
export const AUDIT_REPORT_VERSION = 1;

/** One thing the audit checked. A failed check makes the verdict "fail". */
export interface AuditCheck {
  /** What was checked, unique enough to find it ("round 2 proposal.0x12ab.proof", "verifier.bytecode"). */
  name: string;
  ok: boolean;
  /** For a failed check, what was expected and what was found. */
  detail?: string;
}

export interface AuditTable {
  title: string;
  header: string[];
  rows: string[][];
}

/** An axis of a chart: what it shows and in which unit ("tokens", "gas", "%"). */
export interface ChartAxis {
  label: string;
  unit?: string;
}

/** One line or bar series: a value per x label (null where there is none). */
export interface ChartSeries {
  name: string;
  values: Array<number | null>;
  /** CSS colour; the renderer picks one when absent. */
  color?: string;
}

/**
 * A chart as data: the renderers draw it with its axes, tick values, every point's value and a
 * legend (inline SVG, no external assets).
 */
export interface AuditChart {
  /** Unique in its page, used as the element id (`chart-<id>`). */
  id: string;
  title: string;
  kind: "line" | "bar";
  /** The x categories (rounds, slots, epochs), in order. */
  labels: string[];
  x: ChartAxis;
  y: ChartAxis;
  series: ChartSeries[];
  /** Shown under the chart when there is nothing to plot, or to qualify it. */
  note?: string;
}

/** The verifier an audit checked: the deployed code against the one the local verification key produces. */
export interface AuditVerifierInfo {
  address: string;
  /** The verifier contract the local key generates (its compiled deployed bytecode is compared). */
  contract: string;
  /** The circuit whose verification key it is. */
  circuit: string;
  /** sha256 of the local verification key (vkey JSON). */
  vkeySha256: string;
  /** keccak256 of the code deployed at `address`. */
  deployedCodeHash: string;
  /** keccak256 of the bytecode the local key compiles to. */
  expectedCodeHash: string;
  matchesLocalKey: boolean;
  /** Development keys (insecure ceremony): fine for a demo, never for value. */
  insecureKeys: boolean;
}

/** A part of the subject with its own checks: a round of a task, an epoch's proposal, ... */
export interface AuditSection {
  /** Unique in the report, used as the anchor (`#<id>`): "round-2". */
  id: string;
  title: string;
  /** "finalized", "pending", ... */
  status?: string;
  facts: string[];
  checks: AuditCheck[];
}

export interface AuditReport {
  /** The JSON layout version (AUDIT_REPORT_VERSION). */
  version: typeof AUDIT_REPORT_VERSION;
  /** The module's slug. */
  module: string;
  /** What was audited, in words ("task 1"). */
  subject: string;
  /** True when every check passed. */
  ok: boolean;
  verdict: "pass" | "fail";
  /** One line of what was covered ("5 rounds audited"). */
  summary: string;
  checks: AuditCheck[];
  /** Not violations: a missing round record that was rebuilt, and the like. */
  warnings: string[];
  /** Sentences about the subject (contract, chain, verifier) shown at the top of the HTML report. */
  facts: string[];
  /** The verifier the audit checked, when it checked one. */
  verifier?: AuditVerifierInfo;
  /** A section per round (or epoch, proposal) with every check made on it. */
  sections: AuditSection[];
  tables: AuditTable[];
  charts: AuditChart[];
  /** The commands that re-run this audit (filled by the entry point that ran it). */
  commands: string[];
  generatedAt: string;
}

/** The framework's part of a report, from a module's checks, warnings and what it shows. */
export function auditReport(o: {
  module: string;
  subject: string;
  summary: string;
  checks: AuditCheck[];
  warnings?: string[];
  facts?: string[];
  verifier?: AuditVerifierInfo;
  sections?: AuditSection[];
  tables?: AuditTable[];
  charts?: AuditChart[];
  commands?: string[];
}): AuditReport {
  const ok = o.checks.every((c) => c.ok);
  return {
    version: AUDIT_REPORT_VERSION,
    module: o.module,
    subject: o.subject,
    ok,
    verdict: ok ? "pass" : "fail",
    summary: o.summary,
    checks: o.checks,
    warnings: o.warnings ?? [],
    facts: o.facts ?? [],
    ...(o.verifier ? { verifier: o.verifier } : {}),
    sections: o.sections ?? [],
    tables: o.tables ?? [],
    charts: o.charts ?? [],
    commands: o.commands ?? [],
    generatedAt: new Date().toISOString(),
  };
}

/** The failed checks of a report. */
export const failedChecks = (r: AuditReport): AuditCheck[] => r.checks.filter((c) => !c.ok);
