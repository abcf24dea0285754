/** The OpenAPI 3.1 document served at /v1/openapi.json (hand-written: it is the contract the tests check). */
import { JOB_STATUSES, FAILURE_KINDS } from "./jobs.js";

const error = {
  type: "object",
  required: ["error", "message"],
  properties: {
    error: { type: "string", description: "machine-readable reason, e.g. invalid_input" },
    message: { type: "string", description: "what is wrong and what is allowed" },
    field: { type: "string", description: "the offending field, e.g. input.duration_months" },
  },
};

export function openApiDocument(models: string[]) {
  const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
  return {
    openapi: "3.1.0",
    info: {
      title: "zkinfer prover service",
      version: "1.0.0",
      description: "Inference requests in, Groth16 proofs and verified on-chain actions (InferenceHub.verifyAndAct) out.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key; the service stores only its SHA-256 hash." } },
      schemas: {
        Error: error,
        ProofRequest: {
          type: "object",
          additionalProperties: false,
          required: ["input", "subject"],
          properties: {
            input: {
              type: "object",
              additionalProperties: { type: "number" },
              description: "Feature name -> value, each within the model's declared range (GET /v1/models). Private: deleted once the proof is done.",
            },
            subject: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$", description: "Beneficiary address; the consumer acts for it." },
            nonce: {
              oneOf: [
                { type: "string", pattern: "^(0|[1-9][0-9]*)$" },
                { type: "integer", minimum: 0 },
              ],
              description: "Replay key with (model, subject); random when omitted.",
            },
            submit: { type: "boolean", description: "Send verifyAndAct after proving; default true when the service has a chain." },
            idempotencyKey: {
              type: "string",
              pattern: "^[A-Za-z0-9._:-]{1,128}$",
              description: "Retrying with the same key and body returns the first job (200); another body gets 409.",
            },
          },
        },
        Accepted: {
          type: "object",
          required: ["jobId", "status", "nonce"],
          properties: { jobId: { type: "string" }, status: { type: "string", enum: [...JOB_STATUSES] }, nonce: { type: "string" } },
        },
        Job: {
          type: "object",
          required: ["id", "model", "status", "subject", "nonce", "submit", "attempts", "timings"],
          properties: {
            id: { type: "string" },
            model: { type: "string" },
            status: { type: "string", enum: [...JOB_STATUSES] },
            subject: { type: "string" },
            nonce: { type: "string" },
            submit: { type: "boolean" },
            attempts: { type: "integer" },
            createdAt: { type: "string", format: "date-time" },
            updatedAt: { type: "string", format: "date-time" },
            timings: {
              type: "object",
              properties: Object.fromEntries(["queuedMs", "witnessMs", "proveMs", "submitMs", "confirmMs"].map((k) => [k, { type: "number" }])),
            },
            proof: { type: ["object", "null"], description: "snarkjs Groth16 proof" },
            proofBytes: { type: ["string", "null"], description: "abi-encoded proof for verifyAndAct" },
            publicSignals: { type: ["array", "null"], items: { type: "string" } },
            outputVisibility: { type: ["string", "null"], enum: ["public", "hashed", "threshold", null], description: "what the proof reveals of the outputs" },
            outputs: {
              type: ["object", "null"],
              additionalProperties: { type: "number" },
              description: "the proved outputs in the model's units, by name (public outputs only; null before the proof)",
            },
            consumerEvents: {
              type: ["array", "null"],
              description:
                "events the model's consumer emitted in the transaction that recorded the statement (e.g. CreditGate's CreditLineOpened or CreditRefused)",
              items: {
                type: "object",
                properties: { contract: { type: "string" }, event: { type: "string" }, args: { type: "object", additionalProperties: { type: "string" } } },
              },
            },
            txHash: { type: ["string", "null"] },
            blockNumber: { type: ["string", "null"] },
            alreadyOnChain: {
              type: "boolean",
              description:
                "this job's statement (same public signals) was already recorded by another transaction; another statement under the same (subject, nonce) fails the job with kind conflict",
            },
            error: { type: ["object", "null"], properties: { kind: { type: "string", enum: [...FAILURE_KINDS] }, message: { type: "string" } } },
          },
        },
      },
    },
    paths: {
      "/v1/models/{id}/proofs": {
        post: {
          summary: "Queue a proof (and by default its on-chain submission)",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", enum: models } }],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/ProofRequest" } } } },
          responses: {
            "202": { description: "queued", content: { "application/json": { schema: { $ref: "#/components/schemas/Accepted" } } } },
            "200": {
              description: "an earlier job with the same idempotencyKey",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Accepted" } } },
            },
            "400": errorResponse("malformed request (the field is named)"),
            "401": errorResponse("missing or unknown API key"),
            "404": errorResponse("unknown model"),
            "409": errorResponse("idempotencyKey reused with another body"),
            "413": errorResponse("body too large"),
            "415": errorResponse("not JSON"),
            "422": errorResponse("input outside the model's feature spec (the feature and its range are named)"),
          },
        },
      },
      "/v1/jobs/{id}": {
        get: {
          summary: "A job's status, step timings, proof, public signals, transaction, error",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "the job", content: { "application/json": { schema: { $ref: "#/components/schemas/Job" } } } },
            "404": errorResponse("unknown job"),
          },
        },
      },
      "/v1/models": { get: { summary: "Served models with their feature specs", responses: { "200": { description: "models" } } } },
      "/v1/openapi.json": { get: { summary: "This document", security: [], responses: { "200": { description: "OpenAPI 3.1" } } } },
      "/healthz": {
        get: {
          summary: "Liveness: {status, queue} without a key; with a key also the provers' pids and peak RSS and the submitter's address",
          security: [],
          responses: { "200": { description: "ok" } },
        },
      },
      "/metrics": {
        get: {
          summary:
            "Prometheus metrics: zkinfer_queue_jobs{status}, zkinfer_proof_duration_seconds, zkinfer_job_failures_total{kind}, zkinfer_requests_rejected_total{reason} (aggregate counters only: for the operator's scraper)",
          security: [],
          responses: { "200": { description: "text/plain; version=0.0.4" } },
        },
      },
    },
  };
}
