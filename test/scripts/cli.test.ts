import { expect } from "chai";
import type { Command } from "commander";
import { program } from "../../scripts/cli";

/** Every command of the CLI, by its full name ("task create"). */
function commands(c: Command, prefix = ""): Array<{ name: string; cmd: Command }> {
  return c.commands.flatMap((sub) => {
    const name = `${prefix}${sub.name()}`;
    return [{ name, cmd: sub }, ...commands(sub, `${name} `)];
  });
}

describe("scripts/cli", () => {
  it("prints --help for every command (a bigint default once made `task create --help` crash)", () => {
    const all = commands(program);
    expect(all.map((x) => x.name)).to.include.members([
      "deploy",
      "faucet",
      "task create",
      "task cancel",
      "task sync",
      "trainer train",
      "trainer reveal",
      "trainer leave",
      "stake unstake",
      "stake withdraw",
      "oracle",
      "fees",
      "audit",
    ]);
    for (const { name, cmd } of all) expect(cmd.helpInformation(), name).to.match(/^Usage: /);
    const create = all.find((x) => x.name === "task create")!.cmd.helpInformation();
    expect(create).to.match(/--min-stake <tokens>\s+stake each trainer locks \(default: 100 tokens\)/);
  });

  it("parses token amounts and names the option when one is bad", () => {
    const create = program.commands.find((c) => c.name() === "task")!.commands.find((c) => c.name() === "create")!;
    const fee = create.options.find((o) => o.long === "--fee")!;
    expect(fee.parseArg!("0.5", undefined)).to.equal(5n * 10n ** 17n);
    expect(() => fee.parseArg!("-1", undefined)).to.throw(/--fee must be a non-negative token amount/);
  });
});
