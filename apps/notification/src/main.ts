import { runDistributed } from '@vigil/runtime';
import { notificationApp } from './notification.app.js';

await runDistributed(notificationApp);
