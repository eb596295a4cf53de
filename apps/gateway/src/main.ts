import { runDistributed } from '@vigil/runtime';
import { gatewayApp } from './gateway.app.js';

await runDistributed(gatewayApp);
