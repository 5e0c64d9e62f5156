/**
 * A plain floating-point Bradley-Terry fit by the MM (Zermelo / Hunter) iteration, strengths
 * renormalized to sum to n after every step, as the reference swarm protocol's node client does it.
 * It is not part of the rule: the rule's strengths are the fixed-point fit of reference.ts, which the
 * tests compare to this one (docs/spec/reputation.md, "Tolerance").
 */

/** One compared pair: its two nodes and the (weighted) wins of each over the other. */
export interface FloatPair {
  readonly a: number;
  readonly b: number;
  readonly winsA: number;
  readonly winsB: number;
}

export interface FloatFit {
  /** Strengths summing to n. */
  readonly strengths: number[];
  readonly iterations: number;
  /** Whether the largest relative change of a step fell below the tolerance. */
  readonly converged: boolean;
}

/**
 * Fits p by p_i <- W_i / sum_j n_ij / (p_i + p_j), then p <- n p / sum p, from p = 1, until no
 * strength changes by more than `relTol` (relative) or after `maxIterations` steps. Every node needs
 * W_i > 0 (the rule's prior guarantees it).
 */
export function fitBradleyTerryFloat(
  n: number,
  pairs: readonly FloatPair[],
  opts: { maxIterations?: number; relTol?: number } = {},
): FloatFit {
  const maxIterations = opts.maxIterations ?? 1_000_000;
  const relTol = opts.relTol ?? 1e-13;
  const wins = new Array<number>(n).fill(0);
  for (const e of pairs) {
    wins[e.a] += e.winsA;
    wins[e.b] += e.winsB;
  }
  let p = new Array<number>(n).fill(1);
  for (let it = 1; it <= maxIterations; it++) {
    const den = new Array<number>(n).fill(0);
    for (const e of pairs) {
      const t = (e.winsA + e.winsB) / (p[e.a] + p[e.b]);
      den[e.a] += t;
      den[e.b] += t;
    }
    const q = p.map((_, i) => wins[i] / den[i]);
    const sum = q.reduce((s, x) => s + x, 0);
    const next = q.map((x) => (x * n) / sum);
    const change = next.reduce((m, x, i) => Math.max(m, Math.abs(x - p[i]) / p[i]), 0);
    p = next;
    if (change < relTol) return { strengths: p, iterations: it, converged: true };
  }
  return { strengths: p, iterations: maxIterations, converged: false };
}
