// Where benchmarks write their figures, and what every result file says about the run: the
// command, the commit (and how many tracked files differed from it), the machine.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

function git(command: string): string | null {
  try {
    return execSync(command, { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** A result file of benchmark `name`: bench/results/<name>-<time>.json, with the run's facts. */
export function resultFile(name: string) {
  const date = new Date().toISOString();
  const file = new URL(`./results/${name}-${date.replace(/[:.]/g, '-')}.json`, import.meta.url);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const header = {
    benchmark: name,
    date,
    command: `npm run bench:${name} -- ${process.argv.slice(2).join(' ')}`.trim(),
    commit: git('git rev-parse --short HEAD'),
    uncommittedFiles: git('git status --porcelain --untracked-files=no')?.split('\n').filter(Boolean).length ?? null,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  };
  return {
    header,
    path: file.pathname,
    write: (output: object) => writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`),
  };
}
