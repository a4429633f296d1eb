// Settles pre-split stays with the ZEN decision graph hunan2017.json.
//
//   node run.mjs [--in work/zen_inputs.jsonl] [--limit 200000] [--out work/zen_paid.csv]
//                [--graph hunan2017.json] [--chunk 1000] [--warmup 1000] [--traced 20000]
//
// The input (written by make_inputs) is grouped by person and in processing
// order; each person-year's ledger (paid and accumulated per channel) is carried
// from one of that person's stays to the next. The decision is loaded once; the
// first --warmup stays are evaluated once and thrown away; then every stay is
// evaluated, timed (wall and process CPU time of the evaluation loop only), in
// two variants:
//
//   sequential  `await decision.evaluate(ctx)` one stay after the other;
//   batched     chunks of --chunk stays; within a chunk, each person-year's
//               stays are a sequential chain (the ledger makes them dependent)
//               and the chains run concurrently under Promise.all.
//
// Each variant writes its paid amounts, one line per stay:
//   stay_id,basic,critical_illness,commercial,medical_aid,hospital_waiver,backstop,patient_pays
// to --out (sequential) and --out with ".batched" before the extension.
//
// Then, with --traced N (N > 0), the first N stays again, with ZEN's trace on
// (`decision.evaluate(ctx, { trace: true })`: every node's input, output and
// time, as JavaScript objects), both variants, after a traced warm-up of
// --warmup stays; their payments go to --out with ".traced" before the
// extension (sequential) and ".traced.batched" (batched), and the trace's
// nodes per stay are counted (`zen_traced_nodes_per_stay`).
// The figures go to standard output as `key=value` lines.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ZenEngine } from '@gorules/zen-engine';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = {
  in: `${here}work/zen_inputs.jsonl`,
  limit: 200000,
  out: `${here}work/zen_paid.csv`,
  graph: `${here}hunan2017.json`,
  chunk: 1000,
  warmup: 1000,
  traced: 20000,
};
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in args) || i + 1 >= process.argv.length) {
    console.error('usage: node run.mjs [--in FILE] [--limit N] [--out FILE] [--graph FILE] [--chunk N] [--warmup N] [--traced N]');
    process.exit(2);
  }
  args[k] = typeof args[k] === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}

const CHANNELS = ['basic', 'critical_illness', 'commercial', 'medical_aid', 'hospital_waiver', 'backstop'];

// ---- read the stays (not timed) -------------------------------------------
const stays = [];
for (const line of fs.readFileSync(args.in, 'utf8').split('\n')) {
  if (stays.length >= args.limit) break;
  if (line.trim() === '') continue;
  const s = JSON.parse(line);
  stays.push({
    id: s.stay_id,
    key: `${s.person_id}|${s.year}`, // ledger: per person and calendar year
    prior: s.prior ?? null,
    ctx: {
      in_scope: s.in_scope,
      pre_selfpay: s.pre_selfpay,
      over_limit: s.over_limit,
      full_selfpay: s.full_selfpay,
      hospital_level: s.hospital_level,
      region: s.region,
      rural_poor: s.rural_poor,
      dibao_or_tekun: s.dibao_or_tekun,
      nine_major: s.nine_major,
      ledger: null,
    },
  });
}
const N = stays.length;

function startLedger(prior) {
  const led = {};
  for (const c of CHANNELS) led[c] = { paid: prior?.[c]?.paid ?? 0, acc: prior?.[c]?.acc ?? 0 };
  return led;
}

// ---- the decision, loaded once ----------------------------------------------
const engine = new ZenEngine();
const decision = engine.createDecision(fs.readFileSync(args.graph));

// With `opts` = TRACE, ZEN also returns its trace; its nodes are counted here
// (the trace is built and converted to JavaScript objects either way).
const TRACE = { trace: true };
let traceNodes = 0;

// One stay: the ledger before it in, the updated ledger out.
async function settleOne(stay, ledgers, results, i, opts) {
  let led = ledgers.get(stay.key);
  if (stay.prior !== null || led === undefined) led = startLedger(stay.prior);
  stay.ctx.ledger = led;
  const resp = await decision.evaluate(stay.ctx, opts);
  if (opts === TRACE) traceNodes += Object.keys(resp.trace).length;
  const r = resp.result;
  ledgers.set(stay.key, r.ledger);
  if (results !== null) results[i] = r;
}

async function sequential(list, results, opts) {
  const ledgers = new Map();
  for (let i = 0; i < list.length; ++i) await settleOne(list[i], ledgers, results, i, opts);
}

async function batched(list, results, chunk, opts) {
  const ledgers = new Map();
  for (let start = 0; start < list.length; start += chunk) {
    const end = Math.min(start + chunk, list.length);
    const chains = new Map(); // person-year -> indices, in order
    for (let i = start; i < end; ++i) {
      const k = list[i].key;
      let c = chains.get(k);
      if (c === undefined) chains.set(k, (c = []));
      c.push(i);
    }
    await Promise.all(
      [...chains.values()].map(async (idx) => {
        for (const i of idx) await settleOne(list[i], ledgers, results, i, opts);
      }),
    );
  }
}

function writeResults(file, results) {
  const n = results.length;
  const out = new Array(n);
  for (let i = 0; i < n; ++i) {
    const r = results[i];
    const p = r.paid;
    out[i] = `${stays[i].id},${CHANNELS.map((c) => p[c]).join(',')},${r.patient_pays}`;
  }
  fs.writeFileSync(file, out.join('\n') + '\n');
}

async function timed(name, fn, n = N) {
  const results = new Array(n);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn(results);
  const wall = (performance.now() - t0) / 1000;
  const cpuUsed = process.cpuUsage(cpu0);
  const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
  console.log(`zen_${name}_seconds=${wall.toFixed(3)}`);
  console.log(`zen_${name}_stays_per_s=${(n / wall).toFixed(0)}`);
  console.log(`zen_${name}_cpu_seconds=${cpu.toFixed(3)}`);
  console.log(`zen_${name}_stays_per_cpu_s=${(n / cpu).toFixed(0)}`);
  return results;
}

// ---- warm-up, then the two timed variants ----------------------------------
await sequential(stays.slice(0, args.warmup), null);
await batched(stays.slice(0, args.warmup), null, args.chunk);

console.log(`zen_version=${JSON.parse(fs.readFileSync(`${here}node_modules/@gorules/zen-engine/package.json`)).version}`);
console.log(`zen_stays=${N}`);
const seq = await timed('sequential', (res) => sequential(stays, res));
writeResults(args.out, seq);
const bat = await timed('batched', (res) => batched(stays, res, args.chunk));
writeResults(args.out.replace(/(\.[^./]*)?$/, '.batched$1'), bat);

// ---- the same, traced, on the first --traced stays ---------------------------
if (args.traced > 0) {
  const sub = stays.slice(0, Math.min(args.traced, N));
  await sequential(sub.slice(0, args.warmup), null, TRACE);
  await batched(sub.slice(0, args.warmup), null, args.chunk, TRACE);
  console.log(`zen_traced_stays=${sub.length}`);
  traceNodes = 0;
  const tseq = await timed('traced_sequential', (res) => sequential(sub, res, TRACE), sub.length);
  console.log(`zen_traced_nodes_per_stay=${(traceNodes / sub.length).toFixed(2)}`);
  writeResults(args.out.replace(/(\.[^./]*)?$/, '.traced$1'), tseq);
  const tbat = await timed('traced_batched', (res) => batched(sub, res, args.chunk, TRACE), sub.length);
  writeResults(args.out.replace(/(\.[^./]*)?$/, '.traced.batched$1'), tbat);
}
