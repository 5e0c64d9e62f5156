import { expect } from "chai";
import type { Command } from "commander";
import { program } from "../../scripts/cli";
import { MODULES } from "../../scripts/modules";

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

  it("groups --help by module: the system's commands, then each module's under its title", () => {
    const help = program.helpInformation();
    const group = (heading: string) => {
      const i = help.indexOf(heading);
      expect(i, heading).to.be.greaterThan(-1);
      const rest = help.slice(i + heading.length);
      const end = rest.search(/\n\n/);
      return [...(end < 0 ? rest : rest.slice(0, end)).matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);
    };
    expect(group("System commands:")).to.deep.equal(["deploy", "faucet", "stake", "fees", "oracle", "audit", "explorer", "help"]);
    expect(group("Training market (contribution) commands:")).to.deep.equal(["task", "trainer"]);
    for (const m of MODULES) expect(help).to.include(`${m.title} (${m.id}) commands:`);
  });

  it("registers every module once, its parts under one slug", () => {
    const ids = MODULES.map((m) => m.id);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const m of MODULES) {
      expect(m.oracle.id).to.equal(m.id);
      expect(m.audit.audit.id).to.equal(m.id);
    }
    // Each module's audit and deploy options are on the shared commands.
    const audit = program.commands.find((c) => c.name() === "audit")!;
    expect(audit.options.map((o) => o.long)).to.include.members(["--module", "--task", "--out", "--html"]);
    const deploy = program.commands.find((c) => c.name() === "deploy")!;
    expect(deploy.options.map((o) => o.long)).to.include.members(["--modules", "--circuit", "--token", "--unbonding-delay"]);
  });

  it("audit says what to audit before connecting to anything", async () => {
    let err = "";
    await program.parseAsync(["audit"], { from: "user" }).catch((e: Error) => (err = e.message));
    expect(err).to.match(/say what to audit: --task <id> \(contribution\)/);
  });
});
