import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { toRemoteError } from './rpc.js';

/**
 * Nest's default RPC exception filter turns every error that is not an RpcException into
 * "Internal server error", losing its message and status. Register this one on bus apps
 * (`app.useGlobalFilters(new VigilRpcExceptionFilter())` on the microservice, or with
 * `connectMicroservice(..., { inheritAppConfig: true })`) so that an RPC caller gets the thrown
 * error's message and status (HttpException's getStatus(), or a numeric `status`) as RpcRemoteError.
 */
@Catch()
export class VigilRpcExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    const remote = toRemoteError(exception);
    // The thrown error stays reachable for the event pipeline, which tells a failure that spends no
    // attempt (an unreachable database) by its code; not enumerable, so no reply ever carries it.
    Object.defineProperty(remote, 'cause', { value: exception, enumerable: false });
    return throwError(() => remote);
  }
}
