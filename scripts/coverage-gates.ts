/**
 * The coverage the project holds itself to (README, "npm test"): of impl/, at
 * least this share of lines and of branches. `npm test` fails below them, and
 * `npm run handin` refuses to pack a coverage summary below them.
 */
export const COVERAGE_GATES = { lines: 95, branches: 90 } as const;

/**
 * The gates `totals` misses, each as a phrase, e.g. `lines 79.00 % (the gate is 95 %)`; none when all are met.
 *
 * @example
 * missedGates({ lines: 79, branches: 93 }); // ['lines 79.00 % (the gate is 95 %)']
 */
export function missedGates(totals: Readonly<Record<keyof typeof COVERAGE_GATES, number>>): string[] {
  return (Object.entries(COVERAGE_GATES) as Array<[keyof typeof COVERAGE_GATES, number]>)
    .filter(([metric, gate]) => !(totals[metric] >= gate))
    .map(([metric, gate]) => `${metric} ${Number(totals[metric]).toFixed(2)} % (the gate is ${gate} %)`);
}
