import { runStandalone } from '@vigil/runtime';
import { ALL_SERVICES } from './services.js';

await runStandalone(ALL_SERVICES);
