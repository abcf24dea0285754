/**
 * The HTTP API (fastify), versioned under /v1. Every 4xx names the field and what is allowed; the
 * request is validated completely before anything is stored, so a refused request leaves no trace
 * (docs/SECURITY.md 27) and is never retried by the service.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import type { Address, Hex } from "viem";
import { HUB_EIP712_NAME, HUB_EIP712_VERSION, SUBMISSION_AUTHORIZATION_TYPES } from "../abi/submissionAuthorization.js";
import { FIELD_MODULUS } from "../field.js";
import type { ApiKeys } from "./auth.js";
import { AuthorizationRefusal, checkAuthorization, type RelayContext } from "./authorization.js";
import { IdempotencyConflictError, publicView, randomNonce, type NewJob } from "./jobs.js";
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
  /** The hub, chain and submitter an `authorization` is checked against when a request arrives (a chain is configured). */
  relay?: RelayContext;
  /**
   * Whether a tenant may ask the service to submit for the submitter's own address (`--allow-self-subject`).
   * Off by default: such a job needs no authorization, so any API key could spend the operator's
   * nonces and trigger consumer effects in the operator's name (docs/SECURITY.md 43).
   */
  allowSelfSubject?: boolean;
  /** Largest request body in bytes (default 64 KiB: a feature vector is a few hundred bytes). */
  bodyLimit?: number;
  health?: () => Promise<Record<string, unknown>>;
}

/** What `authorization` must be; one sentence, used by the schema and the refusal. */
const AUTHORIZATION_RULE =
  "must be {deadline, signature, submitter?}: deadline in unix seconds (a decimal string or an integer), signature the subject's 0x-hex EIP-712 signature of " +
  "SubmissionAuthorization(uint256 modelId, address subject, uint256 nonce, address submitter, uint256 deadline) with submitter = this service's submitting account " +
  "(GET /v1/models lists it under relaying, with the domain to sign in), submitter optionally that address";

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
          submitter: z
            .string()
            .regex(/^0x[0-9a-fA-F]{40}$/)
            .optional(),
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
  "authorization.deadline": "must be a unix time in seconds: a positive integer, or a decimal string of one",
  "authorization.signature": "must be 0x followed by an even number of hex digits (65 bytes for an account's ECDSA signature: r, s, v)",
  "authorization.submitter": "must be a 0x-prefixed 20-byte address: this service's submitting account (GET /v1/models, relaying.submitter)",
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
    // What a subject signs to let this service submit for it (null without a chain).
    relaying: o.relay
      ? {
          submitter: o.relay.submitter,
          minDeadlineSeconds: o.relay.minDeadlineSeconds,
          domain: { name: HUB_EIP712_NAME, version: HUB_EIP712_VERSION, chainId: o.relay.chainId, verifyingContract: o.relay.hub },
          types: SUBMISSION_AUTHORIZATION_TYPES,
          primaryType: "SubmissionAuthorization",
        }
      : null,
  }));

  app.post<{ Params: { id: string } }>("/v1/models/:id/proofs", { preHandler: authenticate }, async (req, reply) => {
    try {
      const { job, created } = await o.queue.enqueue(await newJobOf(o, req.params.id, req.body, tenantOf(req)));
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

  // Any other route: the API's own error shape, not fastify's.
  app.setNotFoundHandler((req, reply) =>
    refuse(
      reply,
      new BadRequest(
        404,
        "not_found",
        `No route ${req.method} ${req.url.split("?")[0]}: the API has POST /v1/models/{id}/proofs, GET /v1/jobs/{id}, GET /v1/models, GET /v1/openapi.json, GET /healthz and GET /metrics.`,
      ),
    ),
  );

  return app;
}

type ProofRequest = z.infer<typeof proofRequestSchema>;

/** The job a proof request asks for, after every check (model, envelope, input, nonce, submit, relaying); throws a BadRequest naming the field. */
async function newJobOf(o: ApiOptions, modelName: string, rawBody: unknown, owner: string): Promise<NewJob> {
  const model = o.models.get(modelName);
  if (!model)
    throw new BadRequest(
      404,
      "unknown_model",
      `No model \`${modelName}\` in this service; it serves ${[...o.models.keys()].join(", ")} (GET /v1/models).`,
      "id",
    );
  if (rawBody === null || typeof rawBody !== "object" || Array.isArray(rawBody)) {
    throw new BadRequest(400, "invalid_request", "The body must be a JSON object: {input, subject, nonce?, submit?, idempotencyKey?, authorization?}.");
  }
  const parsed = proofRequestSchema.safeParse(rawBody);
  if (!parsed.success) throw schemaRefusal(parsed.error.issues[0]!, rawBody as Record<string, unknown>);
  const body = parsed.data;
  try {
    validateInput(model, body.input);
  } catch (e) {
    const err = e as Error & { field?: string };
    if (err.name === "InputValidationError") throw new BadRequest(422, "invalid_input", err.message, err.field === "(root)" ? "input" : `input.${err.field}`);
    throw e;
  }
  const nonce = body.nonce === undefined ? randomNonce() : String(body.nonce);
  if (BigInt(nonce) >= FIELD_MODULUS) throw new BadRequest(400, "invalid_request", "`nonce` must be below the BN254 scalar field r (about 2^254).", "nonce");
  const submit = body.submit ?? o.canSubmit;
  if (submit && !o.canSubmit) {
    throw new BadRequest(
      400,
      "invalid_request",
      "`submit` is true but this service has no chain configured (start it with --rpc); send submit: false to get the proof only.",
      "submit",
    );
  }
  await checkRelaying(o, model, body, submit);
  return {
    owner,
    model: model.name,
    input: body.input as Record<string, number>,
    subject: body.subject,
    nonce,
    submit,
    idempotencyKey: body.idempotencyKey,
    ...(body.authorization && submit ? { authorization: { deadline: String(body.authorization.deadline), signature: body.authorization.signature } } : {}),
  };
}

/** The refusal of the schema's first complaint, naming the field as the client wrote it (e.g. authorization.deadline) and its rule. */
function schemaRefusal(issue: z.core.$ZodIssue, body: Record<string, unknown>): BadRequest {
  const within = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const names = issue.keys.map((k) => [...within, k].join("."));
    return new BadRequest(
      400,
      "invalid_request",
      within.length === 0
        ? `Unknown field(s) ${names.map((k) => `\`${k}\``).join(", ")}: a proof request has input, subject, nonce, submit, idempotencyKey and authorization.`
        : `Unknown field(s) ${names.map((k) => `\`${k}\``).join(", ")}: \`authorization\` has deadline, signature and submitter.`,
      names.join(", "),
    );
  }
  const named = within.slice(0, 2);
  const field = named.length > 0 ? named.join(".") : "(body)";
  const value = named.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), body);
  // The field's own rule, else its parent's.
  const rule = FIELD_RULES[field] ?? FIELD_RULES[named[0] ?? ""] ?? issue.message;
  const message = value === undefined ? `\`${field}\` is required: it ${rule}.` : `\`${field}\` ${rule}; got ${JSON.stringify(value).slice(0, 60)}.`;
  return new BadRequest(400, "invalid_request", message, field);
}

/**
 * Who may have the service submit for `subject`, checked before anything is stored or proved:
 * - never the service's own submitter address, unless the operator allows it (`--allow-self-subject`):
 *   such a job needs no authorization, so any tenant could spend the operator's nonces (43);
 * - another subject only with its `authorization` (the hub lets only the subject, or a relayer it
 *   authorised, use its nonce on a model without attested inputs), checked now as the hub will check
 *   it: signer, submitter, deadline (44).
 */
async function checkRelaying(o: ApiOptions, model: ServiceModel, body: ProofRequest, submit: boolean): Promise<void> {
  const isSelf = o.submitter !== undefined && body.subject.toLowerCase() === o.submitter.toLowerCase();
  if (submit && isSelf && !o.allowSelfSubject) {
    throw new BadRequest(
      403,
      "subject_is_submitter",
      `\`subject\` ${body.subject} is this service's own submitting account: submitting for it needs no authorization, so it would spend the operator's nonces and act in the operator's name. ` +
        `The operator allows it by starting the service with --allow-self-subject; otherwise send another subject (with its authorization), or submit: false.`,
      "subject",
    );
  }
  if (body.authorization && !submit) {
    throw new BadRequest(
      400,
      "invalid_request",
      "`authorization` is for a submitted request: send submit: true (or leave submit out) with it, or drop it.",
      "authorization",
    );
  }
  if (!submit || isSelf || model.ir.attestation) return;
  if (!body.authorization) {
    throw new BadRequest(
      400,
      "invalid_request",
      `\`authorization\` is required to submit for subject ${body.subject} on model \`${model.name}\` (its inputs are not attested): it ${AUTHORIZATION_RULE}. Or send submit: false and submit the proof from the subject's own account.`,
      "authorization",
    );
  }
  if (body.nonce === undefined) {
    throw new BadRequest(400, "invalid_request", "`nonce` is required with `authorization`: the subject signs it, so send the nonce it signed.", "nonce");
  }
  const modelId = o.modelIds[model.name];
  if (!o.relay || modelId === undefined) return;
  try {
    await checkAuthorization(o.relay, {
      modelId,
      subject: body.subject as Address,
      nonce: BigInt(body.nonce),
      deadline: BigInt(body.authorization.deadline),
      signature: body.authorization.signature as Hex,
      submitter: body.authorization.submitter as Address | undefined,
    });
  } catch (e) {
    if (e instanceof AuthorizationRefusal) throw new BadRequest(e.status, e.status === 503 ? "chain_unavailable" : "invalid_authorization", e.message, e.field);
    throw e;
  }
}
