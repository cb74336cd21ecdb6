import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { ErrorCode } from '../errors';
import { ApiKeys } from './api-keys';
import { registerEntityRoutes } from './entity-routes';
import { EventStreams } from './event-streams';
import { HttpApiError, HttpErrorCode, errorReply } from './http-errors';
import { httpApiSettings, type HttpApiOptions, type HttpApiSettings } from './http-options';
import { registerInsightRoutes } from './insight-routes';
import { registerInstanceControlRoutes } from './instance-control-routes';
import { registerOrchestrationRoutes } from './orchestration-routes';
import { acceptBodiesAsText } from './request-body';
import { RouteContext } from './route-context';
import { registerStreamRoutes } from './stream-routes';

/**
 * The HTTP API as a fastify plugin, to mount next to your own routes. Its body parsing,
 * key check and error replies apply to its own routes only.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { jetstateHttpApi } from 'jetstate';
 *
 * const server = Fastify();
 * await server.register(jetstateHttpApi, { client: app.client, keys: [process.env.JETSTATE_KEY!] });
 * server.get('/health', async () => 'ok');
 * await server.listen({ port: 8080 });
 * ```
 */
export const jetstateHttpApi: FastifyPluginAsync<HttpApiOptions> = async (server, options) => {
  const settings = httpApiSettings(options);
  await server.register(
    (scope, _opts, done) => {
      mountRoutes(scope, settings);
      done();
    },
    { prefix: settings.basePath },
  );
};

function mountRoutes(scope: FastifyInstance, settings: HttpApiSettings): void {
  const keys = new ApiKeys(settings.keys);
  const streams = new EventStreams();
  const ctx = new RouteContext(settings.client, keys, streams, scope.prefix);
  let closing = false;

  acceptBodiesAsText(scope, settings.bodyLimit);
  // The key is checked before the body is read: a refused request costs nothing and runs nothing.
  // The hooks run on every request, so they take callbacks: cheaper than async hooks.
  scope.addHook('onRequest', (request, _reply, done) => {
    if (closing) {
      return done(
        new HttpApiError(HttpErrorCode.Closing, `The server is closing and takes no new requests. Retry against another instance, or after it restarted.`),
      );
    }
    try {
      keys.check(request);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
  // A reply finished while the server closes also closes its keep-alive connection, so the
  // close does not wait for the client to hang up.
  scope.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  scope.addHook('preClose', (done) => {
    closing = true;
    streams.closeAll();
    done();
  });
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = errorReply(fastifyRefusal(error) ?? error);
    if (answer.unexpected) request.log.error({ err: error }, 'jetstate HTTP API request failed');
    return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
  });
  scope.setNotFoundHandler(async (request, reply) => {
    keys.check(request);
    const method = request.method;
    return reply.code(404).send({
      code: HttpErrorCode.RouteNotFound,
      message: `No route ${method} ${request.url.split('?')[0]}. See docs/http.md for the routes under ${scope.prefix || '/'}.`,
    });
  });

  registerOrchestrationRoutes(scope, ctx);
  registerInstanceControlRoutes(scope, ctx);
  registerEntityRoutes(scope, ctx);
  registerStreamRoutes(scope, ctx);
  registerInsightRoutes(scope, ctx);
}

/** The refusals fastify makes itself (body too large, bad URL, ...) as errors with jetstate codes. */
function fastifyRefusal(error: FastifyError): Error | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new HttpApiError(
      ErrorCode.PayloadTooLarge,
      `The request body is larger than this API's limit (bodyLimit). Send less data per request, or start the server with a larger bodyLimit.`,
    );
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 && !(error instanceof HttpApiError)) {
    return new HttpApiError(HttpErrorCode.BadRequest, `The request was refused: ${error.message}`);
  }
  return undefined;
}
