// The document camera: a live preview with the paper's outline drawn over it, auto-capture of a page
// held still, and on capture one full-resolution JPEG frame sent by HTTP POST to the app (never over
// the websocket, which refuses messages above ~1 MB).
//
// Outline: a few times a second a small preview frame (plus a full-resolution crop of the page's
// middle, for blur) is POSTed to preview_url; the reply's corners are drawn over the video, green when
// the page is whole, sharp and still, amber with the reason when not. One preview is in flight at a
// time: the next frame is taken only when the last reply is back.
// Auto-capture: a page still for HOLD_MS is taken by itself (countdown ring, a short beep); after a
// capture the next one waits until the outline has changed (page turned or taken away) for about a
// second and settled again, so a page left lying there is taken once, even when a hand passes over it. The switch is remembered by the browser.
// Pages are taken one after another while earlier ones are still being read: each frame is grabbed at
// once and its upload queues behind the one before (a POST returns when its page has been read).
// Emits: started {width, height, label}, failed {reason, message}, capturing,
// posted {status, more (frames still queued behind it), ...reply}.
const PREVIEW_SIDE = 640; // longest side of the preview frame: enough for the outline, small to send and to search
const PREVIEW_QUALITY = 0.7;
const DETAIL_SIDE = 512; // full-resolution crop for blur, which a 640-px frame hides
const PREVIEW_EVERY_MS = 250; // at most four previews a second
const STILL_SHARE = 0.01; // corners within this share of the diagonal of where the still run began: still
const CHANGED_SHARE = 0.04; // after a capture, the outline must move this far (or vanish) before the next
const CHANGED_PREVIEWS = 2; // ... in this many previews in a row (one missed outline is not a new page)
const CHANGED_MS = 1000; // ... and for this long: a hand passing over the page lying there is not a new page
const HOLD_MS = 1000; // a page still this long is taken
const MIN_STILL_PREVIEWS = 3; // and seen still in at least this many previews
const BLANK_RETRIES = 10; // a frame drawn pure black is drawn again this many times at most ...
const BLANK_WAIT_MS = 100; // ... this far apart
const BLANK_LEVEL = 8; // no channel of any pixel above this: pure black
const PRESS_GAP_MS = 800; // two presses of the key or button closer than this are one press
const AUTO_KEY = "desk.camera.auto";
const GREEN = "#21ba45";
const AMBER = "#f2c037";
const RING = 2 * Math.PI * 40;

function farthest(a, b) {
  return Math.max(...a.map((point, i) => Math.hypot(point[0] - b[i][0], point[1] - b[i][1])));
}

export default {
  template: `
    <div class="desk-camera" :data-outline="outlineState" :data-auto="auto ? 'on' : 'off'">
      <div style="position: relative; background: #111; border-radius: 4px; overflow: hidden">
        <video ref="video" autoplay playsinline muted
               style="display: block; width: 100%; max-height: 56vh; object-fit: contain"></video>
        <svg class="desk-camera-outline"
             style="position: absolute; left: 0; top: 0; width: 100%; height: 100%; pointer-events: none">
          <polygon v-if="polygon" :points="polygon" :stroke="colour" :fill="colour" fill-opacity="0.12"
                   stroke-width="3" stroke-linejoin="round"></polygon>
        </svg>
        <div v-if="status" class="desk-camera-status"
             :style="{position: 'absolute', left: '8px', top: '8px', padding: '2px 10px', borderRadius: '12px',
                      background: 'rgba(0, 0, 0, 0.65)', color: colour, fontSize: '14px'}">{{ status }}</div>
        <div v-if="countdown !== null" class="desk-camera-countdown"
             style="position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; pointer-events: none">
          <svg width="96" height="96" viewBox="0 0 96 96">
            <circle cx="48" cy="48" r="40" fill="rgba(0, 0, 0, 0.45)" stroke="rgba(255, 255, 255, 0.3)" stroke-width="6"></circle>
            <circle cx="48" cy="48" r="40" fill="none" stroke="${GREEN}" stroke-width="6" stroke-linecap="round"
                    :stroke-dasharray="ring" :stroke-dashoffset="ring * (1 - countdown)" transform="rotate(-90 48 48)"></circle>
            <text v-if="countdown < 1" x="48" y="57" text-anchor="middle" font-size="26" fill="white">{{ ((1 - countdown) * holdSeconds).toFixed(1) }}</text>
            <circle v-else cx="48" cy="48" r="14" fill="white"></circle>
          </svg>
        </div>
      </div>
      <q-toggle v-model="auto" :label="texts.auto" dense class="q-mt-xs desk-camera-auto" @update:model-value="saveAuto"></q-toggle>
    </div>`,
  props: {
    upload_url: String,
    preview_url: String,
    texts: Object,
  },
  data() {
    return {
      stream: null, grabbing: false, auto: localStorage.getItem(AUTO_KEY) !== "off",
      polygon: "", colour: AMBER, status: "", outlineState: "none", countdown: null,
      ring: RING, holdSeconds: HOLD_MS / 1000,
    };
  },
  async mounted() {
    // timings for the benchmark (read by tests through the element): preview round trips, outlines, captures
    this.stats = { streamStart: null, roundTrips: [], outlines: [], captures: [] };
    this.$el.deskStats = this.stats;
    this.still = null; // {anchor, since, count}: the current run of still previews
    this.corners = null; // the last outline, in video pixels
    this.armed = true; // auto-capture may fire (false after a capture until the outline changed)
    this.taken = null; // the outline at the last capture
    this.changed = null; // {since, count}: the current run of previews whose outline differs from the taken one
    this.uploads = Promise.resolve(); // frames go one after another, in the order taken
    this.pending = 0;
    this.lastPress = -Infinity; // when the key or button last took a page
    this.onKey = (event) => this.keydown(event);
    window.addEventListener("keydown", this.onKey, true);
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.$emit("failed", { reason: "insecure", message: "" });
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 3264 }, height: { ideal: 2448 } },
        audio: false,
      });
      if (!this.$refs.video) {
        this.stop();
        return;
      }
      this.$refs.video.srcObject = this.stream;
      this.stats.streamStart = performance.now();
      await this.frameReady(); // "ready" only once a frame can be taken
      const track = this.stream.getVideoTracks()[0];
      const settings = track.getSettings();
      this.$emit("started", { width: settings.width, height: settings.height, label: track.label });
      this.previewLoop();
    } catch (error) {
      this.$emit("failed", { reason: error.name || "error", message: String(error.message || error) });
    }
  },
  unmounted() {
    window.removeEventListener("keydown", this.onKey, true);
    this.stop();
  },
  methods: {
    frameReady() {
      // resolves once the video holds a decoded frame: with only its size known (loadedmetadata),
      // drawImage paints nothing and the capture would be a black page
      const video = this.$refs.video;
      if (!video || video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) return Promise.resolve();
      return new Promise((resolve) => video.addEventListener("loadeddata", resolve, { once: true }));
    },
    stop() {
      if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
      this.stream = null;
      if (this.tick) cancelAnimationFrame(this.tick);
    },
    saveAuto(value) {
      localStorage.setItem(AUTO_KEY, value ? "on" : "off");
      if (!value) this.countdown = null;
    },
    keydown(event) {
      // Space captures, wherever the focus is, except while typing into a field.
      if (event.code !== "Space" && event.key !== " ") return;
      const tag = (event.target && event.target.tagName) || "";
      if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || !this.stream) return;
      event.preventDefault();
      event.stopPropagation();
      if (!event.repeat) this.capture();
    },
    async previewLoop() {
      while (this.stream) {
        const started = performance.now();
        if (!document.hidden && this.$refs.video && this.$refs.video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
          try {
            await this.previewOnce();
          } catch (error) {
            // a lost preview (network, server restarting): the next one will do
          }
        }
        const rest = PREVIEW_EVERY_MS - (performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, Math.max(rest, 20)));
      }
    },
    async previewOnce() {
      const video = this.$refs.video;
      const width = video.videoWidth, height = video.videoHeight;
      const grabbedAt = performance.now();
      const scale = Math.min(1, PREVIEW_SIDE / Math.max(width, height));
      const small = document.createElement("canvas");
      small.width = Math.round(width * scale);
      small.height = Math.round(height * scale);
      small.getContext("2d").drawImage(video, 0, 0, small.width, small.height);
      const parts = [await new Promise((resolve) => small.toBlob(resolve, "image/jpeg", PREVIEW_QUALITY))];
      if (Math.min(width, height) >= DETAIL_SIDE) {
        // the crop centres on the page's middle as last seen (else the frame's), at full resolution
        const [cx, cy] = this.corners ? [0, 1].map((k) => this.corners.reduce((sum, p) => sum + p[k], 0) / 4)
          : [width / 2, height / 2];
        const x = Math.round(Math.min(Math.max(cx - DETAIL_SIDE / 2, 0), width - DETAIL_SIDE));
        const y = Math.round(Math.min(Math.max(cy - DETAIL_SIDE / 2, 0), height - DETAIL_SIDE));
        const detail = document.createElement("canvas");
        detail.width = detail.height = DETAIL_SIDE;
        detail.getContext("2d").drawImage(video, x, y, DETAIL_SIDE, DETAIL_SIDE, 0, 0, DETAIL_SIDE, DETAIL_SIDE);
        parts.push(await new Promise((resolve) => detail.toBlob(resolve, "image/jpeg", 0.9)));
      }
      const response = await fetch((window.path_prefix || "") + this.preview_url, {
        method: "POST",
        body: new Blob(parts, { type: "image/jpeg" }),
        headers: { "Content-Type": "image/jpeg", "X-Frame-Bytes": String(parts[0].size) },
        credentials: "same-origin",
      });
      const result = response.ok ? await response.json() : null;
      if (!result || result.dropped || !this.stream) return;
      this.showOutline(result, width, height, grabbedAt);
      this.stats.roundTrips.push(performance.now() - grabbedAt);
    },
    showOutline(result, width, height, grabbedAt) {
      const corners = result.found ? result.corners.map(([x, y]) => [x * width, y * height]) : null;
      const diagonal = Math.hypot(width, height);
      this.corners = corners;
      if (result.ok && this.still && farthest(corners, this.still.anchor) < STILL_SHARE * diagonal) {
        this.still.count += 1;
      } else {
        this.still = result.ok ? { anchor: corners, since: grabbedAt, count: 1 } : null;
      }
      this.noteChange(corners, diagonal, grabbedAt);
      const still = this.still && this.still.count >= 2;
      this.colour = result.ok && still ? GREEN : AMBER;
      this.outlineState = !corners ? "none" : this.colour === GREEN ? "green" : "amber";
      this.polygon = corners ? this.toScreen(corners, width, height) : "";
      this.status = !result.ok ? (result.messages || [])[0] || "" : !still ? this.texts.hold_still
        : this.armed ? this.texts.ready : this.texts.taken;
      this.stats.outlines.push({ at: grabbedAt, drawn: performance.now(), state: this.outlineState, corners,
                                 armed: this.armed });
      this.followCountdown();
    },
    noteChange(corners, diagonal, grabbedAt) {
      // after a capture, re-arm only once the outline vanished or moved well away, in CHANGED_PREVIEWS
      // previews in a row spanning CHANGED_MS (a hand passing over the page hides it for less)
      if (this.armed) return;
      if (!this.taken && corners) {
        // a capture made before any outline was seen (a key pressed at once): the first outline after it is
        // the page that was taken, not a new one, or that page would be taken again a second later
        this.taken = corners;
        this.changed = null;
        return;
      }
      const changed = !corners || !this.taken || farthest(corners, this.taken) > CHANGED_SHARE * diagonal;
      if (!changed) {
        this.changed = null;
        return;
      }
      this.changed = this.changed || { since: grabbedAt, count: 0 };
      this.changed.count += 1;
      if (this.changed.count >= CHANGED_PREVIEWS && grabbedAt - this.changed.since >= CHANGED_MS) {
        this.armed = true;
        this.changed = null;
      }
    },
    toScreen(corners, width, height) {
      // the video is drawn with object-fit: contain; map frame pixels to where they show
      const video = this.$refs.video;
      const scale = Math.min(video.clientWidth / width, video.clientHeight / height);
      const left = (video.clientWidth - width * scale) / 2, top = (video.clientHeight - height * scale) / 2;
      return corners.map(([x, y]) => `${(left + x * scale).toFixed(1)},${(top + y * scale).toFixed(1)}`).join(" ");
    },
    followCountdown() {
      // the ring fills while the page stays still; a full ring takes the picture
      const ready = this.auto && this.armed && this.still && this.still.count >= 2 && this.stream;
      if (!ready) {
        this.countdown = null;
        return;
      }
      const held = performance.now() - this.still.since;
      // not held back while an earlier page is being read: its frame is taken now, its upload queues behind
      if (held >= HOLD_MS && this.still.count >= MIN_STILL_PREVIEWS && !this.grabbing) {
        this.countdown = null;
        this.beep();
        this.capture(true);
        return;
      }
      this.countdown = Math.min(1, held / HOLD_MS);
      if (this.tick) cancelAnimationFrame(this.tick);
      const animate = () => {
        if (this.countdown === null || !this.still) return;
        this.countdown = Math.min(1, (performance.now() - this.still.since) / HOLD_MS);
        this.tick = requestAnimationFrame(animate);
      };
      this.tick = requestAnimationFrame(animate);
    },
    beep() {
      try {
        const Context = window.AudioContext || window.webkitAudioContext;
        this.audio = this.audio || new Context();
        const now = this.audio.currentTime;
        const tone = this.audio.createOscillator(), gain = this.audio.createGain();
        tone.frequency.value = 880;
        gain.gain.setValueAtTime(0.15, now);
        gain.gain.exponentialRampToValueAtTime(0.001, now + 0.15);
        tone.connect(gain).connect(this.audio.destination);
        tone.start(now);
        tone.stop(now + 0.16);
      } catch (error) {
        // no sound device: the ring and the page card still show the capture
      }
    },
    async capture(auto = false) {
      // one press, one page: a press while a frame is being grabbed, or hard on the last press (a key
      // pressed twice by an unsteady hand), is ignored; a press while an earlier page is still being read
      // takes the next page, whose upload queues behind
      if (this.grabbing || !this.stream || !this.$refs.video) return;
      if (!auto) {
        if (performance.now() - this.lastPress < PRESS_GAP_MS) return;
        this.lastPress = performance.now();
      }
      this.grabbing = true;
      let blob;
      try {
        await this.frameReady();
        const canvas = await this.drawnFrame();
        blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
      } finally {
        this.grabbing = false;
      }
      this.armed = false; // the same page lying there is not taken again
      this.taken = this.corners;
      this.changed = null;
      this.stats.captures.push({ at: performance.now(), auto });
      this.pending += 1;
      this.uploads = this.uploads.then(() => this.upload(blob));
      return this.uploads;
    },
    async drawnFrame() {
      // The frame on a canvas. On a loaded machine Chromium has given a canvas with nothing drawn on it
      // (all black) although the video showed the page; no camera gives pure black (a dark room still
      // has noise), so such a canvas is drawn again from the next frames, a few times at most.
      const video = this.$refs.video;
      const canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const context = canvas.getContext("2d"); // drawn on the GPU: only the small probe is read back
      for (let attempt = 1; ; attempt += 1) {
        context.drawImage(video, 0, 0);
        if (!this.blank(canvas)) return canvas;
        this.stats.blankFrames = (this.stats.blankFrames || 0) + 1;
        if (attempt === BLANK_RETRIES) return canvas;
        await new Promise((resolve) => setTimeout(resolve, BLANK_WAIT_MS));
      }
    },
    blank(canvas) {
      // whether a small copy of what was drawn is pure black (no pixel above BLANK_LEVEL)
      const probe = document.createElement("canvas");
      probe.width = 64;
      probe.height = 48;
      const context = probe.getContext("2d", { willReadFrequently: true });
      context.drawImage(canvas, 0, 0, probe.width, probe.height);
      const pixels = context.getImageData(0, 0, probe.width, probe.height).data;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i] > BLANK_LEVEL || pixels[i + 1] > BLANK_LEVEL || pixels[i + 2] > BLANK_LEVEL) return false;
      }
      return true;
    },
    async upload(blob) {
      this.$emit("capturing");
      try {
        const response = await fetch((window.path_prefix || "") + this.upload_url, {
          method: "POST",
          body: blob,
          headers: { "Content-Type": "image/jpeg" },
          credentials: "same-origin",
        });
        let reply = {};
        try {
          reply = await response.json();
        } catch (error) {
          reply = {};
        }
        this.$emit("posted", { status: response.status, more: this.pending > 1, ...reply });
      } catch (error) {
        this.$emit("posted", { status: 0, more: this.pending > 1, message: String(error.message || error) });
      } finally {
        this.pending -= 1;
      }
    },
  },
};
