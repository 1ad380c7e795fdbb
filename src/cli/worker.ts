/**
 * `biasloop worker --queue redis://host:port`: execute runs that `biasloop sweep --queue` enqueued,
 * on this machine, until stopped. SIGTERM or Ctrl-C: finish the current generation of each running
 * job, release those jobs back to the queue and exit 0; a second signal exits at once (the jobs are
 * then taken over by another worker after the stall timeout).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { DEFAULT_QUEUE_NAME, DEFAULT_STALL_TIMEOUT_MS } from '../experiments/queue-protocol.ts';
import type { QueueWorkerEvent } from '../experiments/queue-worker.ts';
import { parseWorkersFlag } from './experiment-command.ts';
import { packageVersion } from '../core/version.ts';

interface WorkerFlags {
  queue: string;
  queueName: string;
  concurrency: number;
  workDir: string;
  stallTimeout: number;
  quiet?: boolean;
  json?: boolean;
}

function parseSeconds(value: string): number {
  const v = Number(value);
  if (!Number.isFinite(v) || v < 0.5) {
    throw new InvalidArgumentError(`--stall-timeout must be a number of seconds ≥ 0.5, got '${value}'`);
  }
  return v;
}

function describe(e: QueueWorkerEvent): string | undefined {
  switch (e.type) {
    case 'ready':
      return `worker ${e.worker} waiting for runs on queue ${e.queue} at ${e.target}`;
    case 'job-start':
      return `run ${e.runId} started (${e.label}, experiment ${e.experiment})`;
    case 'job-done':
      return `run ${e.runId} done (${e.label}, ${e.seconds.toFixed(1)} s)`;
    case 'job-released':
      return `run ${e.runId} released back to the queue after generation ${e.generation} (${e.label})`;
    case 'job-failed':
      return `run ${e.runId} failed (${e.label}): ${e.message}`;
    case 'notice':
      return e.message;
  }
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .summary('execute runs enqueued by `biasloop sweep --queue` (start one or more per machine)')
    .description(
      'Pull runs from a BullMQ queue on Redis and execute them here, one worker thread per concurrent\n' +
        'run. Metric rows travel back to the coordinator over Redis; checkpoints stay in --work-dir.\n' +
        'SIGTERM / Ctrl-C: finish the current generation, release the job to the queue, exit.',
    )
    .requiredOption('--queue <url>', 'Redis URL of the coordinator’s queue, e.g. redis://10.0.0.5:6379')
    .option('--queue-name <name>', 'BullMQ queue name', DEFAULT_QUEUE_NAME)
    .option('--concurrency <n>', 'runs at once (worker threads)', parseWorkersFlag('--concurrency'), 1)
    .option('--work-dir <dir>', 'where checkpoints are kept on this machine', 'biasloop-worker')
    .option(
      '--stall-timeout <seconds>',
      'a job whose worker stops renewing its lock this long is re-run elsewhere',
      parseSeconds,
      DEFAULT_STALL_TIMEOUT_MS / 1000,
    )
    .option('--json', 'log events as JSON lines on stdout')
    .option('-q, --quiet', 'log only errors')
    .action(async (flags: WorkerFlags) => {
      const log = (e: QueueWorkerEvent): void => {
        if (flags.json) {
          process.stdout.write(JSON.stringify({ ...e, time: new Date().toISOString() }) + '\n');
          return;
        }
        if (flags.quiet && e.type !== 'job-failed') return;
        const text = describe(e);
        if (text) process.stderr.write(`biasloop worker: ${text}\n`);
      };
      const { startQueueWorker } = await import('../experiments/queue-worker.ts');
      const handle = await startQueueWorker({
        url: flags.queue,
        queueName: flags.queueName,
        concurrency: flags.concurrency,
        workDir: flags.workDir,
        stallTimeoutMs: flags.stallTimeout * 1000,
        versions: { biasloop: packageVersion() },
        onEvent: log,
      });
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals): void => {
        signals++;
        if (signals === 1) {
          if (!flags.quiet && !flags.json) {
            process.stderr.write(
              `biasloop worker: ${signal}: finishing the current generation, releasing jobs, stopping\n`,
            );
          }
          void handle.stop();
        } else {
          process.exit(signal === 'SIGINT' ? 130 : 143);
        }
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      await handle.closed;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      if (!flags.quiet && !flags.json) process.stderr.write('biasloop worker: stopped\n');
    });
}
