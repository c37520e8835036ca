// The document camera: a live preview, and on capture one full-resolution JPEG frame sent by
// HTTP POST to the app (never over the websocket, which refuses messages above ~1 MB).
// Emits: started {width, height, label}, failed {reason, message}, capturing, posted {status, ...reply}.
export default {
  template: `
    <div class="desk-camera" style="position: relative; background: #111; border-radius: 4px; overflow: hidden">
      <video ref="video" autoplay playsinline muted
             style="display: block; width: 100%; max-height: 56vh; object-fit: contain"></video>
    </div>`,
  props: {
    upload_url: String,
  },
  data() {
    return { stream: null, busy: false };
  },
  async mounted() {
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
      await this.frameSize(); // "ready" only once a frame can be taken
      const track = this.stream.getVideoTracks()[0];
      const settings = track.getSettings();
      this.$emit("started", { width: settings.width, height: settings.height, label: track.label });
    } catch (error) {
      this.$emit("failed", { reason: error.name || "error", message: String(error.message || error) });
    }
  },
  unmounted() {
    window.removeEventListener("keydown", this.onKey, true);
    this.stop();
  },
  methods: {
    frameSize() {
      // resolves when the video knows its frame size (until then a capture would draw nothing)
      const video = this.$refs.video;
      if (!video || video.videoWidth) return Promise.resolve();
      return new Promise((resolve) => video.addEventListener("loadedmetadata", resolve, { once: true }));
    },
    stop() {
      if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
      this.stream = null;
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
    async capture() {
      if (this.busy || !this.stream || !this.$refs.video) return;
      this.busy = true;
      this.$emit("capturing");
      try {
        await this.frameSize();
        const video = this.$refs.video;
        const canvas = document.createElement("canvas");
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        canvas.getContext("2d").drawImage(video, 0, 0);
        const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
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
        this.$emit("posted", { status: response.status, ...reply });
      } catch (error) {
        this.$emit("posted", { status: 0, message: String(error.message || error) });
      } finally {
        this.busy = false;
      }
    },
  },
};
