import { decodeEventLog, getContract, type Address, type PublicClient } from "viem";
import type { Logger } from "pino";
import { circuitArtifacts, fetchWithin, logPass, prove, reliabilityRegistryAbi, sendTx, toSolidityProof, ZkMeritError } from "../core";
import type { Clients, ContentStore, LogPass, LogReader, SolidityProof } from "../core";
import { verifierMatches } from "../audit";
import { ProvingJob } from "../service/provingJob";
import type { ServeOptions } from "../service/module";
import { within, type JobReport, type OracleJob, type TickContext } from "../service/runner";
import { decodeCommittedFeedback } from "./content";
import { LANES, unpackWord, updateBatch, type Feedback, type ReliabilityParams, type ReliabilityShape, type Reveal } from "./reference";
import { buildWitness } from "./witness";

export interface ReliabilityJobOptions extends ServeOptions {
  clients: Clients;
  registry: Address;
  /** The circuit instance of the registry's verifier (a `Reliability` entry of the manifest). */
  circuit: string;
  store: ContentStore;
  journalDir: string;
  log: Logger;
  /** Block from which to read the registry's events. */
  fromBlock: bigint;
  /** The event log reader (its cache shared with the runner); the client's in-memory one when absent. */
  logs?: LogReader;
}

/** A reveal of the current epoch, from its FeedbackRevealed event. */
export interface RevealOnChain {
  epoch: number;
  evaluator: number;
  position: number;
  commitment: bigint;
  uri: string;
  acc: bigint;
}

/** The batch `updateScores` takes (IReliabilityRegistryTypes.ScoreBatch). */
export interface ScoreBatchArgs {
  epoch: number;
  wordIndices: number[];
  oldWords: bigint[];
  newWords: bigint[];
  includedMask: number;
  flaggedMask: number;
}

/** What the journal holds for an epoch: the proven batch, its proof and the account that may send it. */
export interface PreparedBatch {
  settler: Address;
  acc: bigint;
  batch: ScoreBatchArgs;
  proof: SolidityProof;
  proveSeconds: number;
  included: number;
  unavailable: Array<{ position: number; evaluator: number; reason: string }>;
}

export interface ReliabilityTickReport extends JobReport {
  /** Epochs this oracle proposed (gasUsed 0: someone else proposed first, the proof was dropped). */
  settled: Array<{
    epoch: number;
    gasUsed: bigint;
    included: number;
    flaggedMask: number;
    wordIndices: number[];
    unavailable: number[];
    proveSeconds: number;
    reusedProof: boolean;
  }>;
  /** Epochs with a pending proposal by someone else. */
  observed: Array<{ epoch: number; settler: Address; includedMask: number }>;
  /**
   * Pending proposals this oracle replaced with a stronger batch (more reveals included: the
   * proposer left out feedback this oracle holds); gasUsed 0 when someone else replaced it first.
   */
  challenged: Array<{ epoch: number; gasUsed: bigint; included: number; replacedIncluded: number; proveSeconds: number }>;
  /** Epochs due whose revealed content is all unavailable (they expire on their own). */
  unprovable: Array<{ epoch: number; reason: string }>;
  /** Epochs left alone because their settlement deadline is within the margin. */
  tooLate: number[];
  errors: Array<{ epoch?: number; message: string }>;
  counts: { settled: number; challenged: number };
  block?: bigint;
}

const ZERO = "0x0000000000000000000000000000000000000000";

/** popCount of a mask. */
function popCount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

/** The registry's typed reads. */
export function registryReader(client: PublicClient, address: Address) {
  return getContract({ address, abi: reliabilityRegistryAbi, client });
}

/** The circuit shape and the rule a registry was deployed with, from its `params()`. */
export function registryRule(params: {
  shape: { words: bigint; queries: bigint; evaluators: bigint; entries: bigint };
  rule: { emaRate: bigint; minGraders: bigint; shareTolerance: bigint; disagreePct: bigint };
}): { shape: ReliabilityShape; rule: ReliabilityParams } {
  return {
    shape: {
      words: Number(params.shape.words),
      queries: Number(params.shape.queries),
      evaluators: Number(params.shape.evaluators),
      entries: Number(params.shape.entries),
    },
    rule: {
      emaRate: params.rule.emaRate,
      minGraders: Number(params.rule.minGraders),
      shareTolerance: Number(params.rule.shareTolerance),
      disagreePct: Number(params.rule.disagreePct),
    },
  };
}

/** The reveals of `epoch`, in position order, from the registry's events. */
export async function readReveals(pass: LogPass, registry: Address, epoch: number, fromBlock: bigint): Promise<RevealOnChain[]> {
  const out: RevealOnChain[] = [];
  for (const l of await pass.logs(registry, fromBlock)) {
    let ev;
    try {
      ev = decodeEventLog({ abi: reliabilityRegistryAbi, data: l.data, topics: l.topics as [`0x${string}`, ...`0x${string}`[]] });
    } catch {
      continue; // an event of another ABI (the vault's, emitted through the registry's address) or none
    }
    if (ev.eventName !== "FeedbackRevealed" || ev.args.epoch !== epoch) continue;
    out.push({
      epoch: ev.args.epoch,
      evaluator: ev.args.evaluatorId,
      position: Number(ev.args.position),
      commitment: ev.args.commitment,
      uri: ev.args.uri,
      acc: ev.args.acc,
    });
  }
  return out.sort((a, b) => a.position - b.position);
}

/** The latest ScoresProposed of `epoch`: its batch bytes, digest, and the old word of each index it names. */
export async function readPendingProposal(
  pass: LogPass,
  registry: Address,
  epoch: number,
  fromBlock: bigint,
): Promise<{ bytes: `0x${string}`; digest: `0x${string}`; oldWords: Map<bigint, bigint> } | undefined> {
  let last: { bytes: `0x${string}`; digest: `0x${string}` } | undefined;
  for (const l of await pass.logs(registry, fromBlock)) {
    let ev;
    try {
      ev = decodeEventLog({ abi: reliabilityRegistryAbi, data: l.data, topics: l.topics as [`0x${string}`, ...`0x${string}`[]] });
    } catch {
      continue;
    }
    if (ev.eventName === "ScoresProposed" && ev.args.epoch === epoch) last = { bytes: ev.args.batch, digest: ev.args.batchDigest };
  }
  if (!last) return undefined;
  // batchBytes (rule 14): 12 header bytes, then per word uint32 index ‖ uint256 old ‖ uint256 new.
  const hex = last.bytes.slice(2);
  const oldWords = new Map<bigint, bigint>();
  for (let at = 12; at * 2 < hex.length; at += 68) {
    const index = BigInt("0x" + hex.slice(at * 2, (at + 4) * 2));
    oldWords.set(index, BigInt("0x" + hex.slice((at + 4) * 2, (at + 36) * 2)));
  }
  return { ...last, oldWords };
}

/**
 * The batch's W word indices: the words the available feedback names (in reveal order, as long as
 * they fit), then the lowest other words holding registered sources. Feedback naming a word that
 * does not fit, or no registered source's word, is left out (the rule allows leaving any reveal out).
 */
export function chooseWords(
  reveals: ReadonlyArray<{ feedback?: Feedback }>,
  W: number,
  wordCount: number,
): { words: bigint[]; leftOut: Map<number, string> } {
  const chosen = new Set<number>();
  const leftOut = new Map<number, string>();
  reveals.forEach((r, j) => {
    if (!r.feedback) return;
    const named = new Set<number>();
    for (const g of r.feedback.grades)
      if (g.graded) for (const s of g.sources) if (s.share > 0) named.add(Number(s.source / BigInt(LANES)));
    const beyond = [...named].find((w) => w >= wordCount);
    if (beyond !== undefined) {
      leftOut.set(j, `names sources of word ${beyond}, beyond the ${wordCount} word(s) of registered sources`);
      return;
    }
    const extra = [...named].filter((w) => !chosen.has(w));
    if (chosen.size + extra.length > W) {
      leftOut.set(j, `names more score words than the circuit's ${W} with the earlier reveals`);
      return;
    }
    for (const w of extra) chosen.add(w);
  });
  for (let w = 0; chosen.size < W && w < wordCount; w++) chosen.add(w);
  if (chosen.size < W) {
    throw new ZkMeritError("CONFIG", `the circuit settles ${W} score words per batch; the registry has only ${wordCount}`, {
      W,
      wordCount,
    });
  }
  return { words: [...chosen].sort((a, b) => a - b).map(BigInt), leftOut };
}

/**
 * Module 2's oracle job: once an epoch's reveal window has closed and nobody has proposed, it
 * reads the epoch's reveals (FeedbackRevealed, through the shared log reader), fetches and checks
 * each feedback payload against its commitment, reads the old score words from storage, runs the
 * reference, proves, journals the proof, and sends `updateScores`. The proof is journalled before
 * sending, so a restart resumes with it; nothing is sent within `deadlineMarginSeconds` of the
 * settlement deadline. An epoch proposed by someone else is replaced (challengeScores) when this
 * oracle can include strictly more reveals, i.e. the proposer left out feedback this oracle holds
 * (unless `challenge` is false); the registry restores the words that proposal overwrote first.
 */
export class ReliabilityJob extends ProvingJob implements OracleJob<ReliabilityTickReport> {
  readonly id = "reliability";

  constructor(readonly o: ReliabilityJobOptions) {
    super(o, o.registry, "epoch");
  }

  describe(): Record<string, unknown> {
    return { registry: this.o.registry, chainId: this.c.chain.id, circuit: this.o.circuit };
  }

  async preflight(): Promise<void> {
    const expected = circuitArtifacts(this.o.circuit).verifierContract;
    const verifier = await this.rpc("verifier", () => this.registry.verifier());
    if (!(await this.rpc("getCode", () => verifierMatches(this.c.publicClient, verifier, expected)))) {
      throw new ZkMeritError(
        "ARTIFACT_MISMATCH",
        `the registry's verifier at ${verifier} is not ${expected} built from this machine's zkey; ` +
          "run the oracle with the keys the registry was deployed with (circuits/build/manifest.json), or redeploy",
        { verifier },
      );
    }
  }

  private get registry() {
    return registryReader(this.c.publicClient, this.o.registry).read;
  }

  private journalKey(epoch: number, acc: bigint): string {
    return `${this.keyPrefix(epoch)}${acc.toString(16).slice(0, 16)}-${this.me.toLowerCase()}`;
  }

  async tick(ctx: TickContext = {}): Promise<ReliabilityTickReport> {
    const report: ReliabilityTickReport = {
      settled: [],
      observed: [],
      challenged: [],
      unprovable: [],
      tooLate: [],
      errors: [],
      counts: { settled: 0, challenged: 0 },
    };
    const block = await this.rpc("getBlock", () => this.c.publicClient.getBlock());
    report.block = block.number;
    let epoch: number | undefined;
    try {
      const info = await this.rpc("epochInfo", () => this.registry.epochInfo());
      epoch = info.epoch;
      this.pruneJournal(info.epoch);
      const now = block.timestamp;
      if (info.reveals === 0n || now < info.revealEnd) return report;
      // Simulation runs at the last block's time; the transaction lands later. Too close to the deadline it could revert.
      const margin = BigInt(this.o.deadlineMarginSeconds ?? 15);
      if (info.settler !== ZERO) {
        // Proposed already (by us or anyone): the chain finalizes it lazily. A proposal by someone
        // else that left out feedback this oracle holds is replaced by a stronger one (challengeScores).
        const pendingKey = `${this.keyPrefix(info.epoch)}${info.acc.toString(16).slice(0, 16)}-`;
        for (const k of this.journal.keys())
          if (k.startsWith(this.keyPrefix(info.epoch)) && !k.includes("-challenge-")) this.journal.remove(k);
        if (info.settler.toLowerCase() === this.me.toLowerCase()) return report;
        report.observed.push({ epoch: info.epoch, settler: info.settler, includedMask: info.includedMask });
        if (this.o.challenge === false || now + margin >= info.finalAt) return report;
        const pass = ctx.logs ?? (await this.rpc("logs", () => logPass(this.o.logs ?? this.c.publicClient)));
        const done = await within(
          `epoch ${info.epoch} challenge`,
          this.o.taskBudgetMs ?? 120_000,
          this.challenge(info.epoch, info.acc, Number(info.reveals), info.includedMask, pendingKey, pass),
        );
        if (typeof done !== "string") report.challenged.push(done);
        report.counts.challenged = report.challenged.filter((x) => x.gasUsed > 0n).length;
        return report;
      }
      if (now + margin >= info.settlementDeadline) {
        report.tooLate.push(info.epoch);
        return report;
      }
      const pass = ctx.logs ?? (await this.rpc("logs", () => logPass(this.o.logs ?? this.c.publicClient)));
      const done = await within(
        `epoch ${info.epoch}`,
        this.o.taskBudgetMs ?? 120_000,
        this.propose(info.epoch, info.acc, Number(info.reveals), pass),
      );
      if (typeof done === "string") report.unprovable.push({ epoch: info.epoch, reason: done });
      else report.settled.push(done);
    } catch (e) {
      const message = (e as Error).message.split("\n")[0];
      this.o.log.error({ epoch, err: message, code: (e as ZkMeritError).code }, "epoch failed this tick");
      report.errors.push({ epoch, message });
    }
    report.counts.settled = report.settled.filter((x) => x.gasUsed > 0n).length;
    return report;
  }

  /** Proves and proposes the current epoch (or resumes with its journalled proof); a string says why it cannot. */
  private async propose(
    epoch: number,
    acc: bigint,
    revealCount: number,
    pass: LogPass,
  ): Promise<ReliabilityTickReport["settled"][number] | string> {
    const key = this.journalKey(epoch, acc);
    let prepared = this.journal.read<PreparedBatch>(key);
    const reused = prepared !== undefined && prepared.settler.toLowerCase() === this.me.toLowerCase();
    if (reused) this.o.log.info({ epoch, key }, "resuming with the journalled proof");
    else {
      const p = await this.prepare(epoch, acc, revealCount, pass);
      if (typeof p === "string") return p;
      prepared = p;
      this.journal.write(key, prepared);
    }
    const p = prepared!;
    const summary = {
      epoch,
      included: p.included,
      flaggedMask: p.batch.flaggedMask,
      wordIndices: p.batch.wordIndices,
      unavailable: p.unavailable.map((u) => u.position),
      proveSeconds: p.proveSeconds,
      reusedProof: reused,
    };
    try {
      const r = await sendTx(
        this.c,
        {
          address: this.o.registry,
          contract: "ReliabilityRegistry",
          abi: reliabilityRegistryAbi,
          functionName: "updateScores",
          args: [p.batch, p.proof],
        },
        { wait: (hash) => this.rpc("receipt", () => this.c.publicClient.waitForTransactionReceipt({ hash })) },
      );
      this.journal.remove(key);
      this.o.log.info({ epoch, gasUsed: Number(r.gasUsed), included: p.included, flagged: p.batch.flaggedMask }, "scores proposed");
      return { ...summary, gasUsed: r.gasUsed };
    } catch (e) {
      // Someone else may have proposed meanwhile, or the epoch moved on: then the proof is spent, not lost.
      const now = await this.rpc("epochInfo", () => this.registry.epochInfo());
      if (now.epoch !== epoch || now.settler !== ZERO) {
        this.journal.remove(key);
        this.o.log.info({ epoch, settler: now.settler }, "epoch proposed by someone else or moved on; dropping our proof");
        return { ...summary, gasUsed: 0n };
      }
      // A stale batch (the words changed since proving) cannot succeed: prove again next tick.
      if (/StaleScoreWord/.test((e as Error).message)) this.journal.remove(key);
      throw e;
    }
  }

  /**
   * Replaces the pending proposal of `epoch` (by someone else, `pendingMask` included) when this
   * oracle can include strictly more reveals: proves a batch on the words the pending one replaced
   * (restored by the registry from the proposal's bytes) and sends challengeScores; the proof is
   * journalled first, as a proposal's. A string says why there is nothing to challenge.
   */
  private async challenge(
    epoch: number,
    acc: bigint,
    revealCount: number,
    pendingMask: number,
    keyPrefix: string,
    pass: LogPass,
  ): Promise<ReliabilityTickReport["challenged"][number] | string> {
    const replacedIncluded = popCount(pendingMask);
    const pending = await this.rpc("logs", () => readPendingProposal(pass, this.o.registry, epoch, this.o.fromBlock));
    if (!pending) return "the pending proposal's event is not in the log (is --from-block after the epoch began?)";
    const key = `${keyPrefix}challenge-${pending.digest.slice(2, 18)}-${this.me.toLowerCase()}`;
    let prepared = this.journal.read<PreparedBatch>(key);
    if (!prepared) {
      const p = await this.prepare(epoch, acc, revealCount, pass, { restored: pending.oldWords, mustExceed: replacedIncluded });
      if (typeof p === "string") return p;
      prepared = p;
      this.journal.write(key, prepared);
    }
    const p = prepared;
    try {
      const r = await sendTx(
        this.c,
        {
          address: this.o.registry,
          contract: "ReliabilityRegistry",
          abi: reliabilityRegistryAbi,
          functionName: "challengeScores",
          args: [p.batch, pending.bytes, p.proof],
        },
        { wait: (hash) => this.rpc("receipt", () => this.c.publicClient.waitForTransactionReceipt({ hash })) },
      );
      this.journal.remove(key);
      this.o.log.info({ epoch, gasUsed: Number(r.gasUsed), included: p.included, replacedIncluded }, "pending proposal replaced");
      return { epoch, gasUsed: r.gasUsed, included: p.included, replacedIncluded, proveSeconds: p.proveSeconds };
    } catch (e) {
      // Replaced by someone else meanwhile, final, or the epoch moved on: the proof is spent, not lost.
      const now = await this.rpc("epochInfo", () => this.registry.epochInfo());
      if (now.epoch !== epoch || now.settler === ZERO || now.includedMask !== pendingMask) {
        this.journal.remove(key);
        this.o.log.info({ epoch, settler: now.settler }, "pending proposal replaced by someone else or final; dropping our proof");
        return { epoch, gasUsed: 0n, included: p.included, replacedIncluded, proveSeconds: p.proveSeconds };
      }
      throw e;
    }
  }

  private async prepare(
    epoch: number,
    acc: bigint,
    revealCount: number,
    pass: LogPass,
    over: { restored?: ReadonlyMap<bigint, bigint>; mustExceed?: number } = {},
  ): Promise<PreparedBatch | string> {
    const { shape, rule } = registryRule(await this.rpc("params", () => this.registry.params()));
    const onChain = await this.rpc("logs", () => readReveals(pass, this.o.registry, epoch, this.o.fromBlock));
    if (onChain.length !== revealCount || onChain.some((r, j) => r.position !== j)) {
      throw new ZkMeritError(
        "DEPLOYMENTS",
        `the registry reports ${revealCount} reveals for epoch ${epoch}, its events ${onChain.length}; is --from-block after the epoch began?`,
        { epoch },
      );
    }
    if (onChain.at(-1)!.acc !== acc) {
      throw new ZkMeritError("COMMITMENT_MISMATCH", `the reveals' accumulator ${onChain.at(-1)!.acc} is not the registry's ${acc}`, {
        epoch,
      });
    }
    const unavailable: PreparedBatch["unavailable"] = [];
    const fetched: Array<{ feedback?: Feedback }> = [];
    for (const r of onChain) {
      try {
        const bytes = await fetchWithin(this.o.store, r.uri, this.o.fetchTimeoutMs ?? 5_000);
        fetched.push({ feedback: await decodeCommittedFeedback(bytes, { shape, commitment: r.commitment, uri: r.uri }) });
      } catch (e) {
        const reason = (e as Error).message.split("\n")[0];
        unavailable.push({ position: r.position, evaluator: r.evaluator, reason });
        fetched.push({});
      }
    }
    const sourceCount = await this.rpc("sourceCount", () => this.registry.sourceCount());
    const wordCount = Number((sourceCount + BigInt(LANES) - 1n) / BigInt(LANES));
    const { words, leftOut } = chooseWords(fetched, shape.words, wordCount);
    for (const [j, reason] of leftOut) {
      unavailable.push({ position: j, evaluator: onChain[j].evaluator, reason });
      fetched[j] = {};
    }
    for (const u of unavailable) this.o.log.warn({ epoch, ...u }, "reveal left out");
    if (fetched.every((f) => !f.feedback)) return "no revealed feedback is available";
    const available = fetched.filter((f) => f.feedback).length;
    if (over.mustExceed !== undefined && available <= over.mustExceed)
      return `the pending proposal includes ${over.mustExceed} reveals; this oracle holds ${available}`;
    // A challenge is proven on the words before the pending proposal (the registry restores them first).
    const oldWords: bigint[] = [];
    for (const w of words) oldWords.push(over.restored?.get(w) ?? (await this.rpc("scoreWord", () => this.registry.scoreWord([w]))));
    const context = await this.rpc("proofContext", () => this.registry.proofContext());
    const reveals: Reveal[] = onChain.map((r, j) => ({
      evaluator: BigInt(r.evaluator),
      commitment: r.commitment,
      ...(fetched[j].feedback ? { feedback: fetched[j].feedback } : {}),
    }));
    const u = await updateBatch({
      shape,
      context,
      epoch: BigInt(epoch),
      params: rule,
      words,
      oldScores: oldWords.flatMap(unpackWord),
      reveals,
      settler: BigInt(this.me),
    });
    if (u.publicInputs.acc !== acc) {
      throw new ZkMeritError("COMMITMENT_MISMATCH", `recomputed accumulator ${u.publicInputs.acc} differs from the chain's ${acc}`, {
        epoch,
      });
    }
    const t0 = Date.now();
    const proof = await prove(this.o.circuit, buildWitness(u));
    const proveSeconds = (Date.now() - t0) / 1000;
    this.o.log.info(
      { epoch, proveSeconds, included: u.trace.includedMask.toString(2), flagged: u.trace.flaggedMask.toString(2) },
      "epoch proven",
    );
    return {
      settler: this.me,
      acc,
      batch: {
        epoch,
        wordIndices: words.map(Number),
        oldWords: [...u.trace.oldWords],
        newWords: [...u.trace.newWords],
        includedMask: Number(u.trace.includedMask),
        flaggedMask: Number(u.trace.flaggedMask),
      },
      proof: toSolidityProof(proof.proof),
      proveSeconds,
      included: popCount(Number(u.trace.includedMask)),
      unavailable,
    };
  }
}
