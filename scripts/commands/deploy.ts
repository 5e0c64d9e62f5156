import type { Address } from "viem";
import type { Clients } from "../../oracle/core/chain/clients";
import type { Deployments } from "../../oracle/core/chain/deployments";
import { ZkMeritError } from "../../oracle/core/errors";
import { deployFoundation } from "../deploy/foundation";
import type { ZkMeritModule } from "../module";
import { MODULES } from "../modules";

export interface DeployOptions {
  network: string;
  /** An existing ERC-20 to stake and pay rewards in; a TestToken is deployed when absent. */
  token?: Address;
  unbondingDelaySeconds: number;
  adminTransferDelaySeconds: number;
  /** The modules to deploy, by slug (default: every module). */
  modules?: readonly string[];
  /** Module options, each module reading its own (module 1: `circuit`, the contribution circuit its market verifies). */
  options?: Record<string, unknown>;
}

/** The modules named by slug (every module when absent); an unknown slug is refused. */
export function modulesNamed(names?: readonly string[], all: readonly ZkMeritModule[] = MODULES): ZkMeritModule[] {
  if (!names) return [...all];
  return names.map((n) => {
    const m = all.find((x) => x.id === n);
    if (!m) throw new ZkMeritError("CONFIG", `--modules: no module "${n}"; known: ${all.map((x) => x.id).join(", ")}`, {});
    return m;
  });
}

/**
 * Deploys the spine (the stake vault, and a TestToken unless a token is given), then each selected
 * module on it in the registry's order, and returns the deployments record every other command reads.
 */
export async function deploySystem(c: Clients, o: DeployOptions, say: (s: string) => void = () => {}): Promise<Deployments> {
  const modules = modulesNamed(o.modules);
  const startBlock = Number(await c.publicClient.getBlockNumber({ cacheTime: 0 })) + 1;
  const admin = c.account.address;
  const f = await deployFoundation(c, {
    admin,
    token: o.token,
    unbondingDelaySeconds: o.unbondingDelaySeconds,
    adminTransferDelaySeconds: o.adminTransferDelaySeconds,
  });
  say(`StakeVault ${f.stakeVault.address} (token ${f.token.address}${o.token ? "" : ", a new TestToken"})`);
  const contracts: Record<string, Address> = {
    ...(o.token ? {} : { TestToken: f.token.address }),
    Token: f.token.address,
    StakeVault: f.stakeVault.address,
  };
  const verifiers: Deployments["verifiers"] = {};
  for (const m of modules) {
    const part = await m.deploy.run({
      clients: c,
      network: o.network,
      admin,
      token: f.token.address,
      stakeVault: f.stakeVault.address,
      contracts: { ...contracts },
      options: o.options ?? {},
      say,
    });
    for (const [name, address] of Object.entries(part.contracts)) {
      if (contracts[name] && contracts[name] !== address)
        throw new ZkMeritError("DEPLOYMENTS", `module ${m.id} deployed a second ${name}; reuse the one in the context instead`, {});
      contracts[name] = address;
    }
    Object.assign(verifiers, part.verifiers);
  }
  return {
    network: o.network,
    chainId: c.chain.id,
    deployedAt: new Date().toISOString(),
    deployer: admin,
    startBlock,
    contracts,
    verifiers,
  };
}
