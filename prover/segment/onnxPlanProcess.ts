/** The segment plan's child process (./onnxPlan.ts): reads its job from the environment, answers once, exits. */
import { planOnnxInProcess } from "./onnxPlan.js";

const job = JSON.parse(process.env.ZKINFER_SEGMENT_PLAN ?? "{}") as { onnxPath: string; inputPath: string; maxSegmentConstraints: number; options: object };
try {
  const plan = await planOnnxInProcess(job.onnxPath, job.inputPath, job.maxSegmentConstraints, job.options);
  process.send!({ ok: true, plan }, () => process.exit(0));
} catch (e) {
  process.send!({ ok: false, error: e instanceof Error ? e.message : String(e) }, () => process.exit(0));
}
