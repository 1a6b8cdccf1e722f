// The progress line every long computation shows: a bar (or a spinner when the amount is
// unknown), what is happening, and a button that cancels it. Widgets place `el` where it
// belongs and call `show(text, fraction)` / `hide()`.
//
//   const busy = new Progress({ label: 'Stop', onCancel: () => this.#stop() });
//   root.append(busy.el);
//   busy.show('Training… 120 / 1500', 0.08);   // fraction null → spinner
//   busy.hide();

export class Progress {
  #cancellable = false;

  constructor({ label = 'Cancel', onCancel = null, className = '' } = {}) {
    const el = this.el = document.createElement('div');
    el.className = `ep-busy ${className}`.trim();
    el.hidden = true;
    el.setAttribute('role', 'status');
    el.innerHTML = `<progress class="ep-busy-bar" max="1"></progress><span class="ep-busy-text"></span>
      <button type="button" class="ep-chip ep-busy-cancel"></button>`;
    const button = el.querySelector('button');
    button.textContent = label;
    button.hidden = !onCancel;
    this.#cancellable = !!onCancel;
    if (onCancel) button.addEventListener('click', () => onCancel());
  }

  get visible() { return !this.el.hidden; }

  /** `fraction` in 0..1, or null/undefined for work of unknown length (indeterminate bar);
   *  `cancel: false` hides the button for work that cannot be cancelled. */
  show(text, fraction = null, { cancel = true } = {}) {
    this.el.hidden = false;
    this.el.querySelector('.ep-busy-cancel').hidden = !(cancel && this.#cancellable);
    this.el.querySelector('.ep-busy-text').textContent = text;
    const bar = this.el.querySelector('.ep-busy-bar');
    if (fraction === null || fraction === undefined) bar.removeAttribute('value');
    else bar.value = Math.min(1, Math.max(0, fraction));
  }

  hide() { this.el.hidden = true; }
}
