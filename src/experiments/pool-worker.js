// Entry module of a piscina worker thread. Worker threads start without the TypeScript loader, so
// register tsx here (as bin/biasloop.js does for the main thread), then load the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const { runPoolTask } = await import('./pool-task.ts');

export default runPoolTask;
