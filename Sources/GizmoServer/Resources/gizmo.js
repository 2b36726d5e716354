// gizmo.js: the child page's side of the gizmo protocol (docs/protocol.md).
// The server inlines this file into index.html; it needs no build step.
(function () {
  "use strict";

  const PROTOCOL_VERSION = 2;
  const MAX_MESSAGE_CHARS = 1048576;
  const FIRST_RETRY_MS = 250;
  const LAST_RETRY_MS = 5000;
  const MAX_DEPTH = 4;
  const MAX_TRAY_ENTRIES = 20;
  // A first paint whose frame does not come (a hidden tab) is adopted after this.
  const AFTER_FIRST_FRAME_MS = 100;
  // What a person does while the socket is down waits for it, up to these.
  const MAX_WAITING_MESSAGES = 1000;
  const MAX_WAITING_CHARS = 4 * 1048576;

  const root = document.getElementById("gz-root");
  const statusBadge = document.getElementById("gz-status");
  const tray = document.getElementById("gz-tray");

  const components = new Map(); // component id -> element
  const refs = new Map(); // ref id -> value kept by `exec`
  const listeners = new Map(); // "id event" -> {el, event, handler}
  const functions = new Map(); // callback id -> function made by {"fn": N}

  // This page among the session's pages (a tab, a phone), for this load of it.
  const pageId = randomId();
  let socket = null;
  let state = "connecting";
  let closedByServer = false;
  let awaitingWelcome = true;
  // This page has been a live page of its session (a welcome came).
  let joined = false;
  // A page whose session is gone from the server it reaches (that server
  // restarted, or the replica it lived on died) opens its gizmo again here:
  // a new session, whose state comes from the store. Not twice in this long.
  const RELAUNCH_PAUSE_MS = 10000;
  let retryMs = FIRST_RETRY_MS;
  let lastFrame = null; // number of the last numbered frame applied (null: none yet)
  let generation = null; // the render generation of the tree shown
  // Messages sent and not yet acknowledged, in order: sent again after a
  // reconnect, so nothing a person did is lost, and run once by the server.
  const unacked = [];
  let unackedChars = 0;
  let lastMessage = 0;

  /** A protocol mistake in a command (unknown id, bad field), not a JS exception. */
  class CommandError extends Error {
    get name() { return "GizmoError"; }
  }

  // ---- connection ------------------------------------------------------

  /** The socket URL for this page, or null when the address has no /gizmo/http/<ID>/. */
  function socketURL(loc) {
    const match = /^(.*)\/gizmo\/http\/([^/]+)(?:\/|$)/.exec(loc.pathname);
    if (!match) return null;
    const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${loc.host}${match[1]}/gizmo/ws/${match[2]}`;
  }

  function randomId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function setStatus(newState, text) {
    state = newState;
    statusBadge.dataset.state = newState;
    statusBadge.textContent = text || newState;
  }

  /** The badge while the socket is down says what waits for it. */
  function showReconnecting() {
    const waiting = unacked.length;
    setStatus("reconnecting", waiting > 0
      ? `reconnecting; ${waiting} action${waiting === 1 ? "" : "s"} will be sent`
      : "reconnecting");
  }

  function connect() {
    const url = socketURL(window.location);
    if (!url) {
      setStatus("closed", "no session in this address");
      showError("This page's address has no /gizmo/http/<ID>/ part, so it cannot find its session. Open the page through the gizmolua server.");
      return;
    }
    try {
      socket = new WebSocket(url);
    } catch (e) {
      showError(`Cannot open ${url}: ${errorText(e)}`);
      scheduleReconnect();
      return;
    }
    socket.onopen = onOpen;
    socket.onmessage = onMessage;
    socket.onclose = onClose;
  }

  function onOpen() {
    awaitingWelcome = true;
    setStatus("connected");
    // The last frame applied lets the server replay what this page missed.
    socket.send(JSON.stringify({ t: "hello", v: PROTOCOL_VERSION, p: pageId, n: lastFrame }));
  }

  function onClose(event) {
    if (event && event.target !== socket) return; // a socket we already gave up on
    socket = null;
    if (closedByServer) return;
    scheduleReconnect();
  }

  function scheduleReconnect() {
    showReconnecting();
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
  }

  /** Something is wrong with the stream of frames: start again from a hello. */
  function reconnectNow() {
    if (!socket) return;
    const old = socket;
    socket = null;
    old.close(4000, "resync");
    retryMs = FIRST_RETRY_MS;
    scheduleReconnect();
  }

  /** Send one message; false when it is refused for its size (shown in the tray). */
  function send(message) {
    message.p = pageId;
    message.m = ++lastMessage;
    const text = JSON.stringify(message);
    if (text.length > MAX_MESSAGE_CHARS) {
      lastMessage--;
      showError(`Not sent: a "${message.t}" message of ${text.length} characters is over the 1 MiB limit.`);
      return false;
    }
    const live = socket && socket.readyState === WebSocket.OPEN && !awaitingWelcome;
    if (unacked.length >= MAX_WAITING_MESSAGES || unackedChars + text.length > MAX_WAITING_CHARS) {
      if (!live) {
        lastMessage--;
        showError("Not sent: too much is waiting for the connection to the gizmo to come back. " +
          "Reload the page once it is back.");
        return false;
      }
      // On a live socket the oldest were sent long ago: stop keeping them.
      while (unacked.length > 0 && (unacked.length >= MAX_WAITING_MESSAGES ||
        unackedChars + text.length > MAX_WAITING_CHARS)) unackedChars -= unacked.shift().text.length;
    }
    unacked.push({ m: message.m, text });
    unackedChars += text.length;
    if (live) socket.send(text);
    else if (state !== "connected") showReconnecting();
    return true;
  }

  /** The server has run this page's messages up to `acked`: forget them. */
  function forget(acked) {
    while (unacked.length > 0 && unacked[0].m <= acked) unackedChars -= unacked.shift().text.length;
  }

  /** After a welcome: send again what the old socket may have lost. */
  function acknowledge(acked) {
    forget(acked);
    for (const { text } of unacked) socket.send(text);
  }

  function sendError(msg, op) {
    send(op ? { t: "error", msg, op } : { t: "error", msg });
  }

  // ---- frames ----------------------------------------------------------

  function onMessage(event) {
    if (event.target && event.target !== socket) return;
    if (typeof event.data !== "string") {
      showError("Ignored a binary frame from the server: the gizmo protocol uses text frames only.");
      return;
    }
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (e) {
      showError(`Ignored a frame from the server that is not JSON: ${e.message}`);
      return;
    }
    if (!Array.isArray(frame)) {
      showError("Ignored a frame from the server that is not an array of commands.");
      return;
    }
    applyFrame(frame);
  }

  /** Opens the gizmo again (a new session) when the server no longer knows
   * this page's session, the page had been live, and it did not just do so;
   * true when it goes. The launch link is the child page's own (gz-launch). */
  function relaunch() {
    const meta = document.querySelector('meta[name="gz-launch"]');
    if (!joined || !meta || !meta.content) return false;
    const key = "gz-relaunched";
    try {
      const last = Number(sessionStorage.getItem(key));
      if (last && Date.now() - last < RELAUNCH_PAUSE_MS) return false;
      sessionStorage.setItem(key, String(Date.now()));
    } catch (e) {
      return false; // no storage: no way to tell a loop from a first try
    }
    setStatus("closed", "the session is gone; starting the gizmo again");
    window.location.replace(new URL(meta.content, window.location.href).href);
    return true;
  }

  /** A frame's first command may be its header: `welcome` (the answer to
   * hello), or `frame` with its number. */
  function applyFrame(commands) {
    const header = commands[0];
    const op = header && typeof header === "object" ? header.op : undefined;
    if (op === "welcome") {
      awaitingWelcome = false;
      joined = true;
      lastFrame = header.n;
      retryMs = FIRST_RETRY_MS; // the session took us back: a later drop retries quickly
      acknowledge(header.acked);
      commands = commands.slice(1);
    } else if (op === "frame") {
      if (awaitingWelcome) return;
      if (header.n != null) {
        if (lastFrame !== null && header.n <= lastFrame) return; // replayed, applied already
        if (lastFrame !== null && header.n !== lastFrame + 1) { reconnectNow(); return; } // a frame went missing
        lastFrame = header.n;
      }
      commands = commands.slice(1);
    } else if (awaitingWelcome) {
      // Only `close` matters before the welcome: an ended session sends nothing else.
      const close = commands.find((c) => c && c.op === "close");
      if (close) runCommand(close);
      return;
    }
    pending.push(...commands.filter((c) => !(c && c.to != null && c.to !== pageId)));
    pump();
  }

  // Commands run strictly in order; one that loads a script (render, head)
  // holds the rest until the script has run, so code that needs it finds it.
  const pending = [];
  let pumping = false;

  async function pump() {
    if (pumping) return;
    pumping = true;
    while (pending.length > 0) {
      const waiting = runCommand(pending.shift());
      if (waiting) await waiting;
    }
    pumping = false;
  }

  function runCommand(command) {
    const op = command && typeof command === "object" ? command.op : undefined;
    const handler = Object.hasOwn(handlers, String(op)) ? handlers[op] : null;
    if (!handler) {
      sendError(`unknown op ${JSON.stringify(op === undefined ? null : op)} (command ${JSON.stringify(command)})`.slice(0, 500));
      return;
    }
    const fail = (e) => sendError(e instanceof CommandError ? `${op}: ${e.message}` : String(e), op);
    try {
      const result = handler(command);
      return isThenable(result) ? Promise.resolve(result).catch(fail) : null;
    } catch (e) {
      fail(e);
      return null;
    }
  }

  // ---- commands --------------------------------------------------------

  const handlers = {
    async render(c) {
      if (c.head) await addHead(c.head);
      components.clear();
      refs.clear();
      listeners.clear();
      const inits = [];
      // A hot reload re-renders in place: keep the scroll position.
      const x = window.scrollX, y = window.scrollY;
      root.replaceChildren(build(c.node, inits));
      window.scrollTo(x, y);
      if (c.g != null) generation = c.g;
      runInits(inits);
      removeOverlay(); // the script runs again (after a reload that failed, a fixed one)
    },
    notice(c) { showNotice(String(c.msg)); },
    ack(c) { forget(c.m); },
    overlay(c) { showOverlay(String(c.title || "The script has an error"), String(c.msg || "")); },
    refresh(c) {
      // Files the script serves changed on disk: fetch them again. A changed
      // script cannot be run twice in one page, so the page reloads (the
      // session survives it, and renders again).
      for (const name of c.names || []) {
        for (const el of document.querySelectorAll("[src], link[href]")) {
          const attribute = el.hasAttribute("src") ? "src" : "href";
          const value = el.getAttribute(attribute) || "";
          if (value.split("?")[0] !== name) continue;
          if (el.tagName === "SCRIPT") { location.reload(); return; }
          el.setAttribute(attribute, `${name}?v=${Date.now()}`);
        }
      }
    },
    head(c) { return addHead(c.items); },
    prop(c) {
      const el = component(c.id);
      for (const name in c.v || {}) el[name] = c.v[name];
    },
    init(c) { runInits([{ el: component(c.id), code: c.code, args: c.args }]); },
    text(c) { component(c.id).textContent = c.v == null ? "" : String(c.v); },
    html(c) { component(c.id).innerHTML = c.v == null ? "" : String(c.v); },
    css(c) { setStyles(component(c.id), c.v); },
    class(c) {
      const el = component(c.id);
      if (c.add != null) el.classList.add(c.add);
      else if (c.remove != null) el.classList.remove(c.remove);
      else throw new CommandError(`component ${c.id}: needs "add" or "remove"`);
    },
    attr(c) { setAttributes(component(c.id), c.v); },
    append(c) {
      const el = component(c.id);
      const inits = [];
      slot(el, c.node).appendChild(build(c.node, inits));
      runInits(inits);
    },
    kids(c) {
      const el = component(c.id);
      forgetInside(el);
      const inits = [];
      const kids = (c.nodes || []).map((node) => [node, build(node, inits)]);
      if (kids.some(([node]) => node.slot != null)) {
        for (const [node, kid] of kids) slot(el, node).appendChild(kid);
      } else {
        el.replaceChildren(...kids.map(([, kid]) => kid));
      }
      runInits(inits);
    },
    on(c) { listen(component(c.id), c.id, c.event, c.cb); },
    focus(c) { component(c.id).focus(); },
    log(c) { applyLog(component(c.id), c); },
    plot(c) { applyPlot(component(c.id), c, false); },
    exec(c) {
      const v = evaluate(c.expr);
      if (c.ref != null && ((typeof v === "object" && v !== null) || typeof v === "function")) {
        refs.set(c.ref, v);
      }
      if (isThenable(v)) Promise.resolve(v).catch((e) => sendError(String(e), "exec"));
    },
    get(c) { answer(c.req, c.expr); },
    drop(c) { refs.delete(c.ref); },
    error(c) { showError(String(c.msg), c.trace); },
    close(c) {
      closedByServer = true;
      if (socket) socket.close();
      if (c.again && relaunch()) return;
      setStatus("closed", c.msg ? String(c.msg) : "closed");
    },
  };

  async function answer(req, expr) {
    let reply;
    try {
      let v = evaluate(expr);
      if (isThenable(v)) v = await v;
      reply = { t: "reply", req, ok: true, v: jsonSafe(v) };
    } catch (e) {
      reply = { t: "reply", req, ok: false, err: errorText(e) };
    }
    if (!send(reply)) {
      send({ t: "reply", req, ok: false, err: "RangeError: the value is over the 1 MiB message limit" });
    }
  }

  // ---- components ------------------------------------------------------

  function component(id) {
    const el = components.get(id);
    if (!el) throw new CommandError(`no component with id ${JSON.stringify(id)}`);
    return el;
  }

  /** Builds a NODE; its `init` code is collected to run once it is in the page. */
  function build(node, inits) {
    if (!node || typeof node !== "object" || node.id == null) {
      throw new CommandError(`a node needs an "id": ${JSON.stringify(node)}`.slice(0, 300));
    }
    let el;
    if (node.tag) el = document.createElement(node.tag);
    else if (node.outer != null) el = elementFromHTML(String(node.outer));
    else throw new CommandError(`node ${node.id} has neither "tag" nor "outer"`);
    el.setAttribute("data-gz-id", String(node.id));
    components.set(node.id, el);
    if (node.text != null) el.textContent = String(node.text);
    else if (node.html != null) el.innerHTML = String(node.html);
    if (node.cls) el.classList.add(...[].concat(node.cls));
    if (node.css) setStyles(el, node.css);
    if (node.attrs) setAttributes(el, node.attrs);
    for (const event in node.on || {}) listen(el, node.id, event, node.on[event]);
    for (const kid of node.kids || []) slot(el, kid).appendChild(build(kid, inits));
    for (const init of node.init || []) inits.push({ el, code: init.code, args: init.args });
    if (node.live) buildLive(el, node.live);
    return el;
  }

  /** Where a child goes: the parent, or the element of class `slot` inside it (a Template). */
  function slot(el, node) {
    if (node.slot == null) return el;
    const target = el.querySelector(`.${CSS.escape(String(node.slot))}`);
    if (!target) throw new CommandError(`component ${node.id}: no element of class ${JSON.stringify(node.slot)} to put it in`);
    return target;
  }

  /** js_init code: run with `element` and the named arguments bound. */
  function runInits(inits) {
    for (const { el, code, args } of inits) {
      try {
        const names = Object.keys(args || {});
        const values = names.map((name) => evaluate(args[name]));
        new Function("element", ...names, String(code))(el, ...values);
      } catch (e) {
        sendError(`js_init: ${errorText(e)}`, "init");
      }
    }
  }

  /** Scripts and style sheets a gizmo added, each once per page; resolves when scripts have run. */
  function addHead(items) {
    const loads = [];
    for (const item of items || []) {
      const url = String(item.url);
      const known = [...document.head.querySelectorAll("[data-gz-head]")].find((e) => e.dataset.gzHead === url);
      if (known) continue;
      let el;
      if (item.kind === "css") {
        el = document.createElement("link");
        el.rel = "stylesheet";
        el.href = url;
      } else if (item.kind === "script") {
        el = document.createElement("script");
        el.src = url;
        el.async = false;
        loads.push(new Promise((resolve) => {
          el.onload = resolve;
          el.onerror = () => { showError(`Could not load the script ${url}`); resolve(); };
        }));
      } else {
        throw new CommandError(`unknown head item kind ${JSON.stringify(item.kind)}`);
      }
      el.dataset.gzHead = url;
      document.head.appendChild(el);
    }
    return Promise.all(loads);
  }

  /** The single top-level element of the HTML, or a div around whatever else it holds. */
  function elementFromHTML(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const nodes = template.content.childNodes;
    if (nodes.length === 1 && nodes[0].nodeType === Node.ELEMENT_NODE) return nodes[0];
    const wrapper = document.createElement("div");
    wrapper.append(template.content);
    return wrapper;
  }

  /** Forget the components under el, which are about to be replaced. */
  function forgetInside(el) {
    const gone = new Set(el.querySelectorAll("[data-gz-id]"));
    for (const [id, known] of components) {
      if (gone.has(known)) components.delete(id);
    }
    for (const [key, entry] of listeners) {
      if (el.contains(entry.el) && entry.el !== el) listeners.delete(key);
    }
  }

  function setStyles(el, styles) {
    for (const name in styles || {}) {
      const value = styles[name];
      if (value == null) el.style.removeProperty(name);
      else el.style.setProperty(name, String(value));
    }
  }

  function setAttributes(el, attrs) {
    // `value` last: a range input fits its value to the min, max and step it
    // has when the value is set (a slider of step 0.1 would show 0.3 as 0).
    for (const name in attrs || {}) if (name !== "value") setAttribute(el, name, attrs[name]);
    if (attrs && Object.hasOwn(attrs, "value")) setAttribute(el, "value", attrs.value);
  }

  function setAttribute(el, name, value) {
    if (value === false || value == null) el.removeAttribute(name);
    else el.setAttribute(name, value === true ? "" : String(value));
  }

  function listen(el, id, event, cb) {
    const key = `${id} ${event}`;
    const old = listeners.get(key);
    if (old) {
      old.el.removeEventListener(old.event, old.handler);
      listeners.delete(key);
    }
    if (cb == null) return;
    const handler = event === "input" ? latestOnly(cb) : (e) => {
      sendHeldInputs(); // what was typed reaches Lua before the click or key that follows it
      send({ t: "call", g: generation, cb, args: [jsonSafe(e)] });
    };
    el.addEventListener(event, handler);
    listeners.set(key, { el, event, handler });
  }

  /** A drag fires `input` far faster than anyone redraws: send at most one
   * per animation frame, always the latest, so no stale updates queue up. */
  const heldInputs = new Map(); // callback id -> the latest event not yet sent

  function latestOnly(cb) {
    return (e) => {
      const first = !heldInputs.has(cb);
      heldInputs.set(cb, jsonSafe(e));
      if (first) requestAnimationFrame(sendHeldInputs);
    };
  }

  function sendHeldInputs() {
    for (const [cb, event] of heldInputs) send({ t: "call", g: generation, cb, args: [event] });
    heldInputs.clear();
  }

  // ---- live data: a Log's lines, a plot's appended points -----------------
  //
  // Kept in the page, so only new lines and points travel. Each carries its
  // number (`seq`), so a page skips what it has: a render and an append of
  // the same turn carry the same lines.

  const liveState = new WeakMap(); // element -> what it keeps

  function buildLive(el, live) {
    if (live.kind === "log") applyLog(el, { seq: live.seq, add: live.lines, keep: live.keep });
    else if (live.kind === "plot") applyPlot(el, live, true);
    else throw new CommandError(`unknown live kind ${JSON.stringify(live.kind)}`);
  }

  /** A Log: lines are text nodes (`line\n`) numbered next - count .. next - 1. */
  function applyLog(el, c) {
    let st = liveState.get(el);
    if (!st) liveState.set(el, st = { next: 1, count: 0 });
    const follow = el.scrollHeight - el.scrollTop - el.clientHeight <= 4; // at the end: stay there
    const lines = c.add || [];
    const seq = Number(c.seq);
    const keep = Number(c.keep) || Infinity;
    let drop = 0;
    if (c.clear != null) drop = Math.max(0, Math.min(st.count, Number(c.clear) - (st.next - st.count) + 1));
    // Only lines the page lacks, and of them no more than it keeps.
    const skip = Math.max(0, st.next - seq, lines.length - keep);
    if (skip < lines.length && seq + skip > st.next) drop = st.count; // a gap: what it has is older
    const adding = Math.max(0, lines.length - skip);
    drop = Math.max(drop, st.count + adding - keep);
    const before = el.scrollHeight;
    for (let i = 0; i < drop && el.firstChild; i++) el.firstChild.remove();
    st.count -= Math.min(drop, st.count);
    // Someone reading further up keeps the lines they read in place.
    if (!follow && drop > 0) el.scrollTop -= before - el.scrollHeight;
    if (adding > 0) {
      const fragment = document.createDocumentFragment();
      for (let i = skip; i < lines.length; i++) fragment.append(document.createTextNode(`${lines[i]}\n`));
      el.append(fragment);
      st.count += adding;
      st.next = seq + lines.length;
    }
    if (follow) el.scrollTop = el.scrollHeight;
  }

  /** A plot with appended series: the SVG (axes, legend, an empty element
   * per appended series) comes from Lua; the page keeps the series' points
   * and draws them with the frame's mapping. */
  function applyPlot(el, c, now) {
    let st = liveState.get(el);
    if (!st) liveState.set(el, st = { frame: null, series: new Map(), drawing: false });
    if (c.svg != null) {
      el.innerHTML = String(c.svg);
      now = true;
    }
    if (c.frame) st.frame = c.frame;
    if (c.series) {
      for (const id of [...st.series.keys()]) if (!c.series.includes(id)) st.series.delete(id);
    }
    for (const part of c.add || []) addPoints(st, part);
    if (now) drawPlot(el, st);
    else if (!st.drawing) {
      st.drawing = true; // at most one drawing per animation frame
      requestAnimationFrame(() => { st.drawing = false; drawPlot(el, st); });
    }
  }

  function addPoints(st, part) {
    let s = st.series.get(part.s);
    if (!s) st.series.set(part.s, s = { xs: [], ys: [], seqs: [] });
    const last = s.seqs.length ? s.seqs[s.seqs.length - 1] : 0;
    const xs = part.x || [], ys = part.y || [];
    for (let i = 0; i < xs.length; i++) {
      const seq = part.seqs ? part.seqs[i] : part.seq + i;
      if (seq <= last) continue;
      s.xs.push(xs[i] == null ? NaN : Number(xs[i]));
      s.ys.push(ys[i] == null ? NaN : Number(ys[i]));
      s.seqs.push(seq);
    }
    let old = 0; // points Lua no longer keeps (max_points)
    while (old < s.seqs.length && s.seqs[old] < part.first) old++;
    if (old > 0) { s.xs.splice(0, old); s.ys.splice(0, old); s.seqs.splice(0, old); }
  }

  /** The indices worth drawing at `buckets` slices: all when few, else the
   * first, lowest, highest and last of each slice and its first gap (as
   * plot.lua's reduce). */
  function reduce(xs, ys, buckets) {
    const n = xs.length;
    if (n <= 4 * buckets) return null;
    const kept = [];
    const size = n / buckets;
    for (let b = 0; b < buckets; b++) {
      const lo = Math.floor(b * size), hi = Math.floor((b + 1) * size) - 1;
      let imin = lo, imax = lo, gap = hi, ymin = Infinity, ymax = -Infinity, gapSeen = false;
      for (let i = lo; i <= hi; i++) {
        if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) {
          if (ys[i] < ymin) { ymin = ys[i]; imin = i; }
          if (ys[i] > ymax) { ymax = ys[i]; imax = i; }
        } else if (!gapSeen) { gap = i; gapSeen = true; }
      }
      let previous = -1;
      for (const i of [lo, imin, imax, hi, gap].sort((a, b2) => a - b2)) {
        if (i !== previous) kept.push(i);
        previous = i;
      }
    }
    return kept;
  }

  function drawPlot(el, st) {
    if (!st.frame) return;
    const [ox, oy, xlo, ylo, sx, sy, pw] = st.frame.map(Number);
    const buckets = Math.max(Math.floor(pw), 1);
    for (const target of el.querySelectorAll("[data-gz-series]")) {
      const s = st.series.get(Number(target.dataset.gzSeries)) || { xs: [], ys: [] };
      const kept = reduce(s.xs, s.ys, buckets);
      const count = kept ? kept.length : s.xs.length;
      const parts = [];
      if (target.tagName.toLowerCase() === "path") {
        let pen = false;
        for (let k = 0; k < count; k++) {
          const i = kept ? kept[k] : k;
          const x = s.xs[i], y = s.ys[i];
          if (Number.isFinite(x) && Number.isFinite(y)) {
            parts.push(`${pen ? "L" : "M"}${(ox + (x - xlo) * sx).toFixed(1)} ${(oy - (y - ylo) * sy).toFixed(1)}`);
            pen = true;
          } else pen = false;
        }
        target.setAttribute("d", parts.join(""));
      } else {
        const r = Number(target.dataset.gzR) || 3;
        const cells = new Set(); // one dot per pixel: more would draw over each other
        for (let i = 0; i < s.xs.length; i++) {
          const x = s.xs[i], y = s.ys[i];
          if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
          const px = ox + (x - xlo) * sx, py = oy - (y - ylo) * sy;
          const cell = Math.floor(px) * 65536 + Math.floor(py);
          if (cells.has(cell)) continue;
          cells.add(cell);
          parts.push(`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="${r}"/>`);
        }
        target.innerHTML = parts.join("");
      }
    }
  }

  // ---- EXPR ------------------------------------------------------------

  const forms = {
    root(name) {
      if (name === "window") return window;
      if (name === "document") return document;
      throw new CommandError(`unknown root ${JSON.stringify(name)}`);
    },
    el: (id) => component(id),
    ref(id) {
      if (!refs.has(id)) throw new CommandError(`no kept result with ref ${JSON.stringify(id)}`);
      return refs.get(id);
    },
    fn: (cb) => callbackFunction(cb),
    get([target, key]) { return evaluate(target)[evaluate(key)]; },
    set([target, key, value]) {
      const v = evaluate(value);
      evaluate(target)[evaluate(key)] = v;
      return v;
    },
    call([callee, args]) {
      let self, f;
      if (isForm(callee, "get")) {
        self = evaluate(callee.get[0]);
        f = self[evaluate(callee.get[1])];
      } else {
        f = evaluate(callee);
      }
      if (typeof f !== "function") throw new TypeError(`${describe(callee)} is not a function`);
      return f.apply(self, (args || []).map(evaluate));
    },
    new([callee, args]) {
      const C = evaluate(callee);
      if (typeof C !== "function") throw new TypeError(`${describe(callee)} is not a constructor`);
      return new C(...(args || []).map(evaluate));
    },
    arr: (items) => items.map(evaluate),
    obj: (fields) => Object.fromEntries(Object.entries(fields).map(([k, e]) => [k, evaluate(e)])),
  };

  function evaluate(expr) {
    if (expr === null || typeof expr !== "object") return expr;
    const keys = Object.keys(expr);
    if (keys.length === 1 && !Array.isArray(expr) && Object.hasOwn(forms, keys[0])) {
      return forms[keys[0]](expr[keys[0]]);
    }
    throw new CommandError(`not an expression: ${JSON.stringify(expr)}`.slice(0, 300));
  }

  function isForm(expr, name) {
    return expr !== null && typeof expr === "object" && Object.hasOwn(expr, name);
  }

  /** A readable name for an expression in error messages: window.document.foo. */
  function describe(expr) {
    if (isForm(expr, "root")) return String(expr.root);
    if (isForm(expr, "el")) return `component ${expr.el}`;
    if (isForm(expr, "ref")) return `ref ${expr.ref}`;
    if (isForm(expr, "get") && typeof expr.get[1] !== "object") return `${describe(expr.get[0])}.${expr.get[1]}`;
    return "the expression";
  }

  function callbackFunction(cb) {
    if (!functions.has(cb)) {
      functions.set(cb, function (...args) {
        send({ t: "call", g: generation, cb, args: args.map((a) => jsonSafe(a)) });
      });
    }
    return functions.get(cb);
  }

  function isThenable(v) {
    return v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function";
  }

  // ---- JSON-safe values ------------------------------------------------

  const OMIT = Symbol("omit"); // left out of objects, null in arrays

  function jsonSafe(value) {
    const v = safeValue(value, 0, new Set());
    return v === OMIT ? null : v;
  }

  function safeValue(v, depth, ancestors) {
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") return Number.isFinite(v) ? v : OMIT;
    if (typeof v !== "object") return OMIT; // undefined, functions, symbols, bigints
    if (isDOMNode(v) || v === window || ancestors.has(v)) return OMIT;
    if (depth >= MAX_DEPTH) return null;
    ancestors.add(v);
    try {
      return safeContainer(v, depth + 1, ancestors);
    } finally {
      ancestors.delete(v);
    }
  }

  function safeContainer(v, depth, ancestors) {
    if (v instanceof Event) return safeEvent(v);
    if (typeof v.toJSON === "function") return safeValue(v.toJSON(), depth - 1, ancestors);
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      return Array.from(v, (item) => {
        const safe = safeValue(item, depth, ancestors);
        return safe === OMIT ? null : safe;
      });
    }
    const out = {};
    for (const key in v) {
      const safe = safeValue(readProperty(v, key), depth, ancestors);
      if (safe !== OMIT) Object.defineProperty(out, key, { value: safe, enumerable: true, writable: true });
    }
    return out;
  }

  /** An event's primitive fields, plus its target's value and checked. */
  function safeEvent(event) {
    const out = {};
    for (const key in event) {
      const value = readProperty(event, key);
      if (typeof value === "string" || typeof value === "boolean" || Number.isFinite(value)) out[key] = value;
    }
    const target = event.target;
    if (target && typeof target === "object") {
      for (const key of ["value", "checked"]) {
        if (key in target) {
          const safe = safeValue(readProperty(target, key), 0, new Set());
          if (safe !== OMIT) out[key] = safe;
        }
      }
    }
    return out;
  }

  function isDOMNode(v) {
    return typeof v.nodeType === "number" && typeof v.nodeName === "string";
  }

  function readProperty(object, key) {
    try {
      return object[key];
    } catch {
      return undefined; // some host getters throw on the wrong receiver
    }
  }

  // ---- the tray: errors and notes ---------------------------------------
  //
  // Below the gizmo, in the page's flow, so it never covers a button; an
  // error that comes again (a timer failing every second) counts up instead
  // of stacking.

  function errorText(e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    return el;
  }

  // The error of a hot reload that failed, over the last good page; the
  // next render (the fixed script) takes it away.
  function showOverlay(title, message) {
    removeOverlay();
    const overlay = element("div", "gz-overlay");
    overlay.id = "gz-overlay";
    overlay.setAttribute("role", "alert");
    const box = element("div", "gz-overlay-box");
    box.append(element("div", "gz-overlay-title", title), element("pre", "gz-overlay-msg", message),
      element("div", "gz-overlay-hint", "Fix the file and save it: this page updates by itself."));
    overlay.append(box);
    document.body.append(overlay);
  }

  function removeOverlay() {
    document.getElementById("gz-overlay")?.remove();
  }

  const trayEntries = new Map(); // kind + message + trace -> entry element

  function addToTray(kind, message, trace) {
    const key = `${kind}\u0000${message}\u0000${trace || ""}`;
    const known = trayEntries.get(key);
    if (known) {
      const count = Number(known.dataset.count) + 1;
      known.dataset.count = String(count);
      known.querySelector(".gz-tray-count").textContent = `×${count}`;
      tray.append(known); // the latest comes last
      return;
    }
    const entry = element("div", `gz-tray-entry gz-${kind}`);
    entry.setAttribute("role", kind === "error" ? "alert" : "status");
    entry.dataset.count = "1";
    const close = element("button", "gz-tray-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", () => {
      entry.remove();
      trayEntries.delete(key);
    });
    entry.append(close, element("span", "gz-tray-count"), element("div", "gz-tray-msg", message));
    if (trace) {
      const details = element("details", "gz-tray-trace");
      details.append(element("summary", null, "Traceback"), element("pre", null, String(trace)));
      entry.append(details);
    }
    trayEntries.set(key, entry);
    tray.append(entry);
    while (tray.children.length > MAX_TRAY_ENTRIES) {
      const oldest = tray.firstElementChild;
      for (const [k, e] of trayEntries) if (e === oldest) trayEntries.delete(k);
      oldest.remove();
    }
  }

  function showError(message, trace) { addToTray("error", message, trace); }
  function showNotice(message) { addToTray("notice", message); }

  // A page kept in the back/forward cache must not hold its session open:
  // it lets go on pagehide and connects again (getting a full render) on pageshow.
  function onPageHide(event) {
    if (!event.persisted || !socket) return;
    const old = socket;
    socket = null;
    old.close(1001, "page hidden");
  }

  function onPageShow(event) {
    if (!event.persisted || socket || closedByServer) return;
    retryMs = FIRST_RETRY_MS;
    connect();
  }

  // ---- first paint -----------------------------------------------------
  //
  // The server may send the page with the session's tree already in its
  // HTML and the render command beside it (docs/protocol.md, "First
  // paint"). The elements are taken as they are, once they match the render
  // node for node; listeners, js_init code and live data are attached as a
  // render would; the socket then resumes after that render's frame. HTML
  // that does not match is replaced by the render's own building.

  let firstPaint = "none";

  function takeFirstPaint() {
    const data = document.getElementById("gz-first");
    if (!data) return;
    data.remove();
    let c;
    try {
      c = JSON.parse(data.textContent);
    } catch (e) {
      root.replaceChildren();
      showError(`The page's first paint could not be read (${errorText(e)}); it renders when it connects.`);
      return;
    }
    const frame = Number(data.dataset.frame);
    lastFrame = Number.isInteger(frame) && frame >= 0 ? frame : null;
    if (adopt(c)) {
      firstPaint = "adopted";
    } else {
      firstPaint = "rebuilt";
      pending.push(c);
      pump();
    }
  }

  /** Takes the elements of the page's HTML for the render's nodes; false when they do not match. */
  function adopt(c) {
    const found = new Map();
    for (const el of root.querySelectorAll("[data-gz-id]")) {
      const id = el.getAttribute("data-gz-id");
      if (found.has(id)) return false;
      found.set(id, el);
    }
    const matched = []; // [node, element], children before their parent (as build runs inits)
    function match(node, parentEl) {
      if (!node || typeof node !== "object" || node.id == null) return false;
      const el = found.get(String(node.id));
      if (!el) return false;
      if (node.tag && (el.localName !== String(node.tag).toLowerCase() || el.namespaceURI !== root.namespaceURI)) return false;
      const owner = parentEl ? el.parentElement && el.parentElement.closest("[data-gz-id]") : el.parentElement;
      if (owner !== (parentEl || root)) return false;
      for (const kid of node.kids || []) if (!match(kid, el)) return false;
      if (node.live && node.live.kind === "log" && ![...el.childNodes].every((n) => n.nodeType === Node.TEXT_NODE)) return false;
      matched.push([node, el]);
      return true;
    }
    if (root.childNodes.length !== 1 || !match(c.node, null) || matched.length !== found.size) return false;
    components.clear();
    refs.clear();
    listeners.clear();
    const inits = [];
    for (const [node, el] of matched) {
      components.set(node.id, el);
      for (const event in node.on || {}) listen(el, node.id, event, node.on[event]);
      for (const init of node.init || []) inits.push({ el, code: init.code, args: init.args });
      if (node.live) {
        if (node.live.kind === "log") el.replaceChildren(); // its lines again, counted
        buildLive(el, node.live);
      }
    }
    if (c.g != null) generation = c.g;
    runInits(inits);
    return true;
  }

  window.addEventListener("pagehide", onPageHide);
  window.addEventListener("pageshow", onPageShow);
  window.gizmo = Object.freeze({
    state: () => state, waiting: () => unacked.length, frame: () => lastFrame, firstPaint: () => firstPaint,
  });
  setStatus("connecting");
  // A page with its first paint shows it before anything here runs: the
  // browser paints the parser's elements at its next frame, and this
  // script's work (adopting them, opening the socket, the frames that
  // arrive) waits until just after that frame instead of delaying it. A
  // hidden tab runs no animation frames: the timer starts it there.
  if (document.getElementById("gz-first")) afterFirstFrame(start);
  else start();

  function start() {
    takeFirstPaint();
    connect();
  }

  function afterFirstFrame(run) {
    let ran = false;
    const once = () => {
      if (!ran) {
        ran = true;
        run();
      }
    };
    requestAnimationFrame(() => setTimeout(once, 0));
    setTimeout(once, AFTER_FIRST_FRAME_MS);
  }
})();
