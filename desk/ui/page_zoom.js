// A page image a supervisor can read: shown at the width of its box, zoomed with the mouse wheel
// around the pointer, moved by dragging, and put back with the reset button. Zooming happens in the
// browser (a wheel turn must not wait for the server); the image itself comes by URL from the
// archive's role-checked, logged image route.
const MIN_SCALE = 1;
const MAX_SCALE = 8;
const STEP = 1.25; // per wheel notch or button press

export default {
  template: `
    <div class="desk-page-zoom" style="display: flex; flex-direction: column; gap: 4px; width: 100%">
      <div style="display: flex; align-items: center; gap: 4px; flex-wrap: wrap">
        <q-btn flat dense round icon="zoom_out" class="desk-zoom-out" :aria-label="zoom_out_label"
               @click="step(-1)" />
        <span class="desk-zoom-level" style="min-width: 3.5rem; text-align: center; font-size: 0.875rem"
              >{{ Math.round(scale * 100) }}%</span>
        <q-btn flat dense round icon="zoom_in" class="desk-zoom-in" :aria-label="zoom_in_label" @click="step(1)" />
        <q-btn flat dense no-caps icon="fit_screen" class="desk-zoom-reset" :label="reset_label"
               :disable="scale === 1" @click="reset" />
        <span style="font-size: 0.75rem; color: #666">{{ hint }}</span>
      </div>
      <div ref="box" class="desk-zoom-box"
           :style="{overflow: 'auto', maxHeight: max_height, background: '#e0e0e0', borderRadius: '4px',
                    cursor: dragging ? 'grabbing' : 'grab', touchAction: 'none'}"
           @wheel.prevent="wheel" @pointerdown="grab" @pointermove="drag" @pointerup="drop"
           @pointercancel="drop" @dblclick="reset">
        <img ref="img" :src="src" :alt="alt" draggable="false"
             :style="{display: 'block', width: (scale * 100) + '%', maxWidth: 'none', userSelect: 'none'}" />
      </div>
    </div>`,
  props: {
    src: String,
    alt: String,
    reset_label: String,
    zoom_in_label: String,
    zoom_out_label: String,
    hint: String,
    max_height: { type: String, default: "80vh" },
  },
  data() {
    return { scale: 1, dragging: false, last: null };
  },
  methods: {
    // zoom to `next`, keeping the image point under (x, y) of the box where it was
    async zoomTo(next, x, y) {
      const box = this.$refs.box;
      const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, next));
      if (!box || scale === this.scale) return;
      const ratio = scale / this.scale;
      const left = (box.scrollLeft + x) * ratio - x;
      const top = (box.scrollTop + y) * ratio - y;
      this.scale = scale;
      await this.$nextTick();
      box.scrollLeft = left;
      box.scrollTop = top;
    },
    wheel(event) {
      const rect = this.$refs.box.getBoundingClientRect();
      const factor = event.deltaY < 0 ? STEP : 1 / STEP;
      this.zoomTo(this.scale * factor, event.clientX - rect.left, event.clientY - rect.top);
    },
    step(direction) {
      const box = this.$refs.box;
      this.zoomTo(this.scale * (direction > 0 ? STEP : 1 / STEP), box.clientWidth / 2, box.clientHeight / 2);
    },
    reset() {
      this.scale = 1;
      this.$nextTick(() => this.$refs.box && this.$refs.box.scrollTo(0, 0));
    },
    grab(event) {
      if (event.button !== 0) return;
      this.dragging = true;
      this.last = { x: event.clientX, y: event.clientY };
      this.$refs.box.setPointerCapture(event.pointerId);
    },
    drag(event) {
      if (!this.dragging) return;
      const box = this.$refs.box;
      box.scrollLeft -= event.clientX - this.last.x;
      box.scrollTop -= event.clientY - this.last.y;
      this.last = { x: event.clientX, y: event.clientY };
    },
    drop(event) {
      this.dragging = false;
      if (this.$refs.box && this.$refs.box.hasPointerCapture(event.pointerId)) {
        this.$refs.box.releasePointerCapture(event.pointerId);
      }
    },
  },
};
