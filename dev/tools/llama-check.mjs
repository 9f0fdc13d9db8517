// llama.cpp (node-llama-cpp's prebuilt CPU binary) on a GGUF file, for the export test and bench/generate.sh.
// Usage: node llama-check.mjs REQUEST.json   (prints one JSON object on stdout)
// REQUEST: {model, prompts: [[ids]], texts: [string], maxTokens, threads, contextSize, top}
// Reply: {tokenized: [[ids]] per text, greedy: [[ids]] per prompt, top: [[[id, p], …] per generated step] per prompt,
//         decodeSeconds: [s] per prompt (generation only, prompt evaluation excluded)}
import { readFileSync } from "node:fs";
import { getLlama } from "node-llama-cpp";

const req = JSON.parse(readFileSync(process.argv[2], "utf8"));
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath: req.model });
const context = await model.createContext({ contextSize: req.contextSize ?? 512, threads: req.threads ?? 1, batchSize: 512 });
const eos = model.tokens.eos;
const out = { tokenized: [], greedy: [], top: [], decodeSeconds: [] };
for (const text of req.texts ?? []) out.tokenized.push(Array.from(model.tokenize(text)));
for (const prompt of req.prompts ?? []) {
  const seq = context.getSequence();
  const ids = [], top = [];
  let start = null;
  const gen = seq.evaluateWithMetadata(prompt, { probabilities: (req.top ?? 0) > 0 }, { temperature: 0 });
  for await (const step of gen) {
    if (start === null) start = process.hrtime.bigint(); // the first token comes after the prompt's evaluation
    if (step.probabilities) {
      top.push([...step.probabilities.entries()].sort((a, b) => b[1] - a[1]).slice(0, req.top).map(([t, p]) => [t, p]));
    }
    if (step.token === eos) break;
    ids.push(step.token);
    if (ids.length >= req.maxTokens) break;
  }
  out.decodeSeconds.push(start === null ? 0 : Number(process.hrtime.bigint() - start) / 1e9);
  out.greedy.push(ids);
  out.top.push(top);
  seq.dispose();
}
process.stdout.write(JSON.stringify(out) + "\n");
await context.dispose();
await model.dispose();
await llama.dispose();
