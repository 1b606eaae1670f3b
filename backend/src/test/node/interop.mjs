// Stock automerge-repo clients against the Ensemble sync endpoint, driven by SyncInteropTest.
// Usage: node interop.mjs collaborate | reopen | files | gitPull | twoNodes | awaitUnavailable | redisRestart
//        | typeUntilKilled | flood
// Settings come from the environment (see SyncInteropTest); the result is one JSON line on stdout.
import { Repo, cbor } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import * as A from "@automerge/automerge";
import fs from "node:fs";
import { Worker } from "node:worker_threads";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

/**
 * A repo with no storage talking to one sync URL; errors the server sends are collected, and so
 * are the requests the repo sends. With `offline`, the repo starts without a network and
 * `connect()` attaches it later.
 */
function client(url, { offline = false } = {}) {
  const adapter = new WebSocketClientAdapter(url, 500);
  const repo = new Repo({ network: offline ? [] : [adapter] });
  const errors = [];
  const requests = [];
  const send = adapter.send.bind(adapter);
  adapter.send = (message) => {
    if (message.type === "request") requests.push(message.documentId);
    send(message);
  };
  const watch = () => {
    const socket = adapter.socket;
    if (!socket || socket.__watched) return;
    socket.__watched = true;
    socket.addEventListener("message", (event) => {
      const message = cbor.decode(new Uint8Array(event.data));
      if (message.type === "error") errors.push(message.message);
    });
  };
  const timer = setInterval(watch, 5);
  watch();
  const connect = () => repo.networkSubsystem.addNetworkAdapter(adapter);
  return { repo, errors, requests, connect, stop: () => clearInterval(timer) };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, predicate, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Resolves once the server's sync state shows it holds the handle's current heads. */
function confirmedByServer(repo, handle) {
  return new Promise((resolve) => {
    const check = ({ documentId, syncState }) => {
      if (documentId !== handle.documentId) return;
      const heads = A.getHeads(handle.doc());
      const theirs = new Set(syncState.theirHeads ?? []);
      if (heads.length > 0 && heads.every((h) => theirs.has(h))) {
        repo.synchronizer.off("sync-state", check);
        resolve();
      }
    };
    repo.synchronizer.on("sync-state", check);
  });
}

async function findOrUnavailable(repo, url, ms = 8_000) {
  const timeout = sleep(ms).then(() => "timeout");
  try {
    const found = await Promise.race([repo.find(url), timeout]);
    return found === "timeout" ? "timeout" : found;
  } catch (e) {
    return /unavailable/i.test(String(e?.message ?? e)) ? "unavailable" : `error: ${e}`;
  }
}

async function collaborate() {
  const a = client(env("SYNC_URL_A"));
  const b = client(env("SYNC_URL_B"));
  const v = client(env("SYNC_URL_VIEWER"));
  const other = client(env("SYNC_URL_OTHER_PROJECT"));
  const result = {};

  // A creates a document; the server confirms it (and, by its contract, has stored it).
  const handleA = a.repo.create({ content: "hello" });
  await Promise.race([
    confirmedByServer(a.repo, handleA),
    sleep(10_000).then(() => { throw new Error("server never confirmed the new document"); }),
  ]);
  result.url = handleA.url;

  // B finds it by URL and sees A's text.
  const handleB = await findOrUnavailable(b.repo, handleA.url);
  if (typeof handleB === "string") throw new Error(`B could not find the document: ${handleB}`);
  result.textSeenByB = handleB.doc().content;

  // B edits; A receives it.
  handleB.change((d) => A.splice(d, ["content"], 5, 0, " world"));
  await until("A to receive B's edit", () => handleA.doc().content === "hello world");
  result.textSeenByA = handleA.doc().content;

  // Presence: B hears A's ephemeral message; A never gets its own back.
  const heardByB = [];
  const heardByA = [];
  handleB.on("ephemeral-message", (m) => heardByB.push(m));
  handleA.on("ephemeral-message", (m) => heardByA.push(m));
  handleA.broadcast({ cursor: 3, user: "alice" });
  await until("B to hear A's presence", () => heardByB.length > 0);
  await sleep(300);
  result.presenceHeardByB = heardByB[0].message;
  result.presenceEchoedToA = heardByA.length;

  // Stock clients forward presence they receive to their other peers (here: back to the server,
  // with the original sender). That must not cost anyone the connection: three rounds each way.
  for (let round = 1; round <= 3; round++) {
    handleA.broadcast({ round, user: "alice" });
    handleB.broadcast({ round, user: "bob" });
    await until(`presence round ${round} both ways`, () =>
      heardByB.some((m) => m.message.user === "alice" && m.message.round === round) &&
      heardByA.some((m) => m.message.user === "bob" && m.message.round === round));
  }
  result.presenceRoundsHeardByA = heardByA.filter((m) => m.message.user === "bob").length;
  result.presenceRoundsHeardByB = heardByB.filter((m) => m.message.user === "alice" && m.message.round >= 1).length;
  result.ownPresenceEchoedToA = heardByA.filter((m) => m.message.user === "alice").length;

  // The viewer sees the text, but its change is refused.
  const handleV = await findOrUnavailable(v.repo, handleA.url);
  if (typeof handleV === "string") throw new Error(`viewer could not find the document: ${handleV}`);
  result.textSeenByViewer = handleV.doc().content;
  handleV.change((d) => A.splice(d, ["content"], 0, 0, ">>"));
  await until("the viewer to be told its change was refused", () => v.errors.length > 0);
  result.viewerError = v.errors[0];
  await sleep(500);
  result.textSeenByAAfterViewerEdit = handleA.doc().content;
  result.textSeenByBAfterViewerEdit = handleB.doc().content;

  // A connection scoped to another project cannot get the document.
  result.otherProject = await findOrUnavailable(other.repo, handleA.url);
  if (typeof result.otherProject !== "string") result.otherProject = "found";

  return finish(result, [a, b, v, other]);
}

async function reopen() {
  const c = client(env("SYNC_URL_B"));
  const handle = await findOrUnavailable(c.repo, env("DOC_URL"));
  if (typeof handle === "string") throw new Error(`document not found after restart: ${handle}`);
  const result = { text: handle.doc().content };
  // The restarted server still accepts and confirms edits.
  handle.change((d) => A.splice(d, ["content"], handle.doc().content.length, 0, "!"));
  await Promise.race([
    confirmedByServer(c.repo, handle),
    sleep(10_000).then(() => { throw new Error("server never confirmed the edit after restart"); }),
  ]);
  result.textAfterEdit = handle.doc().content;
  return finish(result, [c]);
}

/** The files API seen live: a REST PUT arrives in a stock client as a change; cursors after it stay put. */
async function files() {
  const base = env("BASE_URL");
  const project = env("PROJECT");
  const auth = { Authorization: `Bearer ${env("TOKEN")}` };
  const fileUrl = (path) => `${base}/api/projects/${project}/files/${path.split("/").map(encodeURIComponent).join("/")}`;
  const put = async (path, text) => {
    const r = await fetch(fileUrl(path), { method: "PUT", headers: auth, body: text });
    if (r.status >= 300) throw new Error(`PUT ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const c = client(env("SYNC_URL"));
  const result = {};

  const before = "😀 one\ntwo\nthree 👍🏽\nfour\n";
  const created = await put("src/live.txt", before);
  const handle = await findOrUnavailable(c.repo, created.docUrl);
  if (typeof handle === "string") throw new Error(`file document not found: ${handle}`);
  result.textBefore = handle.doc().content;

  // The root document lists the file with plain strings (as a browser would have written them).
  const projectJson = await (await fetch(`${base}/api/projects/${project}`, { headers: auth })).json();
  const root = await findOrUnavailable(c.repo, projectJson.rootDocUrl);
  if (typeof root === "string") throw new Error(`root document not found: ${root}`);
  const entry = root.doc().files["src/live.txt"];
  result.rootEntry = { docUrl: entry.docUrl, kind: entry.kind, size: entry.size, docUrlIsString: typeof entry.docUrl === "string" };
  result.rootName = root.doc().name;

  // Cursors (UTF-16 positions, as automerge-js counts) before and after the region the PUT edits.
  const at = (text, s) => text.indexOf(s);
  const cursorBefore = A.getCursor(handle.doc(), ["content"], at(before, "one"));
  const cursorAfter = A.getCursor(handle.doc(), ["content"], at(before, "four"));
  const changes = [];
  handle.on("change", ({ patches }) => changes.push(patches));

  const after = "😀 one\ntwo and 🎉 more\nthree 👍🏽\nfour\n";
  const updated = await put("src/live.txt", after);
  await until("the PUT to arrive", () => handle.doc().content === after);
  result.textAfter = handle.doc().content;
  result.sameDocument = updated.docUrl === created.docUrl;
  result.changeEvents = changes.length;
  result.patches = changes.flat().map((p) => ({ action: p.action, path: p.path, value: p.value, length: p.length }));
  result.cursorBeforeAt = A.getCursorPosition(handle.doc(), ["content"], cursorBefore);
  result.cursorAfterAt = A.getCursorPosition(handle.doc(), ["content"], cursorAfter);
  result.expectedBeforeAt = at(after, "one");
  result.expectedAfterAt = at(after, "four");
  await until("the root to show the new size", () => root.doc().files["src/live.txt"].size === updated.size);
  result.rootSizeAfter = root.doc().files["src/live.txt"].size;

  // Renaming the project shows in the root document live.
  const renamed = await fetch(`${base}/api/projects/${project}`, {
    method: "PATCH",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "renamed 🎉" }),
  });
  if (renamed.status !== 200) throw new Error(`PATCH project: ${renamed.status} ${await renamed.text()}`);
  await until("the new name to arrive", () => root.doc().name === "renamed 🎉");
  result.rootNameAfterRename = root.doc().name;
  return finish(result, [c]);
}

/**
 * A git pull seen live: the remote's edit arrives in an open file as a small change (cursors stay
 * on their characters) and files added or removed remotely appear in or leave the root document.
 */
async function gitPull() {
  const base = env("BASE_URL");
  const project = env("PROJECT");
  const auth = { Authorization: `Bearer ${env("TOKEN")}` };
  const path = env("FILE");
  const c = client(env("SYNC_URL"));
  const result = {};

  const projectJson = await (await fetch(`${base}/api/projects/${project}`, { headers: auth })).json();
  const root = await findOrUnavailable(c.repo, projectJson.rootDocUrl);
  if (typeof root === "string") throw new Error(`root document not found: ${root}`);
  const handle = await findOrUnavailable(c.repo, root.doc().files[path].docUrl);
  if (typeof handle === "string") throw new Error(`file document not found: ${handle}`);
  const before = handle.doc().content;
  result.textBefore = before;
  result.filesBefore = Object.keys(root.doc().files).sort();
  const cursorBefore = A.getCursor(handle.doc(), ["content"], before.indexOf(env("MARK_BEFORE")));
  const cursorAfter = A.getCursor(handle.doc(), ["content"], before.indexOf(env("MARK_AFTER")));
  const changes = [];
  handle.on("change", ({ patches }) => changes.push(patches));

  const pulled = await fetch(`${base}/api/projects/${project}/git/pull`, { method: "POST", headers: auth });
  result.pullStatus = pulled.status;
  result.pull = await pulled.json();
  await until("the pulled edit to arrive", () => handle.doc().content !== before);
  await until("the tree to follow the remote", () => {
    const files = root.doc().files;
    return files[env("ADDED")] !== undefined && files[env("REMOVED")] === undefined;
  });
  const after = handle.doc().content;
  result.textAfter = after;
  result.filesAfter = Object.keys(root.doc().files).sort();
  result.patches = changes.flat().map((p) => ({ action: p.action, path: p.path, value: p.value, length: p.length }));
  result.cursorBeforeAt = A.getCursorPosition(handle.doc(), ["content"], cursorBefore);
  result.cursorAfterAt = A.getCursorPosition(handle.doc(), ["content"], cursorAfter);
  result.expectedBeforeAt = after.indexOf(env("MARK_BEFORE"));
  result.expectedAfterAt = after.indexOf(env("MARK_AFTER"));
  return finish(result, [c]);
}

/** Two clients on two server nodes that share PostgreSQL and Redis. */
async function twoNodes() {
  const a = client(env("SYNC_URL_A"));
  const b = client(env("SYNC_URL_B"));
  const result = {};
  const handleA = a.repo.create({ content: "hello" });
  await Promise.race([
    confirmedByServer(a.repo, handleA),
    sleep(10_000).then(() => { throw new Error("node A never confirmed the new document"); }),
  ]);
  const handleB = await findOrUnavailable(b.repo, handleA.url);
  if (typeof handleB === "string") throw new Error(`node B could not find the document: ${handleB}`);
  result.textSeenOnB = handleB.doc().content;

  const started = Date.now();
  handleA.change((d) => A.splice(d, ["content"], 5, 0, " from A"));
  await until("B (node B) to receive A's edit (node A)", () => handleB.doc().content === "hello from A");
  result.millisAtoB = Date.now() - started;
  result.textOnBAfterA = handleB.doc().content;

  handleB.change((d) => A.splice(d, ["content"], 0, 0, "B: "));
  await until("A to receive B's edit", () => handleA.doc().content === "B: hello from A");
  result.textOnAAfterB = handleA.doc().content;

  const heardByB = [];
  handleB.on("ephemeral-message", (m) => heardByB.push(m.message));
  for (let i = 0; i < 20 && heardByB.length === 0; i++) {
    handleA.broadcast({ user: "alice", cursor: 4 });
    await sleep(100);
  }
  await until("B to hear A's presence across nodes", () => heardByB.length > 0);
  result.presenceOnB = heardByB[0];
  return finish(result, [a, b]);
}

/**
 * A document that appears after a client was told it is unavailable: B creates it in a repo that
 * is not connected yet; A (and a viewer, and a client of another project, when given) ask for it
 * and are told it is unavailable; then B connects. A and the viewer must receive B's text without
 * asking again; the other project's client must not. B may be on another node than the others.
 */
async function awaitUnavailable() {
  const a = client(env("SYNC_URL_A"));
  const b = client(env("SYNC_URL_B"), { offline: true });
  const v = process.env.SYNC_URL_VIEWER ? client(process.env.SYNC_URL_VIEWER) : undefined;
  const other = process.env.SYNC_URL_OTHER_PROJECT ? client(process.env.SYNC_URL_OTHER_PROJECT) : undefined;
  const waiting = [a, v, other].filter((c) => c !== undefined);
  const result = {};

  const created = b.repo.create({ content: "made offline" });
  const id = created.documentId;
  const before = await Promise.all(waiting.map((c) => findOrUnavailable(c.repo, created.url)));
  result.before = before.map((r) => (typeof r === "string" ? r : "found"));
  const handle = (c) => c.repo.handles[id];
  result.requestsBefore = waiting.map((c) => c.requests.filter((d) => d === id).length);

  b.connect();
  await Promise.race([
    confirmedByServer(b.repo, created),
    sleep(10_000).then(() => { throw new Error("the server never confirmed B's document"); }),
  ]);
  const started = Date.now();
  await until("A's handle to become ready", () => handle(a).isReady());
  result.millisToA = Date.now() - started;
  result.stateOfA = handle(a).state;
  result.textSeenByA = handle(a).doc().content;
  if (v) {
    await until("the viewer's handle to become ready", () => handle(v).isReady());
    result.textSeenByViewer = handle(v).doc().content;
  }

  // Syncing goes on: B's next edit reaches A.
  created.change((d) => A.splice(d, ["content"], 0, 0, "now "));
  await until("A to receive B's edit", () => handle(a).doc().content === "now made offline");
  result.textSeenByAAfterEdit = handle(a).doc().content;

  if (other) {
    await sleep(1_000);
    result.stateOfOtherProject = handle(other).state;
  }
  result.requestsAfter = waiting.map((c) => c.requests.filter((d) => d === id).length);
  return finish(result, [a, b, ...waiting.slice(1)]);
}

/**
 * Two clients, one per node, type while the nodes' Redis is killed and started again (by
 * SyncRedisRestartTest, which watches PHASE_DIR): once both hold the document the scenario writes
 * PHASE_DIR/typing and types on both sides until PHASE_DIR/restarted appears, then a little more;
 * then it waits until both clients hold the same text with every edit in it, and until presence
 * crosses the nodes again.
 */
async function redisRestart() {
  const dir = env("PHASE_DIR");
  const a = client(env("SYNC_URL_A"));
  const b = client(env("SYNC_URL_B"));
  const handleA = a.repo.create({ content: "|" });
  await Promise.race([
    confirmedByServer(a.repo, handleA),
    sleep(10_000).then(() => { throw new Error("node A never confirmed the new document"); }),
  ]);
  const handleB = await findOrUnavailable(b.repo, handleA.url);
  if (typeof handleB === "string") throw new Error(`node B could not find the document: ${handleB}`);
  await until("B to load the document", () => handleB.doc().content === "|");

  const tokens = [];
  let i = 0;
  const type = () => {
    const onA = i % 2 === 0;
    const token = `${onA ? "a" : "b"}${i};`;
    tokens.push(token);
    if (onA) {
      handleA.change((d) => A.splice(d, ["content"], d.content.length, 0, token));
    } else {
      handleB.change((d) => A.splice(d, ["content"], 0, 0, token));
    }
    i++;
  };
  fs.writeFileSync(`${dir}/typing`, "");
  const typingDeadline = Date.now() + 60_000;
  while (!fs.existsSync(`${dir}/restarted`)) {
    if (Date.now() > typingDeadline) throw new Error("Redis was not restarted within 60 s");
    type();
    await sleep(40);
  }
  const restartedAt = Date.now();
  for (let k = 0; k < 20; k++) {
    type();
    await sleep(40);
  }
  const complete = (text) => tokens.every((t) => text.includes(t));
  try {
    await until(
      "both nodes' clients to hold every edit",
      () => handleA.doc().content === handleB.doc().content && complete(handleA.doc().content),
      30_000,
    );
  } catch (e) {
    const missing = (text) => tokens.filter((t) => !text.includes(t));
    throw new Error(`${e.message}: missing on A ${JSON.stringify(missing(handleA.doc().content))}, `
      + `missing on B ${JSON.stringify(missing(handleB.doc().content))}`);
  }
  const result = {
    edits: tokens.length,
    textsEqual: handleA.doc().content === handleB.doc().content,
    everyEditKept: complete(handleA.doc().content),
    millisFromRestartToConverged: Date.now() - restartedAt,
  };

  const heardByB = [];
  handleB.on("ephemeral-message", (m) => heardByB.push(m.message));
  for (let k = 0; k < 100 && heardByB.length === 0; k++) {
    handleA.broadcast({ user: "alice", cursor: 1 });
    await sleep(100);
  }
  await until("B to hear A's presence after the restart", () => heardByB.length > 0);
  result.presenceOnB = heardByB[0];
  return finish(result, [a, b]);
}

/**
 * Types into a new document until the process is killed, writing after each server confirmation
 * the confirmed text to CONFIRMED_FILE (atomically) for SyncCrashTest.
 */
async function typeUntilKilled() {
  const c = client(env("SYNC_URL"));
  const out = env("CONFIRMED_FILE");
  const handle = c.repo.create({ content: "" });
  // One writer, so history is a line: each change's head names the text as it was after it. The
  // server's heads name the longest prefix it has confirmed, even while typing races ahead.
  const textAfter = new Map();
  let confirmed = -1;
  c.repo.synchronizer.on("sync-state", ({ documentId, syncState }) => {
    if (documentId !== handle.documentId) return;
    for (const head of syncState.theirHeads ?? []) {
      const text = textAfter.get(head);
      if (text !== undefined && text.length > confirmed) {
        confirmed = text.length;
        fs.writeFileSync(`${out}.tmp`, JSON.stringify({ url: handle.url, text }));
        fs.renameSync(`${out}.tmp`, out);
      }
    }
  });
  for (let i = 0; ; i++) {
    handle.change((d) => A.splice(d, ["content"], d.content.length, 0, String.fromCharCode(97 + (i % 26))));
    const doc = handle.doc();
    for (const head of A.getHeads(doc)) textAfter.set(head, doc.content);
    await sleep(2);
  }
}

/**
 * A raw client floods a document with messages (flooder.mjs, on its own thread) while a stock
 * client types into it and another reads along. Reports the flooder's outcome and how long each
 * edit took to reach the reader before, during and after the flood; then a fresh client loads it.
 */
async function flood() {
  const url = env("SYNC_URL");
  const writer = client(url);
  const reader = client(url);
  const handle = writer.repo.create({ content: "" });
  await Promise.race([
    confirmedByServer(writer.repo, handle),
    sleep(10_000).then(() => { throw new Error("the server never confirmed the new document"); }),
  ]);
  const seen = await findOrUnavailable(reader.repo, handle.url);
  if (typeof seen === "string") throw new Error(`the reader could not find the document: ${seen}`);

  let n = 0;
  const edit = async () => {
    const mark = `${n++};`;
    const started = Date.now();
    handle.change((d) => A.splice(d, ["content"], d.content.length, 0, mark));
    await until(`edit ${mark} to reach the reader`, () => seen.doc().content.endsWith(mark), 20_000);
    return Date.now() - started;
  };
  const result = { before: [], during: [], after: [] };
  for (let i = 0; i < 10; i++) result.before.push(await edit());

  const flooder = new Worker(new URL("./flooder.mjs", import.meta.url), {
    workerData: { url, documentId: handle.documentId, max: Number(process.env.FLOOD_MAX ?? 200_000) },
  });
  const outcome = new Promise((resolve, reject) => {
    flooder.once("message", resolve);
    flooder.once("error", reject);
  });
  let over = false;
  outcome.then(() => (over = true), () => (over = true));
  // Edit while the flood lasts (at least once, started as it begins).
  do {
    result.during.push(await edit());
    await sleep(20);
  } while (!over);
  result.flooder = await outcome;
  await flooder.terminate();
  for (let i = 0; i < 10; i++) result.after.push(await edit());

  const fresh = client(url);
  const loaded = await findOrUnavailable(fresh.repo, handle.url);
  result.freshText = typeof loaded === "string" ? loaded : loaded.doc().content;
  result.text = handle.doc().content;
  result.writerErrors = writer.errors;
  result.readerErrors = reader.errors;
  return finish(result, [writer, reader, fresh]);
}

// Four stock clients on one document each broadcast presence ten times a second for four seconds.
// Each also forwards what it hears back to the server (stock clients forward presence to their
// other peers), so each sends about forty messages a second although it says ten itself. The
// server's limit (set low by the test) must count what a client says, not what it passes back.
async function presenceEcho() {
  const url = env("SYNC_URL");
  const clients = [client(url), client(url), client(url), client(url)];
  const first = clients[0].repo.create({ content: "shared" });
  await Promise.race([
    confirmedByServer(clients[0].repo, first),
    sleep(10_000).then(() => { throw new Error("the server never confirmed the new document"); }),
  ]);
  const handles = [first];
  for (const c of clients.slice(1)) {
    const h = await findOrUnavailable(c.repo, first.url);
    if (typeof h === "string") throw new Error(`a client could not find the document: ${h}`);
    handles.push(h);
  }
  const heard = handles.map(() => new Map());
  handles.forEach((h, i) => h.on("ephemeral-message", (m) => {
    const from = m.message.who;
    if (from !== undefined) heard[i].set(from, Math.max(heard[i].get(from) ?? 0, m.message.tick));
  }));
  const ticks = 40;
  for (let tick = 1; tick <= ticks; tick++) {
    handles.forEach((h, i) => h.broadcast({ who: i, tick }));
    await sleep(100);
  }
  // Everyone is still connected: each hears the others' last tick.
  await until("every client to hear every other's last presence", () =>
    heard.every((m, i) => handles.every((_, j) => j === i || m.get(j) === ticks)), 5_000).catch(() => {});
  const result = {
    ticks,
    lastHeard: heard.map((m) => Object.fromEntries(m)),
    errors: clients.map((c) => c.errors),
  };
  return finish(result, clients);
}

async function finish(result, clients) {
  for (const c of clients) c.stop();
  await Promise.all(clients.map((c) => c.repo.shutdown().catch(() => {})));
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}

const scenarios = {
  collaborate, reopen, files, gitPull, twoNodes, awaitUnavailable, redisRestart, typeUntilKilled, flood,
  presenceEcho,
};
const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`usage: node interop.mjs ${Object.keys(scenarios).join("|")}`);
  process.exit(2);
}
const watchdog = setTimeout(() => {
  console.error("scenario timed out");
  process.exit(3);
}, 90_000);
watchdog.unref();
scenarios[name]().catch((e) => {
  console.error(e?.stack ?? String(e));
  process.exit(1);
});
