// A small graphql-transport-ws client: one socket for a screen's subscriptions, signed in at
// connection_init the way the server reads it ({ authorization: "Bearer …" }), answering pings,
// and opened again with a growing wait when it drops. The server ends the socket with 4403 when
// the token no longer signs in and with 4400-4409 for a message it refuses: asking again would
// only be refused again, so those are not retried.
import { token } from "./graphql.js";

const PROTOCOL = "graphql-transport-ws";
const FINAL = new Set([4400, 4401, 4403, 4406, 4409]);
const FIRST_WAIT = 1000;
const LONGEST_WAIT = 30000;

function address() {
  const root = document.body.dataset.root || "";
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}${root}/graphql`;
}

/**
 * Subscribes to each of `operations` ([{ query, variables }]) on one socket. `on.next(index,
 * data)` gets each result, `on.error(index, message)` a refusal, `on.state(state)` one of
 * "connecting", "live", "retrying", "closed". Returns a function that ends it all.
 */
export function subscribe(operations, on) {
  let socket = null;
  let wait = FIRST_WAIT;
  let timer = null;
  let ended = false;

  const open = () => {
    on.state("connecting");
    socket = new WebSocket(address(), PROTOCOL);
    const current = socket;
    current.onopen = () => {
      const bearer = token();
      const payload = bearer ? { authorization: `Bearer ${bearer}` } : {};
      current.send(JSON.stringify({ type: "connection_init", payload }));
    };
    current.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      const index = Number(message.id);
      switch (message.type) {
        case "connection_ack":
          wait = FIRST_WAIT;
          on.state("live");
          operations.forEach((operation, i) => current.send(JSON.stringify({
            id: String(i), type: "subscribe", payload: operation,
          })));
          break;
        case "ping":
          current.send(JSON.stringify({ type: "pong" }));
          break;
        case "next": {
          const payload = message.payload || {};
          if (payload.errors && payload.errors.length) on.error(index, payload.errors[0].message);
          else if (payload.data) on.next(index, payload.data);
          break;
        }
        case "error":
          on.error(index, (message.payload && message.payload[0] && message.payload[0].message) || "");
          break;
        default: // "complete", "pong": nothing to do
      }
    };
    current.onclose = (event) => {
      if (ended || current !== socket) return;
      if (FINAL.has(event.code)) {
        on.state("closed");
        return;
      }
      on.state("retrying");
      timer = setTimeout(open, wait);
      wait = Math.min(wait * 2, LONGEST_WAIT);
    };
  };

  open();
  return () => {
    ended = true;
    clearTimeout(timer);
    if (socket && socket.readyState <= WebSocket.OPEN) {
      if (socket.readyState === WebSocket.OPEN)
        operations.forEach((_, i) => socket.send(JSON.stringify({ id: String(i), type: "complete" })));
      socket.close(1000);
    }
  };
}
