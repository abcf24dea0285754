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

/**
 * A real authorization (test/service/relay.test.ts checks that it recovers to its subject): Hardhat's
 * account #1 lets account #0 submit its statement for model 1, nonce 7, until 2027-01-01, on chain
 * 31337 with the hub at Hardhat's first deployment address.
 */
export const AUTHORIZATION_EXAMPLE = {
  deadline: "1798761600",
  signature: "0x48268845876e19df77a2add686bd1e36047783b648f4cb2db1896d023403959807a8bf87e3eecfda771ef2cbf314b3b38fa41077f55e7e8b865ab3b23b24582f1c",
};

export function openApiDocument(models: string[]) {
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
      schemas: SCHEMAS,
    },
    paths: apiPaths(models),
  };
}

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });

/** The request, job and relaying schemas. */
const SCHEMAS = {
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
      authorization: { $ref: "#/components/schemas/SubmissionAuthorization" },
    },
    examples: [
      {
        input: { checking_account: 1, duration_months: 12, "...": 0 },
        subject: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        nonce: "7",
        idempotencyKey: "order-7",
        authorization: AUTHORIZATION_EXAMPLE,
      },
    ],
  },
  SubmissionAuthorization: {
    type: "object",
    additionalProperties: false,
    required: ["deadline", "signature"],
    description:
      "The subject's permission for this service to submit its statement (InferenceHub.verifyAndActFor). Required to submit for any subject " +
      "but the service's own account on a model without attested inputs: the hub lets only the subject, or a relayer it authorised, use up its nonce. " +
      "The subject signs the EIP-712 typed data SubmissionAuthorization(uint256 modelId, address subject, uint256 nonce, address submitter, uint256 deadline) " +
      'in the domain {name: "zkinfer InferenceHub", version: "1", chainId, verifyingContract: the hub}, with modelId the model\'s on-chain id, nonce the request\'s ' +
      "nonce (so `nonce` is required with an authorization) and submitter this service's submitting account; GET /v1/models returns all of these under `relaying`. " +
      "An account without code signs with ECDSA (65 bytes, low s); a contract wallet is asked isValidSignature (ERC-1271). Checked when the request arrives: " +
      "a wrong signer, submitter, model, nonce or deadline is refused with 422 naming authorization.signature, authorization.submitter or authorization.deadline, before anything is proved.",
    properties: {
      deadline: {
        oneOf: [
          { type: "string", pattern: "^[1-9][0-9]{0,19}$" },
          { type: "integer", minimum: 1 },
        ],
        description:
          "Unix seconds; the hub refuses the authorization in a later block. Must leave at least relaying.minDeadlineSeconds when the request arrives (the queue, the proof and the transaction).",
      },
      signature: { type: "string", pattern: "^0x([0-9a-fA-F]{2})+$", description: "The subject's signature of the typed data, 0x-hex." },
      submitter: {
        type: "string",
        pattern: "^0x[0-9a-fA-F]{40}$",
        description: "Optional: the submitter the subject signed for. When given it must be this service's submitting account (else 422 naming it).",
      },
    },
    examples: [{ ...AUTHORIZATION_EXAMPLE, submitter: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" }],
  },
  Relaying: {
    type: ["object", "null"],
    description: "What a subject signs so that this service may submit for it (null when the service has no chain).",
    properties: {
      submitter: { type: "string", description: "this service's submitting account: the typed data's `submitter`" },
      minDeadlineSeconds: { type: "integer", description: "the least time a deadline must leave when the request arrives" },
      domain: { type: "object", description: "the EIP-712 domain: name, version, chainId, verifyingContract (the hub)" },
      types: { type: "object", description: "the EIP-712 types (SubmissionAuthorization)" },
      primaryType: { type: "string", enum: ["SubmissionAuthorization"] },
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
          "the logs contracts other than the hub emitted in the transaction that recorded the statement (e.g. CreditGate's CreditLineOpened or CreditRefused): " +
          "decoded when the service has the consumer's ABI (a bundled consumer, or `serve --consumer-abi`), else raw (event and args null, topics and data)",
        items: {
          type: "object",
          required: ["contract", "event", "args", "topics", "data"],
          properties: {
            contract: { type: "string" },
            event: { type: ["string", "null"] },
            args: { type: ["object", "null"], description: "by parameter name; integers as decimal strings" },
            topics: { type: "array", items: { type: "string" } },
            data: { type: "string" },
          },
        },
      },
      txHash: { type: ["string", "null"] },
      blockNumber: { type: ["string", "null"] },
      alreadyOnChain: {
        type: "boolean",
        description:
          "this job's statement (same public signals) was already recorded by another transaction; another statement under the same (subject, nonce) fails the job with kind conflict",
      },
      aggregation: { $ref: "#/components/schemas/Aggregation" },
      segmented: { $ref: "#/components/schemas/Segmented" },
      error: { type: ["object", "null"], properties: { kind: { type: "string", enum: [...FAILURE_KINDS] }, message: { type: "string" } } },
    },
  },
  Segmented: {
    type: ["object", "null"],
    description:
      "Set when the job's model is proved in segments (docs/SEGMENTS.md): `proofBytes` are the SegmentedVerifier's (the K segment proofs, then the K - 1 " +
      "boundary commitments), `proof` the K Groth16 proofs. Null for a model proved in one proof.",
    required: ["k", "segments"],
    properties: {
      k: { type: "integer", description: "the number of segments" },
      segments: {
        type: "array",
        description: "per segment, in order: the deliveries it took (a failed segment is retried on its own) and the process that proved it (host:pid)",
        items: { type: "object", required: ["attempts", "provedBy"], properties: { attempts: { type: "integer" }, provedBy: { type: "string" } } },
      },
    },
  },
  Aggregation: {
    type: ["object", "null"],
    description:
      "Set when the job was proved in an aggregated batch (docs/AGGREGATION.md): then `proof`, `proofBytes` and `publicSignals` are the batch's, and " +
      "`txHash` is the batch's one verifyAndActAggregated transaction. The subject checks its own statement with the SDK's verifyAggregatedTransaction " +
      "({ slot, inputCommitment, inclusionPath }). Null for a single proof. Field elements as decimal strings.",
    required: ["batchId", "n", "slot", "jobIds", "inputRoot", "inputCommitment", "inclusionPath", "outputs"],
    properties: {
      batchId: { type: "string", description: "the batch: one aggregated proof, one transaction" },
      n: { type: "integer", description: "the keys' batch size (the proof's slots; the slots after the last job are empty)" },
      slot: { type: "integer", description: "this job's statement's slot" },
      jobIds: {
        type: "array",
        items: { type: ["string", "null"] },
        description: "the batch's jobs by slot: those of the caller's API key, null for another key's job",
      },
      inputRoot: { type: "string", description: "the Poseidon root of the batch's input commitments (a public signal)" },
      inputCommitment: { type: "string", description: "this statement's input commitment: the leaf at `slot`" },
      inclusionPath: {
        type: "object",
        required: ["slot", "siblings"],
        properties: { slot: { type: "integer" }, siblings: { type: "array", items: { type: "string" } } },
        description: "the leaf's siblings up to inputRoot (verifyInclusion)",
      },
      outputs: {
        type: "array",
        items: { type: "string" },
        description: "this statement's outputs as field elements, as a single proof's public signals carry them",
      },
    },
  },
};

/** The routes; `models` are the served models' names (the path parameter's enum). */
function apiPaths(models: string[]) {
  return {
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
          "400": errorResponse("malformed request (the field is named); `authorization` missing for another subject, or `nonce` missing with it"),
          "401": errorResponse("missing or unknown API key"),
          "403": errorResponse(
            "subject_is_submitter: the subject is this service's own submitting account, which the operator has not allowed (--allow-self-subject)",
          ),
          "404": errorResponse("unknown model"),
          "409": errorResponse("idempotencyKey reused with another body"),
          "413": errorResponse("body too large"),
          "415": errorResponse("not JSON"),
          "422": errorResponse(
            "input outside the model's feature spec (the feature and its range are named), or an authorization the hub would refuse: " +
              "authorization.signature (not the subject's signature of this model, nonce, submitter and deadline), authorization.deadline (past, or too close), authorization.submitter",
          ),
          "503": errorResponse("chain_unavailable: the chain did not answer while the authorization was checked; send the request again"),
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
    "/v1/models": {
      get: {
        summary: "Served models with their feature specs and on-chain ids, and `relaying`: what a subject signs to let this service submit for it",
        responses: {
          "200": {
            description: "models",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: { models: { type: "array", items: { type: "object" } }, relaying: { $ref: "#/components/schemas/Relaying" } },
                },
              },
            },
          },
        },
      },
    },
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
  };
}
