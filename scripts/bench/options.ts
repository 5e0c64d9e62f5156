/** Command-line values the bench scripts share. */

/** A comma-separated list of non-negative integers ("1,2,3"), or an error naming the option. */
export function integers(name: string, text: string): number[] {
  const xs = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (xs.length === 0 || xs.some((x) => !Number.isSafeInteger(x) || x < 0)) {
    throw new Error(`--${name} takes comma-separated non-negative integers, got "${text}"`);
  }
  return xs;
}
