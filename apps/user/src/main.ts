import { runDistributed } from '@vigil/runtime';
import { userApp } from './user.app.js';

await runDistributed(userApp);
