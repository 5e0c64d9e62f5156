import { expect } from "chai";
import hre from "hardhat";
import { parseAbi, parseEther, type Address } from "viem";
import { isZkMeritError } from "../../../../oracle/core/errors";
import { deployTx, sendTx } from "../../../../oracle/core/chain/tx";
import { testTokenAbi } from "../../../../oracle/core/chain/abi";
import type { Clients } from "../../../../oracle/core/chain/clients";
import { clientsFor } from "../../../helpers/fixtures";

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("oracle/core/chain/tx (the one transaction path)", () => {
  let owner: Clients;
  let other: Clients;
  let token: Address;

  before(async () => {
    const [a, b] = await hre.ethers.getSigners();
    owner = clientsFor(a);
    other = clientsFor(b);
    token = (await deployTx(owner, "TestToken", { abi: testTokenAbi, args: ["t", "T", owner.account.address] })).address;
  });

  it("sends a write and returns its receipt", async () => {
    const r = await sendTx(owner, {
      address: token,
      contract: "TestToken",
      abi: testTokenAbi,
      functionName: "mint",
      args: [owner.account.address, parseEther("1")],
    });
    expect(r.gasUsed > 0n).to.equal(true);
    expect(r.logs).to.have.length(1);
  });

  it("names the contract, the function and the custom error with its arguments when a write would revert", async () => {
    const e = await rejection(
      sendTx(other, {
        address: token,
        contract: "TestToken",
        abi: testTokenAbi,
        functionName: "transfer",
        args: [owner.account.address, 5n],
      }),
    );
    expect(isZkMeritError(e, "TX_REVERTED")).to.equal(true);
    expect(e.message).to.equal(
      `TestToken.transfer would revert: ERC20InsufficientBalance(sender=${other.account.address}, balance=0, needed=5)`,
    );
    const details = (e as unknown as { details: Record<string, unknown> }).details;
    expect(details).to.deep.include({ contract: "TestToken", functionName: "transfer", error: "ERC20InsufficientBalance" });
    // An access-control error of another contract in the chain of inheritance decodes the same way.
    const denied = await rejection(
      sendTx(other, { address: token, contract: "TestToken", abi: testTokenAbi, functionName: "mint", args: [other.account.address, 1n] }),
    );
    expect(denied.message).to.equal(`TestToken.mint would revert: OwnableUnauthorizedAccount(account=${other.account.address})`);
  });

  it("decodes a token error a contract bubbled up, though it is not in that contract's ABI (the vault's stake once printed a bare selector)", async () => {
    const transferOnly = parseAbi(["function transfer(address to, uint256 amount) returns (bool)"]);
    const e = await rejection(
      sendTx(other, {
        address: token,
        contract: "StakeVault",
        abi: transferOnly,
        functionName: "transfer",
        args: [owner.account.address, 7n],
      }),
    );
    expect(e.message).to.equal(
      `StakeVault.transfer would revert: ERC20InsufficientBalance(sender=${other.account.address}, balance=0, needed=7)`,
    );
  });

  it("passes a transport failure through unchanged, so a caller's retry still sees it", async () => {
    const down = new Error("fetch failed: ECONNREFUSED");
    const broken: Clients = {
      ...owner,
      publicClient: { ...owner.publicClient, simulateContract: () => Promise.reject(down) } as unknown as Clients["publicClient"],
    };
    expect(
      await rejection(
        sendTx(broken, { address: token, contract: "TestToken", abi: testTokenAbi, functionName: "mint", args: [token, 1n] }),
      ),
    ).to.equal(down);
  });

  it("reports a write that was mined and reverted, with the reason replayed", async () => {
    let sent = false;
    const racing: Clients = {
      ...owner,
      walletClient: {
        ...owner.walletClient,
        writeContract: async () => {
          sent = true;
          return "0x" + "ab".repeat(32);
        },
      } as unknown as Clients["walletClient"],
    };
    const e = await rejection(
      sendTx(
        racing,
        { address: token, contract: "TestToken", abi: testTokenAbi, functionName: "mint", args: [owner.account.address, 1n] },
        { wait: async () => ({ status: "reverted", gasUsed: 21_000n, blockNumber: await owner.publicClient.getBlockNumber(), logs: [] }) },
      ),
    );
    expect(sent).to.equal(true);
    expect(isZkMeritError(e, "TX_REVERTED")).to.equal(true);
    expect(e.message).to.match(/^TestToken\.mint reverted: /);
    expect((e as unknown as { details: Record<string, unknown> }).details.hash).to.equal("0x" + "ab".repeat(32));
  });

  it("names the contract a failed deployment was for", async () => {
    const e = await rejection(deployTx(owner, "NoSuchContract"));
    expect(e.message).to.match(/NoSuchContract/);
  });
});

// Compile-time checks (never run): `npm run lint` (tsc) fails if a write the ABI does not allow type-checks.
export function typedWritesDoNotCompileWhenWrong(c: Clients, token: Address): unknown[] {
  return [
    // @ts-expect-error - TestToken has no function `burnAll`
    sendTx(c, { address: token, contract: "TestToken", abi: testTokenAbi, functionName: "burnAll", args: [] }),
    // @ts-expect-error - mint takes (address to, uint256 amount)
    sendTx(c, { address: token, contract: "TestToken", abi: testTokenAbi, functionName: "mint", args: [1n, token] }),
    // @ts-expect-error - a view function is not a write
    sendTx(c, { address: token, contract: "TestToken", abi: testTokenAbi, functionName: "balanceOf", args: [token] }),
  ];
}
