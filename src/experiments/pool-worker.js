// Entry module of a piscina worker thread. From the sources, worker threads start without the
// TypeScript loader, so register tsx here (as bin/biasloop.js does) and load the TypeScript task;
// from the compiled dist/, load the compiled task.
const compiled = import.meta.url.endsWith('/dist/experiments/pool-worker.js');
if (!compiled) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { runPoolTask } = await import(compiled ? './pool-task.js' : './pool-task.ts');

export default runPoolTask;
