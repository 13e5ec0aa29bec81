/**
 * `POST /callbacks/:gateway`: the HTTP face of the notification inbox. The raw body is kept byte for byte for
 * signature checks, its size is limited, nothing here ever redirects, and the answer is the gateway's own.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotificationOutcome, type PaymentGateway } from '../gateways/gateway.js';
import type { Services } from '../app/services.js';

interface Params {
  gateway: string;
}

function headersOf(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function send(reply: FastifyReply, gateway: PaymentGateway, outcome: NotificationOutcome): FastifyReply {
  const answer = gateway.answer(outcome);
  return reply.code(answer.status).type(answer.contentType).send(answer.body);
}

/** Transport failures Fastify raises before our handler runs, and the outcome each is. */
const TRANSPORT_REJECTIONS: Record<string, NotificationOutcome> = {
  FST_ERR_CTP_BODY_TOO_LARGE: NotificationOutcome.REJECTED_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: NotificationOutcome.REJECTED_CONTENT_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: NotificationOutcome.REJECTED_MALFORMED,
  FST_ERR_CTP_EMPTY_TYPE: NotificationOutcome.REJECTED_CONTENT_TYPE,
};

export async function callbackBridgeRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { services } = opts;
  // Every content type arrives as raw bytes; the inbox decides what it accepts.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: services.config.callbackBodyLimit }, (_req, body, done) => done(null, body));

  app.setErrorHandler(async (error: FastifyError, req: FastifyRequest<{ Params: Params }>, reply) => {
    const gateway = services.gateways.bySlug(req.params?.gateway ?? '');
    if (!gateway) return reply.code(404).send({ status: 'UNKNOWN_GATEWAY' });
    const outcome = error.code ? TRANSPORT_REJECTIONS[error.code] : undefined;
    if (outcome) {
      try {
        const receipt = await services.inbox.recordRejection({ gateway, rawBody: null, headers: headersOf(req), remoteAddress: req.ip }, outcome, error.message);
        return send(reply, gateway, receipt.outcome);
      } catch (e) {
        req.log.error({ err: e }, 'could not record a rejected notification');
        return send(reply, gateway, NotificationOutcome.RETRY_LATER);
      }
    }
    req.log.error({ err: error }, 'notification failed; asking the gateway to resend');
    return send(reply, gateway, NotificationOutcome.RETRY_LATER);
  });

  app.post<{ Params: Params }>('/:gateway', async (req, reply) => {
    const gateway = services.gateways.bySlug(req.params.gateway);
    if (!gateway) return reply.code(404).send({ status: 'UNKNOWN_GATEWAY' });
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const receipt = await services.inbox.receive({ gateway, rawBody, headers: headersOf(req), remoteAddress: req.ip });
    req.log.info({ gateway: gateway.name, outcome: receipt.outcome, inboxMessageId: receipt.inboxMessageId, detail: receipt.detail }, 'notification');
    return send(reply, gateway, receipt.outcome);
  });
}
