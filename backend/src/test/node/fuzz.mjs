// Convergence fuzz for SyncConvergenceFuzzTest: many stock automerge-repo clients spread over two
// server nodes splice random text (emoji, combining marks, CRLF) into one document while they drop
// and restore their connections; then all of them, and a fresh client on each node, must read the
// same text.
//
// Usage: SYNC_URL_A=... SYNC_URL_B=... DOC_URL=automerge:... FUZZ_SEED=123 node fuzz.mjs
// Optional: FUZZ_CLIENTS (20), FUZZ_EDITS (10000), FUZZ_RATE (edits per second in all, 60),
// FUZZ_SETTLE_MS (time to agree after the last edit, 240000), FUZZ_RETRY_MS (the stock adapter's
// reconnect interval, 2000), FUZZ_TIMEOUT_MS (watchdog), FUZZ_LOG=1 (every operation and a progress
// line every two seconds to stderr), FUZZ_RESULT_FILE (also write the result there).
//
// The seed fixes the script: which client acts, whether it inserts, deletes, drops or leaves, and
// what it types where (positions are drawn as fractions of the client's current text, so the same
// draw lands on the same spot of the same text). What network timing does with that script is not
// under the seed's control; a failure that needs a particular interleaving may take a few replays.
// The result is one JSON line on stdout.
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import * as A from "@automerge/automerge";
import fs from "node:fs";

const env = (name, fallback) => {
  const value = process.env[name];
  if (value === undefined || value === "") {
    if (fallback === undefined) throw new Error(`${name} is not set`);
    return fallback;
  }
  return value;
};

const SEED = Number.parseInt(env("FUZZ_SEED"), 10) >>> 0;
const CLIENTS = Number.parseInt(env("FUZZ_CLIENTS", "20"), 10);
const EDITS = Number.parseInt(env("FUZZ_EDITS", "10000"), 10);
const LOG = env("FUZZ_LOG", "") === "1";
const URLS = { A: env("SYNC_URL_A"), B: env("SYNC_URL_B") };
const DOC_URL = env("DOC_URL");
// The stock adapter opens a new socket every retry interval until one opens, abandoning the one
// still connecting. At 200 ms, twenty clients joining a loaded machine kept abandoning upgrades
// that took longer than that and none found the document within 20 s.
const RETRY_MS = Number.parseInt(env("FUZZ_RETRY_MS", "2000"), 10);
const RATE = Number.parseFloat(env("FUZZ_RATE", "60"));
const SETTLE_MS = Number.parseInt(env("FUZZ_SETTLE_MS", "240000"), 10);

/** A small seeded generator: splitmix32 to spread the seed, then xorshift128+ style mixing. */
function generator(seed) {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  const next = () => {
    // sfc32
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    fraction: next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}

const rng = generator(SEED);

// Pieces typed: ASCII, newlines (LF and CRLF), tab, Latin with a combining mark, CJK, astral emoji,
// an emoji with a skin-tone modifier and a ZWJ family (several code points that read as one).
const PIECES = [
  "a", "b", "c", "x", "y", "z", "Q", "0", "7", " ", " ", ".", "\n", "\n", "\r\n", "\t",
  "é", "e\u0301", "ß", "中", "文", "😀", "🎉", "👍🏽", "👨‍👩‍👧", "𝄞",
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isLow = (code) => code >= 0xdc00 && code <= 0xdfff;
const isHigh = (code) => code >= 0xd800 && code <= 0xdbff;

/** A UTF-16 index moved off the middle of a surrogate pair (automerge-js would refuse it). */
function boundary(text, index) {
  if (index > 0 && index < text.length && isLow(text.charCodeAt(index)) && isHigh(text.charCodeAt(index - 1))) {
    return index - 1;
  }
  return index;
}

function newClient(i) {
  const node = i % 2 === 0 ? "A" : "B";
  const adapter = new WebSocketClientAdapter(URLS[node], RETRY_MS);
  const repo = new Repo({ network: [adapter] });
  return { name: `c${i}@${node}`, node, adapter, repo, handle: undefined, online: true, backAt: -1 };
}
/**
 * With FUZZ_LOG=1, a progress line every two seconds: how many distinct heads the clients hold,
 * how many sockets are open and the longest event-loop stall since the last line (the clients all
 * share this process, so a stall delays every one of them).
 */
let phase = "join", progressStep = 0;
function logProgress(clients) {
  if (!LOG) return;
  const t0 = Date.now();
  let lagMax = 0, lastTick = t0;
  setInterval(() => { const now = Date.now(); lagMax = Math.max(lagMax, now - lastTick - 50); lastTick = now; }, 50).unref();
  setInterval(() => {
    const heads = new Map();
    for (const c of clients) heads.set(headsOf(c), (heads.get(headsOf(c)) ?? 0) + 1);
    const open = clients.filter((c) => c.adapter.socket?.readyState === 1).length;
    log(`progress ${Date.now() - t0} ms ${phase} step ${progressStep}: ${heads.size} distinct heads (${[...heads.values()].sort((a, b) => b - a).join("/")}), ${open} sockets open, stall ${lagMax} ms`);
    lagMax = 0;
  }, 2000).unref();
}

/**
 * Finds the document once the server has answered the join. (A stock adapter declares itself ready
 * after one second even without an answer, and find() then reports the document unavailable; two
 * dozen clients joining cold JVMs at once can take longer than that.)
 */
async function findDoc(repo, ms = 20_000) {
  const deadline = Date.now() + ms;
  const peered = new Promise((resolve) => {
    if (repo.peers.length > 0) resolve();
    repo.networkSubsystem.once("peer", resolve);
  });
  await Promise.race([peered, sleep(ms)]);
  for (;;) {
    try {
      const found = await Promise.race([repo.find(DOC_URL), sleep(deadline - Date.now()).then(() => "timeout")]);
      if (found === "timeout") break;
      return found;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(200);
    }
  }
  throw new Error(`${DOC_URL} not found within ${ms} ms`);
}

const stats = { inserts: 0, deletes: 0, drops: 0, leaves: 0, returns: 0, utf16Inserted: 0, utf16Deleted: 0 };
const log = (line) => LOG && process.stderr.write(line + "\n");

/** One scripted edit by one client: insert 1–8 pieces, or delete 1–12 UTF-16 units. */
function edit(client, step) {
  const text = client.handle.doc().content;
  const grow = text.length < 2_000 ? 0.65 : 0.35; // keep the text around a couple of thousand units
  if (text.length === 0 || rng.chance(grow)) {
    const at = boundary(text, Math.floor(rng.fraction() * (text.length + 1)));
    let piece = "";
    for (let n = rng.int(1, 8); n > 0; n--) piece += rng.pick(PIECES);
    client.handle.change((d) => A.splice(d, ["content"], at, 0, piece));
    stats.inserts++;
    stats.utf16Inserted += piece.length;
    log(`${step} ${client.name} insert ${at} ${JSON.stringify(piece)}`);
  } else {
    const at = boundary(text, Math.floor(rng.fraction() * text.length));
    let end = boundary(text, Math.min(text.length, at + rng.int(1, 12)));
    if (end <= at) end = at + (isHigh(text.charCodeAt(at)) ? 2 : 1);
    const del = end - at;
    client.handle.change((d) => A.splice(d, ["content"], at, del));
    stats.deletes++;
    stats.utf16Deleted += del;
    log(`${step} ${client.name} delete ${at} ${del}`);
  }
}

function headsOf(client) {
  return A.getHeads(client.handle.doc()).slice().sort().join(",");
}

async function main() {
  const started = Date.now();
  const clients = Array.from({ length: CLIENTS }, (_, i) => newClient(i));
  await Promise.all(clients.map(async (c) => (c.handle = await findDoc(c.repo))));
  const joinedMs = Date.now() - started;
  logProgress(clients);
  phase = "edit";

  const editStart = Date.now();
  let yielded = editStart;
  for (let step = 0; step < EDITS; step++) {
    // Clients whose offline spell is over come back (scheduled in steps, so the seed decides).
    for (const c of clients) {
      if (!c.online && c.backAt <= step) {
        c.adapter.connect(c.repo.peerId, c.adapter.peerMetadata);
        c.online = true;
        stats.returns++;
        log(`${step} ${c.name} back`);
      }
    }
    const c = rng.pick(clients);
    const roll = rng.fraction();
    if (c.online && roll < 0.006) {
      // The network fails: what is in flight is lost, and the adapter reconnects by itself after
      // its retry interval. (The message listener goes first: a plain terminate() lets `ws` still
      // deliver frames it is inflating; the stock adapter's reply to such a frame throws "Websocket
      // not ready", and automerge-repo 2.5.6 then keeps an outdated document in the handle, after
      // which every change() throws. That is a client bug, not what this test is about.)
      const socket = c.adapter.socket;
      if (socket?.readyState === 1) {
        socket.removeEventListener("message", c.adapter.onMessage);
        socket.terminate();
        stats.drops++;
      }
      log(`${step} ${c.name} drop`);
    } else if (c.online && roll < 0.012 && c.adapter.socket?.readyState === 1) {
      // The client goes offline for a while and keeps typing; its edits merge when it returns.
      // (Only from an open socket: the stock adapter throws when closing one still connecting.)
      c.adapter.disconnect();
      c.online = false;
      c.backAt = step + rng.int(50, 800);
      stats.leaves++;
      log(`${step} ${c.name} leave until ${c.backAt}`);
    }
    edit(c, step);
    progressStep = step;
    // Pace the typing at RATE edits per second in all. People type on however slowly their
    // editors answer: when the clients lag, the edits due meanwhile are made at once (letting the
    // sockets in every 250 ms), so the typing lasts EDITS / RATE seconds on any machine.
    const now = Date.now();
    const ahead = editStart + ((step + 1) * 1000) / RATE - now;
    if (ahead > 0) {
      await sleep(ahead);
      yielded = Date.now();
    } else if (now - yielded > 250) {
      await sleep(0);
      yielded = Date.now();
    }
  }
  const editedMs = Date.now() - started - joinedMs;

  for (const c of clients) {
    if (!c.online) {
      c.adapter.connect(c.repo.peerId, c.adapter.peerMetadata);
      c.online = true;
      stats.returns++;
    }
  }

  // Everyone must end on the same heads and the same text.
  phase = "settle";
  const deadline = Date.now() + SETTLE_MS;
  let converged = false;
  while (Date.now() < deadline) {
    const heads = new Set(clients.map(headsOf));
    const texts = new Set(clients.map((c) => c.handle.doc().content));
    if (heads.size === 1 && texts.size === 1) {
      converged = true;
      break;
    }
    await sleep(50);
  }
  const convergedMs = Date.now() - started - joinedMs - editedMs;

  const reference = clients[0].handle.doc().content;
  const result = {
    seed: SEED,
    clients: CLIENTS,
    edits: EDITS,
    ...stats,
    joinedMs,
    editedMs,
    convergedMs,
    converged,
    text: reference,
    heads: headsOf(clients[0]),
    length: reference.length,
  };
  if (!converged) {
    // Group the clients by what they hold, so the report says who disagrees with whom.
    const groups = {};
    for (const c of clients) {
      const key = headsOf(c);
      (groups[key] ??= { clients: [], text: c.handle.doc().content, heads: key.split(",").length }).clients.push(c.name);
    }
    result.groups = Object.values(groups);
  }

  // Fresh clients on each node load what the servers hold.
  result.fresh = {};
  for (const node of ["A", "B"]) {
    const adapter = new WebSocketClientAdapter(URLS[node], RETRY_MS);
    const repo = new Repo({ network: [adapter] });
    const handle = await findDoc(repo);
    // A fresh client may need a round or two to receive everything; give it a moment.
    const until = Date.now() + 10_000;
    while (Date.now() < until && A.getHeads(handle.doc()).slice().sort().join(",") !== result.heads) await sleep(20);
    result.fresh[node] = { text: handle.doc().content, heads: A.getHeads(handle.doc()).slice().sort().join(",") };
    await repo.shutdown().catch(() => {});
  }

  await Promise.all(clients.map((c) => c.repo.shutdown().catch(() => {})));
  result.totalMs = Date.now() - started;
  // The stock client logs to stdout too, and a large line may not be flushed before exit: the result
  // goes to a file when FUZZ_RESULT_FILE names one.
  const line = JSON.stringify(result) + "\n";
  if (process.env.FUZZ_RESULT_FILE) fs.writeFileSync(process.env.FUZZ_RESULT_FILE, line);
  process.stdout.write(line, () => process.exit(0));
}

const watchdog = setTimeout(() => {
  console.error("fuzz scenario timed out");
  process.exit(3);
}, Number.parseInt(env("FUZZ_TIMEOUT_MS", "170000"), 10));
watchdog.unref();
main().catch((e) => {
  console.error(e?.stack ?? String(e));
  process.exit(1);
});
