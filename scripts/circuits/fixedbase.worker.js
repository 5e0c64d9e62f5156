// The fixed-base multiplication worker of scripts/circuits/fixedbase.ts (plain CommonJS, started by its
// Pool with `new Worker(this file)`): it instantiates ffjavascript's bn128 WebAssembly module in its own
// memory, precomputes the window tables for G1 and G2, and computes each task's points.
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const SS = 40; // stride of integer scalars: 32 bytes and 8 zero bytes so a window read never crosses into the next one
const FR = 32;

let ex, memory, u8, top, arena;
let busy = 0;
const SCRATCH = 1 << 24;

function ensure(bytes) {
  const have = memory.buffer.byteLength;
  if (have < bytes) memory.grow(Math.ceil((bytes - have) / 65536));
  u8 = new Uint8Array(memory.buffer);
}
function alloc(n) {
  const p = (top + 63) & ~63;
  top = p + n;
  ensure(top + SCRATCH);
  new Uint32Array(memory.buffer)[0] = top; // the module's own temporaries go above
  return p;
}
function setBytes(p, b) {
  u8.set(b, p);
}

const groups = {};

function buildTable(gr, W) {
  const NWIN = Math.ceil(254 / W),
    NENT = (1 << W) - 1;
  Object.assign(gr, { W, NWIN, NENT, MASK: NENT });
  const pre = gr.pre,
    sJ = gr.sJ,
    sA = gr.sA;
  gr.table = alloc(NWIN * NENT * sA);
  const tmp = alloc(NENT * sJ);
  const baseJ = alloc(sJ);
  const baseA = alloc(sA);
  u8.copyWithin(baseJ, gr.gen, gr.gen + sJ);
  const addMixed = ex[pre + "_addMixed"];
  for (let j = 0; j < NWIN; j++) {
    ex[pre + "_toAffine"](baseJ, baseA);
    u8.copyWithin(tmp, baseJ, baseJ + sJ);
    for (let d = 1; d < NENT; d++) addMixed(tmp + (d - 1) * sJ, baseA, tmp + d * sJ);
    ex[pre + "_batchToAffine"](tmp, NENT, gr.table + j * NENT * sA);
    addMixed(tmp + (NENT - 1) * sJ, baseA, baseJ); // 2^W · base
  }
}

async function init() {
  memory = new WebAssembly.Memory({ initial: 25 });
  const instance = await WebAssembly.instantiate(workerData.module, { env: { memory } });
  ex = instance.exports;
  top = new Uint32Array(memory.buffer)[0]; // the module's first free byte
  ensure(top + SCRATCH);
  groups[1] = { pre: "g1m", sJ: 96, sA: 64, sC: 32, gen: workerData.pG1gen };
  groups[2] = { pre: "g2m", sJ: 192, sA: 128, sC: 64, gen: workerData.pG2gen };
  buildTable(groups[1], workerData.windows[0]);
  buildTable(groups[2], workerData.windows[1]);
  arena = top;
}

function computeScalars(task, pM) {
  let o = 0;
  for (const s of task.segs) {
    if (s.t === "raw") {
      u8.set(s.scalars, pM + o * FR);
    } else if (s.t === "pow") {
      const pCur = alloc(FR),
        pInc = alloc(FR);
      setBytes(pCur, s.first);
      setBytes(pInc, s.inc);
      for (let k = 0; k < s.count; k++) {
        ex.frm_copy(pCur, pM + (o + k) * FR);
        ex.frm_mul(pCur, pInc, pCur);
      }
    } else {
      const n = s.count;
      const c = alloc(6 * FR),
        pOm = c,
        pW = c + FR,
        pTau = c + 2 * FR,
        pF = c + 3 * FR,
        pCorr = c + 4 * FR,
        pT = c + 5 * FR;
      const pD = alloc(n * FR),
        pWv = alloc(n * FR),
        pI = alloc(n * FR);
      setBytes(pOm, s.omega);
      setBytes(pW, s.w0);
      setBytes(pTau, s.tau);
      setBytes(pF, s.factor);
      if (s.corr) setBytes(pCorr, s.corr);
      const pHot = alloc(FR);
      setBytes(pHot, s.hot);
      for (let k = 0; k < n; k++) {
        ex.frm_sub(pTau, pW, pD + k * FR);
        ex.frm_copy(pW, pWv + k * FR);
        ex.frm_mul(pW, pOm, pW);
      }
      ex.frm_batchInverse(pD, FR, n, pI, FR);
      for (let k = 0; k < n; k++) {
        const out = pM + (o + k) * FR;
        if (ex.frm_isZero(pD + k * FR)) {
          ex.frm_copy(pHot, out);
        } else {
          ex.frm_mul(pF, pWv + k * FR, out);
          ex.frm_mul(out, pI + k * FR, out);
        }
        if (s.corr) {
          ex.frm_mul(pCorr, pWv + k * FR, pT);
          ex.frm_sub(out, pT, out);
        }
      }
    }
    o += s.count;
  }
}

function run(task) {
  top = arena;
  const gr = groups[task.group];
  const n = task.n,
    sJ = gr.sJ,
    sA = gr.sA,
    pre = gr.pre;
  const pM = alloc(n * FR);
  const pS = alloc(n * SS);
  const pJ = alloc(n * sJ);
  const pA = alloc(n * sA);
  computeScalars(task, pM);
  u8.fill(0, pS, pS + n * SS);
  for (let i = 0; i < n; i++) ex.frm_fromMontgomery(pM + i * FR, pS + i * SS);
  const addMixed = ex[pre + "_addMixed"],
    zero = ex[pre + "_zero"];
  const W = gr.W,
    MASK = gr.MASK,
    END = gr.NWIN * W;
  const table = gr.table,
    step = gr.NENT * sA;
  const mem = u8;
  for (let i = 0; i < n; i++) {
    const acc = pJ + i * sJ;
    zero(acc);
    const sb = pS + i * SS;
    let tb = table - sA;
    for (let bit = 0; bit < END; bit += W) {
      const b = sb + (bit >>> 3);
      const d = ((mem[b] | (mem[b + 1] << 8) | (mem[b + 2] << 16)) >>> (bit & 7)) & MASK;
      if (d !== 0) addMixed(acc, tb + d * sA, acc);
      tb += step;
    }
  }
  ex[pre + "_batchToAffine"](pJ, n, pA);
  const lem = task.out.lem ? u8.slice(pA, pA + n * sA) : null;
  let comp = null,
    unc = null;
  if (task.out.c) {
    ex[pre + "_batchLEMtoC"](pA, n, pJ);
    comp = u8.slice(pJ, pJ + n * gr.sC);
  }
  if (task.out.u) {
    ex[pre + "_batchLEMtoU"](pA, n, pJ);
    unc = u8.slice(pJ, pJ + n * sA);
  }
  return { lem, comp, unc };
}

init().then(
  () => {
    parentPort.postMessage({ ready: true });
    parentPort.on("message", (task) => {
      try {
        const t0 = Date.now();
        const { lem, comp, unc } = run(task);
        busy += Date.now() - t0;
        const transfer = [lem, comp, unc].filter(Boolean).map((b) => b.buffer);
        parentPort.postMessage({ id: task.id, lem, comp, unc, busy }, transfer);
      } catch (e) {
        parentPort.postMessage({ id: task.id, error: String((e && e.stack) || e) });
      }
    });
  },
  (e) => parentPort.postMessage({ error: String((e && e.stack) || e) }),
);
