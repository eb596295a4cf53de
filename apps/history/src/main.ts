import { runDistributed } from '@vigil/runtime';
import { historyApp } from './history.app.js';

await runDistributed(historyApp);
