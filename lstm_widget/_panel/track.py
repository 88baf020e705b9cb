"""The panel's slider: the browser's own ``<input type="range">`` inside a ``<label>``.

ipywidgets' sliders draw their handle with noUiSlider and give it no accessible name,
and no widget setting reaches it, so a screen reader announces an unnamed slider. The
browser's range input is named by its label, moves with the arrow keys, Home, End and
Page Up/Down, and drags, all by itself. It reaches every room the panel runs in as an
anywidget: anywidget's front end ships prebuilt in its wheel (JupyterLab, Notebook 7,
Voila), and the JupyterLite site serves it with anywidget's pure-Python wheel.

Its Python side is an ipywidgets slider's: ``value``, ``min``, ``max``, ``step``,
``disabled`` and ``observe``. On a logarithmic track (``base`` above 1) ``min``, ``max``
and ``step`` are powers of ``base`` and ``value`` is the value itself, as in
``FloatLogSlider``; the track then tells a screen reader the whole value
(``aria-valuetext``) rather than the power. The front end sends a value only when the
user moves the track: a value set from Python is shown, never echoed back.
"""

from __future__ import annotations

from typing import Final

import anywidget
from traitlets import Bool, Float, Unicode

#: The class on the widget's element, for the stylesheet.
TRACK_CLASS: Final = "lstm-widget-track"

_ESM = """
const SHOWN = ['value', 'min', 'max', 'step', 'base', 'description', 'disabled'];
// The keys a range input moves with. The notebook's shortcuts would take them (to move
// between cells) and cancel the input's own move: JupyterLab's as they bubble up to
// the document, Notebook 7's as they are captured on the way down. So they are stopped
// before both, at the window as they are captured, and only on their way to this input;
// the browser then moves the input.
const MOVES = new Set([
  'ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown',
]);

function render({ model, el }) {
  el.classList.add('TRACK');
  // The label wraps the input, which names it without an id to keep unique.
  const label = document.createElement('label');
  const name = document.createElement('span');
  name.className = 'TRACK-name';
  const input = document.createElement('input');
  input.type = 'range';
  label.append(name, input);
  el.append(label);
  const base = () => model.get('base');
  const show = () => {
    name.textContent = model.get('description');
    // The ends first: the input clamps its value to the ends it has.
    input.min = String(model.get('min'));
    input.max = String(model.get('max'));
    input.step = String(model.get('step'));
    const value = model.get('value');
    input.value = String(base() > 1 ? Math.log(value) / Math.log(base()) : value);
    input.disabled = model.get('disabled');
    if (base() > 1) input.setAttribute('aria-valuetext', String(Math.round(value)));
    else input.removeAttribute('aria-valuetext');
  };
  const keep = event => {
    if (event.target === input && MOVES.has(event.key)) event.stopPropagation();
  };
  window.addEventListener('keydown', keep, true);
  input.addEventListener('input', () => {
    const position = Number(input.value);
    model.set('value', base() > 1 ? base() ** position : position);
    model.save_changes();
  });
  for (const trait of SHOWN) model.on(`change:${trait}`, show);
  show();
  return () => {
    for (const trait of SHOWN) model.off(`change:${trait}`, show);
    window.removeEventListener('keydown', keep, true);
  };
}

export default { render };
""".replace("TRACK", TRACK_CLASS)

# Sized like an ipywidgets slider, from the same custom properties (the lecture
# stylesheet scales those). The name is there for assistive technology only: the
# same words are the visible label of the typed entry the track sits beside.
_CSS = """
.TRACK {
  box-sizing: border-box;
  display: flex;
  align-items: center;
  width: var(--jp-widgets-inline-width, 300px);
  height: var(--jp-widgets-inline-height, 28px);
  margin: var(--jp-widgets-margin, 2px);
}
.TRACK label { display: flex; flex: 1 1 auto; min-width: 0; }
.TRACK input {
  flex: 1 1 auto;
  min-width: 0;
  margin: 0 4px;
  accent-color: var(--jp-brand-color1, #1976d2);
}
.TRACK input:focus-visible {
  outline: 2px solid var(--jp-widgets-input-focus-border-color, #1976d2);
  outline-offset: 2px;
}
.TRACK-name {
  position: absolute;
  width: 1px;
  height: 1px;
  overflow: hidden;
  clip-path: inset(50%);
  white-space: nowrap;
}
""".replace("TRACK", TRACK_CLASS)


class Track(anywidget.AnyWidget):
    """A labelled range input: a slider a screen reader can name.

    Parameters are the traits below, as keywords.
    """

    _esm = _ESM
    _css = _CSS
    #: The value (on a logarithmic track, ``base`` to the power of the position).
    value = Float(0.0).tag(sync=True)
    #: The track's ends and step: positions, powers of ``base`` on a logarithmic track.
    min = Float(0.0).tag(sync=True)
    max = Float(100.0).tag(sync=True)
    step = Float(1.0).tag(sync=True)
    #: The logarithm's base; 0 for a linear track.
    base = Float(0.0).tag(sync=True)
    #: The accessible name: the setting, as the entry beside the track labels it.
    description = Unicode("").tag(sync=True)
    disabled = Bool(False).tag(sync=True)
