// A misbehaving client for the `flood` scenario of interop.mjs, run as a worker thread so that its
// tight sending loop does not slow the well-behaved clients on the main thread. It joins like a
// stock client, then sends `sync` and `ephemeral` messages for one document as fast as its socket
// takes them, until the server closes the connection or MAX messages are out. It reports what it
// sent, the server's `error` message and the close code.
import { parentPort, workerData } from "node:worker_threads";
import WebSocket from "ws";
import { cbor } from "@automerge/automerge-repo";
import * as A from "@automerge/automerge";

const { url, documentId, max } = workerData;
const peerId = `flooder-${process.pid}-${Date.now()}`;
const ws = new WebSocket(url);
ws.binaryType = "arraybuffer";

let serverId;
let sent = 0;
let error = null;
let startedAt = 0;
let errorAt = 0;

// A valid Automerge sync message (from an empty document) and a small presence payload.
const [, syncData] = A.generateSyncMessage(A.init(), A.initSyncState());
const presence = cbor.encode({ type: "presence", cursor: 1 });

ws.on("open", () => {
  ws.send(cbor.encode({ type: "join", senderId: peerId, peerMetadata: {}, supportedProtocolVersions: ["1"] }));
});

ws.on("message", (data) => {
  const m = cbor.decode(new Uint8Array(data));
  if (m.type === "peer" && serverId === undefined) {
    serverId = m.senderId;
    startedAt = Date.now();
    flood();
  } else if (m.type === "error" && error === null) {
    error = m.message;
    errorAt = Date.now();
  }
});

ws.on("close", (code) => {
  parentPort.postMessage({ sent, error, closeCode: code, floodMs: (errorAt || Date.now()) - startedAt });
});

ws.on("error", () => {}); // the close event reports the outcome

function flood() {
  // Keep the socket's buffer full but bounded: the point is the server's view of the rate.
  while (ws.readyState === WebSocket.OPEN && sent < max && ws.bufferedAmount < 256 * 1024) {
    const message = sent % 2 === 0
      ? { type: "sync", senderId: peerId, targetId: serverId, documentId, data: syncData }
      : { type: "ephemeral", senderId: peerId, targetId: serverId, documentId, sessionId: "flood", count: sent, data: presence };
    ws.send(cbor.encode(message));
    sent++;
  }
  if (ws.readyState === WebSocket.OPEN && sent < max) {
    setImmediate(flood);
  }
}
