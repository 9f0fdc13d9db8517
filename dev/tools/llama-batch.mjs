// llama.cpp (node-llama-cpp's prebuilt CPU binary) decoding C sequences at once in one context (node-llama-cpp
// batches concurrent sequences into one llama_decode), the peer of bench/serve.sh's server load.
// Usage: node llama-batch.mjs REQUEST.json   (prints one JSON object on stdout)
// REQUEST: {model, prompt: [ids], maxTokens, threads, contextSize, concurrency: [C…], perClient}
// Reply: {levels: [{concurrency, requests, tokens, seconds}]} — each client evaluates the prompt and decodes
// maxTokens greedily, perClient times (its sequence cleared in between), prompt evaluation included.
import { readFileSync } from "node:fs";
import { getLlama } from "node-llama-cpp";

const req = JSON.parse(readFileSync(process.argv[2], "utf8"));
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath: req.model });
const eos = model.tokens.eos;

async function client(seq) {
  let tokens = 0;
  for (let r = 0; r < req.perClient; r++) {
    await seq.clearHistory();
    let n = 0;
    for await (const token of seq.evaluate(req.prompt, { temperature: 0 })) {
      if (token === eos) break;
      if (++n >= req.maxTokens) break;
    }
    tokens += n;
  }
  return tokens;
}

const levels = [];
for (const c of req.concurrency) {
  const context = await model.createContext({ contextSize: req.contextSize, sequences: c, threads: req.threads, batchSize: 512 });
  const seqs = Array.from({ length: c }, () => context.getSequence());
  await client(seqs[0]); // warm-up
  const start = process.hrtime.bigint();
  const counts = await Promise.all(seqs.map(client));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  levels.push({ concurrency: c, requests: c * req.perClient, tokens: counts.reduce((a, b) => a + b, 0), seconds });
  await context.dispose();
}
process.stdout.write(JSON.stringify({ levels }) + "\n");
await model.dispose();
await llama.dispose();
