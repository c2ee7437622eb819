// The parts of @bcoe/v8-coverage the suite uses; the package ships no types.
declare module '@bcoe/v8-coverage' {
  import type { Profiler } from 'node:inspector';
  export interface ProcessCov {
    result: Profiler.ScriptCoverage[];
  }
  export function mergeProcessCovs(processCovs: readonly ProcessCov[]): ProcessCov;
}
