import type { DemoContext } from "../module";

/** Module 2's demo step (placeholder until the full epoch story is wired). */
export async function reliabilityDemo(ctx: DemoContext): Promise<void> {
  ctx.heading("source reliability registry");
  ctx.say("   (the reliability demo is not wired yet: see test/oracle/reliability/job.test.ts for a proven epoch)");
}
