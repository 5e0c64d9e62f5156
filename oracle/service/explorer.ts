import fs from "node:fs";
import type http from "node:http";
import { getContract, isAddress, isHash, type Address, type Hash, type PublicClient } from "viem";
import { stakeVaultAbi, type ContentStore, type Deployments, type LogReader } from "../core";
import {
  fmtNum,
  fmtTokens,
  link,
  renderDocument,
  short,
  type AuditChart,
  type ViewCell,
  type ViewFact,
  type ViewPage,
  type ViewSection,
} from "../audit";

/**
 * The explorer: a live web view of every module a deployment has, served by the oracle on the
 * port of its health endpoint (and by `zkmerit explorer` for people who run no oracle). It knows
 * no module: each module's `OracleModule.explorer` builds a view model from the module's own
 * history and audit readers (the ones `zkmerit audit` runs, so no rule is implemented twice), and
 * this file routes, caches per block and renders it with the audit's view layer (oracle/audit/view.ts).
 *
 * Routes: GET / (overview), /module/<id>, any page a module names (/task/<id>, /round/<task>/<r>,
 * /source/<id>, /epoch/<e>, ...), /address/<a>, /tx/<hash>, /search?q=, /api/head.json,
 * /api/overview.json, /api/module/<id>.json, /assets/<file> (an allow-list of files from
 * node_modules, never a CDN). Pages poll /api/head.json and redraw when a block arrives.
 */

/** What a module's explorer reads: the chain, the deployment, the content store, the shared log reader. */
export interface ExplorerEnv {
  client: PublicClient;
  chainId: number;
  deployments: Deployments;
  store: ContentStore;
  logs?: LogReader;
}

/** A module's view of the chain at one block, built from its history and audit readers. */
export interface ModuleView {
  /** The module's page (/module/<id>). */
  overview: ViewPage;
  /** What the home page shows about the module (a few facts, pending work, a chart). */
  summary: { facts: ViewFact[]; pending: string[]; charts?: AuditChart[] };
  /** The module's entity pages by path without the leading slash ("task/1", "round/1/0", "source/3"). */
  pages: Record<string, ViewPage>;
  /** What the module knows about an address (lower-case), shown on /address/<a>. */
  addresses: Record<string, ViewSection[]>;
  /** What the module knows about a transaction (lower-case hash), shown on /tx/<hash>. */
  txs: Record<string, ViewSection[]>;
  /** The same numbers for machines (/api/module/<id>.json): JSON-safe (bigints as decimal strings). */
  data: unknown;
}

/**
 * A module's explorer, returned by `OracleModule.explorer(env)`. Module 1's is
 * oracle/contribution/explorer.ts, module 2's oracle/reliability/explorer.ts; module 3 adds
 * oracle/reputation/explorer.ts (nodes, reputation trajectories, round winners) the same way
 * (docs/architecture.md, "The explorer").
 */
export interface ModuleExplorer {
  readonly id: string;
  readonly title: string;
  /** The module's view as of block `head` (called once per new block; may reuse earlier work). */
  view(head: bigint): Promise<ModuleView>;
}

/** Files from node_modules the explorer may serve under /assets/, by name: nothing else is reachable. */
export const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  "uPlot.iife.min.js": { file: "uplot/dist/uPlot.iife.min.js", type: "text/javascript" },
  "uPlot.min.css": { file: "uplot/dist/uPlot.min.css", type: "text/css" },
};

/** An error the explorer shows as a page with a status code (bad parameters: 400, unknown ids: 404). */
export class ExplorerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Snapshot {
  block: bigint;
  views: Map<string, ModuleView | { error: string }>;
}

const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x), 2);

export class Explorer {
  private snap?: Snapshot;
  private building?: Promise<Snapshot>;
  private headAt = 0;
  private head = 0n;

  constructor(
    private readonly env: ExplorerEnv,
    readonly modules: readonly ModuleExplorer[],
    private readonly o: { health?: () => Record<string, unknown>; pollMs?: number } = {},
  ) {}

  /** The chain's head, asked at most once a second. */
  async headBlock(): Promise<bigint> {
    if (Date.now() - this.headAt > 1000) {
      this.head = await this.env.client.getBlockNumber();
      this.headAt = Date.now();
    }
    return this.head;
  }

  /** Every module's view at the head, rebuilt once per new block (one build at a time). */
  async snapshot(): Promise<Snapshot> {
    const head = await this.headBlock();
    if (this.snap && this.snap.block === head) return this.snap;
    if (!this.building)
      this.building = (async () => {
        const views = new Map<string, ModuleView | { error: string }>();
        for (const m of this.modules) {
          try {
            views.set(m.id, await m.view(head));
          } catch (e) {
            views.set(m.id, { error: (e as Error).message.split("\n")[0] });
          }
        }
        return { block: head, views };
      })().finally(() => (this.building = undefined));
    const s = await this.building;
    this.snap = s;
    return s;
  }

  private nav(): Array<{ text: string; href: string }> {
    return this.modules.map((m) => ({ text: m.title, href: `/module/${m.id}` }));
  }

  private doc(p: ViewPage, block: bigint): string {
    return renderDocument(p, {
      nav: [...this.nav(), { text: "API", href: "/api/overview.json" }],
      live: { headUrl: "/api/head.json", block: block.toString(), intervalMs: this.o.pollMs ?? 2000 },
      uplot: { js: "/assets/uPlot.iife.min.js", css: "/assets/uPlot.min.css" },
      footer: `chain ${this.env.chainId}, block ${block}; every page updates as blocks arrive`,
    });
  }

  /** Handles a GET; returns false when the path is not the explorer's (the caller answers it). */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://explorer.local");
    const p = url.pathname.replace(/\/+$/, "") || "/";
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    try {
      if (p.startsWith("/assets/")) return this.asset(p.slice("/assets/".length), res);
      if (p === "/api/head.json") {
        send(res, 200, "application/json", json({ chainId: this.env.chainId, block: (await this.headBlock()).toString() }));
        return true;
      }
      const s = await this.snapshot();
      if (p === "/api/overview.json") {
        send(res, 200, "application/json", json(this.overviewData(s)));
        return true;
      }
      const api = /^\/api\/module\/([a-z0-9-]+)\.json$/.exec(p);
      if (api) {
        const v = s.views.get(api[1]);
        if (!v) throw new ExplorerError(404, `no module "${api[1]}" here; known: ${this.modules.map((m) => m.id).join(", ")}`);
        send(res, 200, "application/json", json("error" in v ? v : v.data));
        return true;
      }
      if (p.startsWith("/api/"))
        throw new ExplorerError(404, `no API ${p}; there are /api/head.json, /api/overview.json, /api/module/<id>.json`);
      const page = await this.page(p, url.searchParams, s);
      if (typeof page === "string") {
        res.statusCode = 302;
        res.setHeader("location", page);
        res.end();
        return true;
      }
      send(res, 200, "text/html; charset=utf-8", this.doc(page, s.block));
    } catch (e) {
      const status = e instanceof ExplorerError ? e.status : 500;
      const msg = e instanceof ExplorerError ? e.message : `the explorer could not build this page: ${(e as Error).message.split("\n")[0]}`;
      const wantsJson = p.startsWith("/api/");
      if (wantsJson) send(res, status, "application/json", json({ error: msg, status }));
      else
        send(
          res,
          status,
          "text/html; charset=utf-8",
          this.doc(
            {
              title: status === 404 ? "Not found" : status === 400 ? "Bad request" : "Error",
              badge: { text: String(status), tone: "bad" },
              crumbs: [{ text: "overview", href: "/" }],
              sections: [{ id: "error", title: "What went wrong", text: [msg] }],
            },
            this.snap?.block ?? this.head,
          ),
        );
    }
    return true;
  }

  private asset(name: string, res: http.ServerResponse): boolean {
    const a = ASSETS[name];
    if (!a) throw new ExplorerError(404, `no asset "${name}"; the explorer serves only ${Object.keys(ASSETS).join(", ")}`);
    let file: string;
    try {
      // Node's resolution from this package: the same copy `import` would load, wherever npm put it.
      file = require.resolve(a.file);
    } catch {
      throw new ExplorerError(404, `asset ${name} is not installed (node_modules/${a.file}); run npm ci`);
    }
    send(res, 200, a.type, fs.readFileSync(file));
    return true;
  }

  private overviewData(s: Snapshot) {
    return {
      chainId: this.env.chainId,
      block: s.block.toString(),
      network: this.env.deployments.network,
      contracts: this.env.deployments.contracts,
      health: this.o.health?.(),
      modules: Object.fromEntries([...s.views].map(([id, v]) => [id, "error" in v ? v : v.data])),
    };
  }

  /** The page at `p`, or a redirect target. */
  private async page(p: string, q: URLSearchParams, s: Snapshot): Promise<ViewPage | string> {
    if (p === "/") return this.home(s);
    if (p === "/search") return this.search(q.get("q"), s);
    const parts = p.slice(1).split("/");
    if (parts[0] === "module") {
      const v = s.views.get(parts[1] ?? "");
      if (!v || parts.length !== 2)
        throw new ExplorerError(404, `no module "${parts[1] ?? ""}" in this explorer; known: ${this.modules.map((m) => m.id).join(", ")}`);
      if ("error" in v) throw new ExplorerError(500, `module ${parts[1]} could not be read: ${v.error}`);
      return v.overview;
    }
    if (parts[0] === "address") {
      if (parts.length !== 2 || !isAddress(parts[1], { strict: false }))
        throw new ExplorerError(400, `"${parts.slice(1).join("/")}" is not an address: an address is 0x followed by 40 hex digits`);
      return this.address(parts[1] as Address, s);
    }
    if (parts[0] === "tx") {
      if (parts.length !== 2 || !isHash(parts[1]))
        throw new ExplorerError(400, `"${parts.slice(1).join("/")}" is not a transaction hash: a hash is 0x followed by 64 hex digits`);
      return this.tx(parts[1] as Hash, s);
    }
    const key = parts.join("/");
    for (const v of s.views.values()) if (!("error" in v) && v.pages[key]) return v.pages[key];
    // Give ids a clear message: a number where a number is expected, and which ones exist.
    const kinds = new Set<string>();
    for (const v of s.views.values()) if (!("error" in v)) for (const k of Object.keys(v.pages)) kinds.add(k.split("/")[0]);
    if (!kinds.has(parts[0]))
      throw new ExplorerError(
        404,
        `no page ${p}; pages are /, /module/<id>, /address/<a>, /tx/<hash>${[...kinds].map((k) => `, /${k}/...`).join("")}`,
      );
    const bad = parts.slice(1).find((x) => !/^\d+$/.test(x));
    if (bad !== undefined || parts.length < 2)
      throw new ExplorerError(400, `${p}: "${bad ?? ""}" is not a number; ${parts[0]} ids are decimal numbers, like /${parts[0]}/1`);
    const known = [...s.views.values()].flatMap((v) =>
      "error" in v ? [] : Object.keys(v.pages).filter((k) => k.startsWith(`${parts[0]}/`)),
    );
    throw new ExplorerError(
      404,
      `no ${parts[0]} ${parts.slice(1).join(" ")} on chain ${this.env.chainId} at block ${s.block}` +
        (known.length
          ? `; there are ${known
              .slice(0, 12)
              .map((k) => `/${k}`)
              .join(", ")}${known.length > 12 ? ", ..." : ""}`
          : ""),
    );
  }

  private search(q: string | null, s: Snapshot): string {
    const v = (q ?? "").trim();
    if (!v) throw new ExplorerError(400, "search: give q, an address, a transaction hash or a task id (?q=0x... or ?q=1)");
    if (isAddress(v, { strict: false })) return `/address/${v}`;
    if (isHash(v)) return `/tx/${v}`;
    const m = /^(?:task\s*)?(\d+)$/i.exec(v);
    if (m) {
      for (const x of s.views.values()) if (!("error" in x) && x.pages[`task/${m[1]}`]) return `/task/${m[1]}`;
      throw new ExplorerError(404, `search: no task ${m[1]}`);
    }
    throw new ExplorerError(400, `search: "${v}" is neither an address (0x + 40 hex digits), a transaction hash (0x + 64) nor a task id`);
  }

  private home(s: Snapshot): ViewPage {
    const d = this.env.deployments;
    const sections: ViewSection[] = [
      {
        id: "chain",
        title: "Deployment",
        facts: [
          { label: "chain", value: String(this.env.chainId) },
          { label: "network", value: d.network },
          { label: "head block", value: s.block.toString() },
          ...Object.entries(d.contracts).map(([name, a]) => ({ label: name, value: link(a, `/address/${a}`, { mono: true }) })),
        ],
      },
    ];
    const h = this.o.health?.();
    if (h) {
      const jobs = (h.jobs ?? []) as Array<Record<string, unknown>>;
      sections.push({
        id: "oracle",
        title: "Oracle",
        badge: { text: String(h.status), tone: h.status === "ok" ? "ok" : "warn" },
        text: [`running since ${String(h.startedAt)}; the same numbers are at /health`],
        tables: [
          {
            header: ["job", "ticks", "last tick", "last block", "counters", "last error"],
            numeric: [1, 3],
            rows: jobs.map((j) => [
              String(j.id),
              String(j.ticks),
              String(j.lastTickAt || "-"),
              String(j.lastBlock),
              Object.entries((j.counts ?? {}) as Record<string, number>)
                .map(([k, n]) => `${k} ${n}`)
                .join(", ") || "-",
              j.lastError ? { text: String(j.lastError), tone: "bad" } : { text: "none", tone: "ok" },
            ]),
          },
        ],
      });
    }
    for (const m of this.modules) {
      const v = s.views.get(m.id);
      if (!v) continue;
      if ("error" in v) {
        sections.push({ id: `module-${m.id}`, title: m.title, badge: { text: "unreadable", tone: "bad" }, text: [v.error] });
        continue;
      }
      sections.push({
        id: `module-${m.id}`,
        title: m.title,
        facts: [
          { label: "module", value: link(`/module/${m.id}`, `/module/${m.id}`) },
          ...v.summary.facts,
          { label: "pending", value: v.summary.pending.length ? v.summary.pending.join("; ") : "nothing" },
        ],
        charts: v.summary.charts,
      });
    }
    return { title: "zkmerit explorer", subtitle: `chain ${this.env.chainId} at block ${s.block}`, sections };
  }

  private async address(a: Address, s: Snapshot): Promise<ViewPage> {
    const key = a.toLowerCase();
    const sections: ViewSection[] = [];
    const facts: ViewFact[] = [{ label: "address", value: { text: a, mono: true } }];
    const named = Object.entries(this.env.deployments.contracts).find(([, x]) => x.toLowerCase() === key);
    if (named) facts.push({ label: "contract", value: named[0] });
    const code = await this.env.client.getCode({ address: a });
    facts.push({ label: "kind", value: code && code !== "0x" ? `contract (${(code.length - 2) / 2} bytes of code)` : "account" });
    facts.push({ label: "ether balance", value: `${fmtTokens(await this.env.client.getBalance({ address: a }))} ETH` });
    const vault = this.env.deployments.contracts.StakeVault;
    if (vault) {
      const st = await getContract({ address: vault as Address, abi: stakeVaultAbi, client: this.env.client }).read.stakeOf([a]);
      facts.push(
        { label: "free stake", value: fmtTokens(st.free, true) },
        { label: "locked stake", value: fmtTokens(st.locked, true) },
        { label: "unbonding stake", value: fmtTokens(st.unbonding + st.moduleUnbonding, true) },
      );
    }
    sections.push({ id: "account", title: "Account", facts });
    for (const v of s.views.values()) if (!("error" in v)) sections.push(...(v.addresses[key] ?? []));
    if (sections.length === 1) sections.push({ title: "Activity", text: ["no module records any activity of this address"] });
    return { title: `Address ${short(a)}`, subtitle: a, crumbs: [{ text: "overview", href: "/" }], sections };
  }

  private async tx(h: Hash, s: Snapshot): Promise<ViewPage> {
    let r;
    try {
      r = await this.env.client.getTransactionReceipt({ hash: h });
    } catch {
      throw new ExplorerError(404, `no transaction ${h} on chain ${this.env.chainId}`);
    }
    const cell = (x?: string | null): ViewCell => (x ? link(x, `/address/${x}`, { mono: true }) : "-");
    const sections: ViewSection[] = [
      {
        id: "receipt",
        title: "Receipt",
        badge: { text: r.status, tone: r.status === "success" ? "ok" : "bad" },
        facts: [
          { label: "hash", value: { text: h, mono: true } },
          { label: "block", value: r.blockNumber.toString() },
          { label: "from", value: cell(r.from) },
          { label: "to", value: cell(r.to ?? r.contractAddress) },
          { label: "gas used", value: `${fmtNum(Number(r.gasUsed))} gas` },
          { label: "effective gas price", value: `${fmtNum(Number(r.effectiveGasPrice) / 1e9, 3)} gwei` },
          { label: "events", value: String(r.logs.length) },
        ],
      },
    ];
    for (const v of s.views.values()) if (!("error" in v)) sections.push(...(v.txs[h.toLowerCase()] ?? []));
    return { title: `Transaction ${short(h)}`, subtitle: h, crumbs: [{ text: "overview", href: "/" }], sections };
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader("content-type", type);
  res.setHeader("cache-control", "no-store");
  res.end(body);
}
