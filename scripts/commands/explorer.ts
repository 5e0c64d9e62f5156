/**
 * The explorer as the entry points start it: one `Explorer` (oracle/service/explorer.ts) over
 * every deployed module that has a view (`OracleModule.explorer`, registered in scripts/modules.ts),
 * served by the oracle on its health port, by `zkmerit explorer`, and by `npm run demo -- --serve`.
 */
import http from "node:http";
import type { PublicClient } from "viem";
import type { ContentStore, Deployments, LogReader } from "../../oracle/core";
import { ZkMeritError } from "../../oracle/core";
import { Explorer, type ExplorerEnv, type ModuleExplorer } from "../../oracle/service/explorer";
import { MODULES } from "../modules";

/** The explorer of a deployment: every deployed module's view. */
export function explorerFor(
  x: { client: PublicClient; chainId: number; deployments: Deployments; store: ContentStore; logs?: LogReader },
  o: { health?: () => Record<string, unknown>; pollMs?: number } = {},
): Explorer {
  const env: ExplorerEnv = { client: x.client, chainId: x.chainId, deployments: x.deployments, store: x.store, logs: x.logs };
  const views = MODULES.filter((m) => m.oracle.deployed(x.deployments) && m.oracle.explorer).map((m): ModuleExplorer => {
    try {
      return m.oracle.explorer!(env);
    } catch (e) {
      // A module that cannot start (its circuit not built here, ...) shows why on its page; the others still serve.
      return { id: m.id, title: m.title, view: () => Promise.reject(e) };
    }
  });
  return new Explorer(env, views, o);
}

/** Serves `explorer` alone (no oracle) on `port` (0: a free one); returns the server and its URL. */
export async function serveExplorer(explorer: Explorer, port: number, host = "127.0.0.1"): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    explorer.handle(req, res).then(
      (handled) => {
        if (handled) return;
        res.statusCode = 404;
        res.end();
      },
      () => {
        res.statusCode = 500;
        res.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new ZkMeritError("CONFIG", `port ${port} on ${host} is in use; pass --port with a free port, or 0 for any`, { port })
          : e,
      ),
    );
    server.listen(port, host, resolve);
  });
  const p = (server.address() as { port: number }).port;
  return { server, url: `http://${host}:${p}/` };
}
