/**
 * Progress of an experiment on stderr (or JSON lines on stdout): runs done / total, the generation
 * each worker is on, and an ETA from the generations finished so far.
 *
 * - `tty`: a multi-line display (cli-progress MultiBar): one overall bar and one line per busy worker;
 * - `lines`: one line per finished run plus a status line at most every `statusEvery` seconds;
 * - `json`: one JSON object per event on stdout (no metric rows), for machines;
 * - `none`: nothing.
 */
import cliProgress from 'cli-progress';
import type { ExperimentEvent } from '../loop/experiment.ts';

export type ProgressMode = 'tty' | 'lines' | 'json' | 'none';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

interface ActiveRun {
  readonly label: string;
  readonly generations: number;
  generation: number;
  /** Generation events seen (a resumed run skips the generations loaded from checkpoints). */
  seen: number;
  worker: string;
  bar?: cliProgress.SingleBar;
}

export class ProgressDisplay {
  private readonly mode: ProgressMode;
  private readonly statusEvery: number;
  private multi: cliProgress.MultiBar | undefined;
  private overall: cliProgress.SingleBar | undefined;
  private readonly active = new Map<string, ActiveRun>();
  private runs = 0;
  private runsDone = 0;
  private totalGenerations = 0;
  private doneGenerations = 0;
  /** Generations computed in this session (not reused), for the rate. */
  private computed = 0;
  private started = performance.now();
  private lastStatus = performance.now();
  private header: string | undefined;

  constructor(mode: ProgressMode, options: { statusEvery?: number } = {}) {
    this.mode = mode;
    this.statusEvery = options.statusEvery ?? 10;
  }

  /** Seconds left at the current rate (NaN before the first generation). */
  eta(): number {
    const elapsed = (performance.now() - this.started) / 1000;
    if (this.computed === 0) return NaN;
    return ((this.totalGenerations - this.doneGenerations) * elapsed) / this.computed;
  }

  private showHeader(): void {
    if (this.header === undefined) return;
    process.stderr.write(this.header);
    this.header = undefined;
    if (this.mode === 'tty') {
      this.multi = new cliProgress.MultiBar(
        {
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: false,
          format: '{label} {bar} {info}',
          barsize: 24,
        },
        cliProgress.Presets.shades_classic,
      );
      this.overall = this.multi.create(this.totalGenerations, this.doneGenerations, {
        label: 'overall ',
        info: this.overallInfo(),
      });
    }
  }

  private overallInfo(): string {
    const eta = this.eta();
    return `runs ${this.runsDone}/${this.runs} | generations ${this.doneGenerations}/${this.totalGenerations} | ETA ${Number.isNaN(eta) ? '–' : formatDuration(eta)}`;
  }

  private json(value: Record<string, unknown>): void {
    process.stdout.write(
      JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) +
        '\n',
    );
  }

  update(e: ExperimentEvent): void {
    if (this.mode === 'none') return;
    switch (e.type) {
      case 'start': {
        this.runs = e.plan.runs.length;
        this.runsDone = e.reused;
        const gens = e.plan.runs.map((r) => r.spec.generations + 1);
        this.totalGenerations = gens.reduce((a, b) => a + b, 0);
        this.started = performance.now();
        this.lastStatus = this.started;
        const maxG = Math.max(0, ...gens);
        if (this.mode === 'json') {
          this.json({
            type: 'start',
            experiment: e.plan.id,
            dir: e.dir,
            runs: this.runs,
            reused: e.reused,
            generations: this.totalGenerations,
            scheduler: e.scheduler,
          });
          return;
        }
        // Printed with the first finished generation, so an input error stays the only line on stderr.
        this.header =
          `biasloop: ${e.plan.name}: ${this.runs} run(s) × ${maxG} generations → ${e.dir}` +
          (e.reused > 0 ? ` (${e.reused} already complete, reused)` : '') +
          ` [${e.scheduler}]\n`;
        // Generations of reused runs count as done.
        const reused = new Set(e.reusedIds);
        this.doneGenerations = e.plan.runs
          .filter((r) => reused.has(r.id))
          .reduce((n, r) => n + r.spec.generations + 1, 0);
        break;
      }
      case 'run-start': {
        const run: ActiveRun = {
          label: e.run.label,
          generations: e.run.spec.generations,
          generation: -1,
          seen: 0,
          worker: e.worker,
        };
        this.active.set(e.run.id, run);
        if (this.mode === 'json') {
          this.json({ type: 'run-start', run: e.run.id, label: e.run.label, worker: e.worker });
        }
        break;
      }
      case 'generation': {
        this.showHeader();
        const run = this.active.get(e.run.id);
        if (run) {
          run.generation = e.generation;
          run.seen++;
          run.worker = e.worker;
        }
        this.doneGenerations++;
        this.computed++;
        if (this.mode === 'json') {
          this.json({
            type: 'generation',
            run: e.run.id,
            generation: e.generation,
            generations: e.generations,
            worker: e.worker,
            done: this.doneGenerations,
            total: this.totalGenerations,
            eta: this.eta(),
          });
        } else if (this.mode === 'tty' && this.multi) {
          if (run && !run.bar) {
            run.bar = this.multi.create(run.generations + 1, 0, { label: '', info: '' });
          }
          run?.bar?.update(e.generation + 1, {
            label: '  ' + shorten(run.worker, 12).padEnd(12),
            info: `generation ${e.generation}/${e.generations}  ${run.label}`,
          });
          this.overall?.update(this.doneGenerations, { info: this.overallInfo() });
        } else if (this.mode === 'lines') {
          this.maybeStatusLine();
        }
        break;
      }
      case 'run-done': {
        this.runsDone++;
        const run = this.active.get(e.run.id);
        // A run resumed from checkpoints counts its earlier generations as done now.
        this.doneGenerations += Math.max(0, e.run.spec.generations + 1 - (run?.seen ?? 0));
        if (run?.bar) this.multi?.remove(run.bar);
        this.active.delete(e.run.id);
        if (this.mode === 'json') {
          this.json({
            type: 'run-done',
            run: e.run.id,
            label: e.run.label,
            seconds: e.seconds,
            worker: e.worker,
            runsDone: this.runsDone,
            runs: this.runs,
          });
        } else if (this.mode === 'tty') {
          this.showHeader();
          this.overall?.update(this.doneGenerations, { info: this.overallInfo() });
        } else {
          this.showHeader();
          process.stderr.write(
            `  run ${this.runsDone}/${this.runs} done (${e.run.label}, ${e.seconds.toFixed(1)} s, ${e.worker})\n`,
          );
        }
        break;
      }
      case 'notice': {
        if (this.mode === 'json') this.json({ type: 'notice', message: e.message });
        else if (this.multi) this.multi.log(`biasloop: ${e.message}\n`);
        else process.stderr.write(`biasloop: ${e.message}\n`);
        break;
      }
    }
  }

  private maybeStatusLine(): void {
    const now = performance.now();
    if ((now - this.lastStatus) / 1000 < this.statusEvery) return;
    this.lastStatus = now;
    const workers = [...this.active.values()]
      .filter((r) => r.generation >= 0)
      .map((r) => `${r.worker}: ${r.label} g${r.generation}/${r.generations}`)
      .join('; ');
    process.stderr.write(`  ${this.overallInfo()}${workers ? ` | ${workers}` : ''}\n`);
  }

  /** End the display; after a failure the header is not printed, so the error stays the only line. */
  stop(succeeded = true): void {
    if (this.mode === 'json' || this.mode === 'none') return;
    if (succeeded) this.showHeader();
    this.multi?.stop();
  }
}

function shorten(s: string, n: number): string {
  return s.length <= n ? s : `…${s.slice(s.length - n + 1)}`;
}
