/**
 * The HTTP API (fastify), versioned under /v1. Every 4xx names the field and what is allowed; the
 * request is validated completely before anything is stored, so a refused request leaves no trace
 * (docs/SECURITY.md 27) and is never retried by the service.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { FIELD_MODULUS } from "../field.js";
import type { ApiKeys } from "./auth.js";
import { IdempotencyConflictError, publicView, randomNonce } from "./jobs.js";
import type { ServiceMetrics } from "./metrics.js";
import { describeServiceModel, validateInput, type ServiceModel } from "./models.js";
import { openApiDocument } from "./openapi.js";
import type { JobQueue } from "./queue/jobQueue.js";

export interface ApiOptions {
  models: Map<string, ServiceModel>;
  modelIds: Record<string, bigint>;
  queue: JobQueue;
  metrics: ServiceMetrics;
  apiKeys: ApiKeys;
  /** Whether the service can submit (a chain is configured); the default of `submit`. */
  canSubmit: boolean;
  /** The submitting account: a subject may submit through it without an `authorization` only if it is that account. */
  submitter?: string;
  /** Largest request body in bytes (default 64 KiB: a feature vector is a few hundred bytes). */
  bodyLimit?: number;
  health?: () => Promise<Record<string, unknown>>;
}

/** What `authorization` must be; one sentence, used by the schema and the refusal. */
const AUTHORIZATION_RULE =
  "must be {deadline, signature}: the subject's EIP-712 SubmissionAuthorization of this service's submitter (unix-seconds deadline, 0x-hex signature; see prover/abi/submissionAuthorization.ts)";

const proofRequestSchema = z
  .object({
    input: z.record(z.string(), z.unknown(), { error: "must be an object mapping feature names to numbers" }),
    subject: z.string({ error: "must be a string" }).regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address (0x + 40 hex digits)"),
    nonce: z
      .union([z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "must be a decimal integer string"), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)], {
        error: "must be a non-negative integer (a decimal string for values above 2^53)",
      })
      .optional(),
    submit: z.boolean({ error: "must be true or false" }).optional(),
    idempotencyKey: z
      .string({ error: "must be a string" })
      .regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1 to 128 characters from A-Z a-z 0-9 . _ : -")
      .optional(),
    authorization: z
      .object(
        {
          deadline: z.union([z.string().regex(/^[1-9][0-9]{0,19}$/), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)]),
          signature: z.string().regex(/^0x([0-9a-fA-F]{2})+$/),
        },
        { error: AUTHORIZATION_RULE },
      )
      .strict()
      .optional(),
  })
  .strict();

/** What each field allows, said the same way whichever check failed. */
const FIELD_RULES: Record<string, string> = {
  input: "must be an object mapping feature names to numbers (GET /v1/models lists them)",
  subject: "must be a 0x-prefixed 20-byte address (0x + 40 hex digits)",
  nonce: "must be a non-negative integer (a decimal string for values above 2^53)",
  submit: "must be true or false",
  idempotencyKey: "must be 1 to 128 characters from A-Z a-z 0-9 . _ : -",
  authorization: AUTHORIZATION_RULE,
};

class BadRequest extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export async function buildApi(o: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: o.bodyLimit ?? 64 * 1024, logger: false });
  // JSON only: fastify would otherwise accept text/plain bodies as strings.
  app.removeContentTypeParser("text/plain");

  const refuse = (reply: FastifyReply, e: BadRequest) => {
    o.metrics.rejected.inc({ reason: e.reason });
    return reply.code(e.status).send({ error: e.reason, message: e.message, ...(e.field !== undefined ? { field: e.field } : {}) });
  };

  // Fastify's own refusals (body too large, not JSON, wrong content type) get the same shape.
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _req, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      console.error(`zkinfer serve: ${error.message}`);
      return reply.code(500).send({ error: "internal", message: "internal error; see the service log" });
    }
    const reason =
      error.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? "body_too_large"
        : error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
          ? "unsupported_media_type"
          : "malformed_body";
    const message =
      reason === "body_too_large"
        ? `The request body exceeds ${o.bodyLimit ?? 64 * 1024} bytes. A proof request is a few hundred bytes: send only input, subject, nonce, submit, idempotencyKey and authorization.`
        : reason === "unsupported_media_type"
          ? "Send the request body as JSON with Content-Type: application/json."
          : `The request body is not valid JSON: ${error.message}`;
    return refuse(reply, new BadRequest(status, reason, message));
  });

  // The tenant (API key) of each authenticated request: jobs and idempotency keys are scoped to it.
  const tenants = new WeakMap<FastifyRequest, string>();
  const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
    const tenant = o.apiKeys.identify(req.headers.authorization);
    if (tenant === undefined) {
      return refuse(reply, new BadRequest(401, "unauthorized", "Missing or unknown API key: send `Authorization: Bearer <key>`."));
    }
    tenants.set(req, tenant);
  };
  const tenantOf = (req: FastifyRequest): string => tenants.get(req)!;

  // Without a key, /healthz says only that the process is up (for load balancers); with a key it adds
  // the operational details (prover pids and memory, the submitter's address). /metrics carries
  // aggregate counters only (jobs by status, proof durations, failures by kind, rejections by reason:
  // no job id, subject, nonce or key), and is meant for the operator's scraper: expose it on a
  // private network or behind the proxy's access control (docs/SECURITY.md, "Prover service").
  app.get("/healthz", async (req) => {
    const base = { status: "ok", queue: o.queue.backend };
    if (o.apiKeys.identify(req.headers.authorization) === undefined) return base;
    return { ...base, ...(await o.health?.()) };
  });

  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", o.metrics.registry.contentType);
    return o.metrics.registry.metrics();
  });

  app.get("/v1/openapi.json", async () => openApiDocument([...o.models.keys()]));

  app.get("/v1/models", { preHandler: authenticate }, async () => ({
    models: [...o.models.values()].map((m) => describeServiceModel(m, o.modelIds[m.name])),
  }));

  app.post<{ Params: { id: string } }>("/v1/models/:id/proofs", { preHandler: authenticate }, async (req, reply) => {
    try {
      const model = o.models.get(req.params.id);
      if (!model)
        throw new BadRequest(
          404,
          "unknown_model",
          `No model \`${req.params.id}\` in this service; it serves ${[...o.models.keys()].join(", ")} (GET /v1/models).`,
          "id",
        );
      if (req.body === null || typeof req.body !== "object" || Array.isArray(req.body)) {
        throw new BadRequest(400, "invalid_request", "The body must be a JSON object: {input, subject, nonce?, submit?, idempotencyKey?, authorization?}.");
      }
      const parsed = proofRequestSchema.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const body = req.body as Record<string, unknown>;
        let field: string;
        let message: string;
        if (issue.code === "unrecognized_keys") {
          field = issue.keys.join(", ");
          message = `Unknown field(s) ${issue.keys.map((k) => `\`${k}\``).join(", ")}: a proof request has input, subject, nonce, submit, idempotencyKey and authorization.`;
        } else {
          field = String(issue.path[0] ?? "(body)");
          const value = body[field];
          message =
            value === undefined
              ? `\`${field}\` is required: it ${FIELD_RULES[field] ?? issue.message}.`
              : `\`${field}\` ${FIELD_RULES[field] ?? issue.message}; got ${JSON.stringify(value).slice(0, 60)}.`;
        }
        throw new BadRequest(400, "invalid_request", message, field);
      }
      const body = parsed.data;
      try {
        validateInput(model, body.input);
      } catch (e) {
        const err = e as Error & { field?: string };
        if (err.name === "InputValidationError")
          throw new BadRequest(422, "invalid_input", err.message, err.field === "(root)" ? "input" : `input.${err.field}`);
        throw e;
      }
      const nonce = body.nonce === undefined ? randomNonce() : String(body.nonce);
      if (BigInt(nonce) >= FIELD_MODULUS)
        throw new BadRequest(400, "invalid_request", "`nonce` must be below the BN254 scalar field r (about 2^254).", "nonce");
      const submit = body.submit ?? o.canSubmit;
      if (submit && !o.canSubmit) {
        throw new BadRequest(
          400,
          "invalid_request",
          "`submit` is true but this service has no chain configured (start it with --rpc); send submit: false to get the proof only.",
          "submit",
        );
      }
      // On a model without attested inputs the hub lets only the subject, or a relayer it authorised,
      // use up its nonce: refuse here, naming the field, rather than fail the job on-chain.
      if (submit && !body.authorization && !model.ir.attestation && body.subject.toLowerCase() !== o.submitter?.toLowerCase()) {
        throw new BadRequest(
          400,
          "invalid_request",
          `\`authorization\` is required to submit for subject ${body.subject} on model \`${model.name}\` (its inputs are not attested): it ${AUTHORIZATION_RULE}, with submitter ${o.submitter}. Or send submit: false and submit the proof from the subject's own account.`,
          "authorization",
        );
      }
      const { job, created } = await o.queue.enqueue({
        owner: tenantOf(req),
        model: model.name,
        input: body.input as Record<string, number>,
        subject: body.subject,
        nonce,
        submit,
        idempotencyKey: body.idempotencyKey,
        ...(body.authorization ? { authorization: { deadline: String(body.authorization.deadline), signature: body.authorization.signature } } : {}),
      });
      return reply
        .code(created ? 202 : 200)
        .header("location", `/v1/jobs/${job.id}`)
        .send({ jobId: job.id, status: job.status, nonce: job.nonce });
    } catch (e) {
      if (e instanceof BadRequest) return refuse(reply, e);
      if (e instanceof IdempotencyConflictError) return refuse(reply, new BadRequest(409, "idempotency_conflict", e.message, "idempotencyKey"));
      throw e;
    }
  });

  app.get<{ Params: { id: string } }>("/v1/jobs/:id", { preHandler: authenticate }, async (req, reply) => {
    const job = /^[0-9a-f-]{36}$/.test(req.params.id) ? await o.queue.get(req.params.id) : undefined;
    // Another key's job is answered exactly like a job that does not exist: its id tells nothing.
    if (!job || job.owner !== tenantOf(req)) return refuse(reply, new BadRequest(404, "unknown_job", `No job \`${req.params.id}\`.`, "id"));
    return publicView(job, o.models.get(job.model)?.ir);
  });

  return app;
}
