import { runDistributed } from '@vigil/runtime';
import { alertApp } from './alert.app.js';

await runDistributed(alertApp);
