// waveplayer.js: a small waveform player with no library behind it. It
// fetches a recording, decodes it with the Web Audio API to find its peaks,
// draws them as bars on a <canvas> (the played part in another colour, with a
// cursor), plays it through an <audio> element, and seeks where the waveform
// is clicked (or with the arrow keys when it has the focus).
//
//   const player = new WavePlayer(url);        // starts loading at once
//   player.on("ready", (info) => ...);         // info.duration, in seconds
//   player.attach(element);                    // draw the waveform in element
//   player.play(); player.pause(); player.seek(seconds);
//   player.isPlaying(); player.duration(); player.currentTime();
//
// Events: "ready" {duration}, "play" {time}, "pause" {time}, "seek" {time},
// "finish" {time}, "error" {message}. "ready" and "error" are remembered: a
// listener added after one of them gets it at once, so a listener that
// arrives late (from the server, a round trip after the player was made)
// never misses it. Colours come from waveplayer.css.
(function () {
  "use strict";

  const EVENTS = ["ready", "play", "pause", "seek", "finish", "error"];
  const BAR = 2; // CSS pixels of one bar
  const GAP = 1; // between bars
  const PEAK_RATE = 8000; // samples a second to decode at: plenty to find the peaks
  const KEY_STEP = 1; // seconds an arrow key moves

  class WavePlayer {
    constructor(url) {
      this.listeners = new Map(EVENTS.map((name) => [name, []]));
      this.settled = null; // {event, info} once "ready" or "error" happened
      this.samples = null; // the decoded recording, one channel
      this.bars = null; // bar heights (0..1) for the canvas's current width
      this.frame = 0; // the animation frame asked for while playing
      this.destroyed = false;

      this.audio = new Audio();
      this.audio.preload = "auto";
      const time = () => ({ time: this.currentTime() });
      this.audio.addEventListener("play", () => { this.emit("play", time()); this.animate(); });
      // The end of the recording fires "pause" and then "ended": report one "finish".
      this.audio.addEventListener("pause", () => { if (!this.audio.ended) this.emit("pause", time()); this.draw(); });
      this.audio.addEventListener("ended", () => { this.emit("finish", time()); this.draw(); });
      this.audio.addEventListener("seeked", () => this.draw());

      this.canvas = document.createElement("canvas");
      this.canvas.className = "waveplayer";
      this.canvas.tabIndex = 0;
      this.canvas.setAttribute("role", "slider");
      this.canvas.setAttribute("aria-label", "Position in the recording");
      this.canvas.setAttribute("aria-valuemin", "0");
      this.canvas.addEventListener("click", (e) => this.onClick(e));
      this.canvas.addEventListener("keydown", (e) => this.onKey(e));
      // Redraw when the size changes, or the colours (the page turns dark or light).
      this.redraw = () => this.draw();
      this.resizer = new ResizeObserver(this.redraw);
      this.resizer.observe(this.canvas);
      this.scheme = matchMedia("(prefers-color-scheme: dark)");
      this.scheme.addEventListener("change", this.redraw);

      this.load(url).catch((e) => this.settle("error", { message: e instanceof Error ? e.message : String(e) }));
    }

    async load(url) {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      const blob = await response.blob();
      // One download: the <audio> element plays the same bytes from a blob URL.
      const metadata = new Promise((resolve, reject) => {
        this.audio.addEventListener("loadedmetadata", resolve, { once: true });
        this.audio.addEventListener("error", () => reject(new Error(`${url}: the browser cannot play it`)), { once: true });
      });
      this.blobURL = URL.createObjectURL(blob);
      this.audio.src = this.blobURL;
      const context = new OfflineAudioContext(1, 1, PEAK_RATE);
      const [decoded] = await Promise.all([context.decodeAudioData(await blob.arrayBuffer()), metadata]);
      if (this.destroyed) return;
      this.samples = decoded.getChannelData(0);
      this.decodedDuration = decoded.duration;
      this.canvas.setAttribute("aria-valuemax", this.duration().toFixed(1));
      this.draw();
      this.settle("ready", { duration: this.duration() });
    }

    /** Calls fn(info) on each `event`; for "ready" and "error", also when it already happened. */
    on(event, fn) {
      if (!this.listeners.has(event)) throw new Error(`WavePlayer: no event "${event}" (there are ${EVENTS.join(", ")})`);
      if (typeof fn !== "function") throw new TypeError(`WavePlayer.on("${event}", fn): fn must be a function`);
      this.listeners.get(event).push(fn);
      const settled = this.settled;
      if (settled && settled.event === event) queueMicrotask(() => this.call(fn, settled.info));
    }

    emit(event, info) {
      if (this.destroyed) return;
      for (const fn of this.listeners.get(event)) this.call(fn, info);
    }

    settle(event, info) {
      if (this.settled || this.destroyed) return;
      this.settled = { event, info };
      this.emit(event, info);
    }

    /** A listener that throws must not stop the others: its error is reported on its own. */
    call(fn, info) {
      try {
        fn(info);
      } catch (e) {
        setTimeout(() => { throw e; });
      }
    }

    /** Puts the waveform into `container`, in place of what it held. */
    attach(container) {
      container.replaceChildren(this.canvas);
      this.draw();
    }

    play() { return this.audio.play(); }
    pause() { this.audio.pause(); }
    isPlaying() { return !this.audio.paused && !this.audio.ended; }
    currentTime() { return this.audio.currentTime; }

    duration() {
      const d = this.audio.duration;
      return Number.isFinite(d) ? d : this.decodedDuration || 0;
    }

    seek(seconds) {
      const time = Math.min(Math.max(Number(seconds) || 0, 0), this.duration());
      this.audio.currentTime = time;
      this.emit("seek", { time });
      this.draw();
    }

    /** Stops playing and lets go of everything; the player emits nothing more. */
    destroy() {
      this.destroyed = true;
      this.audio.pause();
      cancelAnimationFrame(this.frame);
      this.resizer.disconnect();
      this.scheme.removeEventListener("change", this.redraw);
      if (this.blobURL) URL.revokeObjectURL(this.blobURL);
      this.canvas.remove();
    }

    onClick(event) {
      if (!this.samples) return;
      const box = this.canvas.getBoundingClientRect();
      this.seek(((event.clientX - box.left) / box.width) * this.duration());
    }

    onKey(event) {
      const moves = { ArrowLeft: -KEY_STEP, ArrowRight: KEY_STEP, Home: -Infinity, End: Infinity };
      if (!this.samples || !(event.key in moves)) return;
      event.preventDefault();
      this.seek(this.currentTime() + moves[event.key]);
    }

    /** Redraws every animation frame while the recording plays. */
    animate() {
      cancelAnimationFrame(this.frame);
      const step = () => {
        this.draw();
        if (this.isPlaying()) this.frame = requestAnimationFrame(step);
      };
      this.frame = requestAnimationFrame(step);
    }

    draw() {
      const canvas = this.canvas;
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      if (!width || !height) return; // not in the page (yet)
      const scale = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * scale) || canvas.height !== Math.round(height * scale)) {
        canvas.width = Math.round(width * scale);
        canvas.height = Math.round(height * scale);
        this.bars = null;
      }
      if (!this.bars && this.samples) this.bars = peaks(this.samples, Math.floor((width + GAP) / (BAR + GAP)));

      const style = getComputedStyle(canvas);
      const colour = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
      const ctx = canvas.getContext("2d");
      ctx.setTransform(scale, 0, 0, scale, 0, 0);
      ctx.clearRect(0, 0, width, height);
      const played = this.duration() > 0 ? (width * this.currentTime()) / this.duration() : 0;
      const wave = colour("--waveplayer-wave", "#9aa5b1");
      const progress = colour("--waveplayer-progress", "#2563eb");
      if (!this.bars) {
        ctx.fillStyle = wave; // loading: a flat line
        ctx.fillRect(0, height / 2 - 0.5, width, 1);
        return;
      }
      this.bars.forEach((bar, i) => {
        const x = i * (BAR + GAP);
        const h = Math.max(1, bar * (height - 4));
        ctx.fillStyle = x + BAR / 2 <= played ? progress : wave;
        ctx.fillRect(x, (height - h) / 2, BAR, h);
      });
      ctx.fillStyle = colour("--waveplayer-cursor", "#d97706");
      ctx.fillRect(Math.min(Math.max(played - 1, 0), width - 2), 0, 2, height);
      canvas.setAttribute("aria-valuenow", this.currentTime().toFixed(1));
    }
  }

  /** The loudest sample of each of `count` equal slices, scaled so the loudest is 1. */
  function peaks(samples, count) {
    const bars = new Float32Array(Math.max(count, 1));
    const per = samples.length / bars.length;
    let loudest = 0;
    for (let i = 0; i < bars.length; i++) {
      let peak = 0;
      for (let j = Math.floor(i * per), end = Math.floor((i + 1) * per); j < end; j++) {
        const v = Math.abs(samples[j]);
        if (v > peak) peak = v;
      }
      bars[i] = peak;
      loudest = Math.max(loudest, peak);
    }
    return loudest > 0 ? bars.map((v) => v / loudest) : bars;
  }

  window.WavePlayer = WavePlayer;
})();
