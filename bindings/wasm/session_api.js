// Module.Session: the JavaScript face of the gradlab wasm module, appended to emscripten's
// glue with --post-js. It wraps the embind SessionCore (session_bindings.cpp) and only
// converts: a returned Error becomes a throw, JSON text becomes objects, any spec becomes
// text. The API is documented in bindings/wasm/README.md.
(function () {
  'use strict';

  function unwrap(result) {
    if (result instanceof Error) throw result;
    return result;
  }
  function parsed(result) {
    return JSON.parse(unwrap(result));
  }
  // undefined (and functions) have no JSON text: they go in as their name, which the
  // reader rejects as not JSON, with the reason.
  function specText(spec) {
    if (typeof spec === 'string') return spec;
    const t = JSON.stringify(spec);
    return t === undefined ? String(spec) : t;
  }

  class Session {
    // spec: the experiment spec as JSON text or as an object. Throws an Error (name
    // "SpecError", with `issues`: [{pointer, message}]) when the spec is invalid.
    constructor(spec) {
      this._core = unwrap(Module['SessionCore']['create'](specText(spec)));
    }

    _live() {
      if (!this._core) throw new Error('gradlab: this Session was deleted');
      return this._core;
    }

    // Training: one step's metrics, or n steps' metrics (an array). When a step stops
    // being finite the Error (name "NonFiniteError": step, where, op) also carries
    // `metrics`, the steps of this call that completed; the state is the last good one.
    step() {
      return parsed(this._live()['step']());
    }
    train(n) {
      const result = this._live()['train'](Number(n));
      if (result instanceof Error) {
        result.metrics = JSON.parse(result.metrics);
        throw result;
      }
      return JSON.parse(result);
    }
    // "train" or "test": loss, accuracy... ({n: 0} when there is no test split).
    evaluate(split) {
      return parsed(this._live()['evaluate'](String(split === undefined ? 'test' : split)));
    }
    stepsDone() {
      return unwrap(this._live()['stepsDone']());
    }
    plannedSteps() {
      return unwrap(this._live()['plannedSteps']());
    }

    // Parameters: {parameters: [{name, shape, count}], total}, PyTorch names.
    params() {
      return parsed(this._live()['params']());
    }
    parameterNames() {
      return this.params().parameters.map((p) => p.name);
    }
    // Copies (Float32Array, row-major in the PyTorch layout); safe to keep and transfer.
    parameters() {
      return unwrap(this._live()['parameters']());
    }
    parameter(name) {
      return unwrap(this._live()['parameter'](String(name)));
    }
    // Gradients of the spec's batch at the current parameters (one forward/backward, no
    // update): {name: Float32Array}; gradient(name) runs the pass too, so read several at
    // once with gradients().
    gradients() {
      return unwrap(this._live()['gradients']());
    }
    gradient(name) {
      return unwrap(this._live()['gradient'](String(name)));
    }
    // The same pass as JSON text: loss, outputs, gradients, input_gradient (`gradlab grad`).
    gradJson() {
      return unwrap(this._live()['gradJson']());
    }
    // Finite differences in float32 (this build's precision): differences are good to a
    // few digits, hence the loose defaults. `gradlab check` does it in double.
    checkGradients(options) {
      const o = options || {};
      const tolerance = o.tolerance === undefined ? 1e-2 : Number(o.tolerance);
      const eps = o.eps === undefined ? 1e-3 : Number(o.eps);
      return parsed(this._live()['checkGradients'](tolerance, eps));
    }

    // Inspection snapshots this experiment offers, and one of them as an object.
    snapshotNames() {
      return parsed(this._live()['snapshotNames']());
    }
    snapshot(name) {
      return parsed(this._live()['snapshot'](String(name)));
    }

    // Force a gate of the first recurrent layer ("i", "f", "g", "o" for LSTM; "r", "z" for
    // GRU) to a constant; layer and direction -1 mean all.
    clampGate(gate, value, layer, direction) {
      unwrap(this._live()['clampGate'](String(gate), Number(value), layer === undefined ? -1 : layer, direction === undefined ? -1 : direction));
    }
    clearClamps() {
      unwrap(this._live()['clearClamps']());
    }

    // The whole training state as JSON text; loading it continues bit for bit. A bad
    // checkpoint throws and leaves the session as it was.
    checkpoint() {
      return unwrap(this._live()['checkpoint']());
    }
    loadCheckpoint(text) {
      unwrap(this._live()['loadCheckpoint'](typeof text === 'string' ? text : JSON.stringify(text)));
    }
    // The first maxRows rows of a split: {task, total_rows, inputs: {shape, data}, targets:
    // {shape, data}, source_vocab?, target_vocab?}; data are Float32Array copies.
    data(split, maxRows) {
      return unwrap(this._live()['data'](String(split === undefined ? 'train' : split), maxRows === undefined ? 1000 : Number(maxRows)));
    }
    // Text from a language model (char_lm, next_word): {text, tokens, prompt_tokens};
    // temperature 0 is greedy.
    sample(options) {
      const o = options || {};
      return parsed(this._live()['sample'](
        String(o.prompt === undefined ? '' : o.prompt),
        o.length === undefined ? 200 : Number(o.length),
        o.temperature === undefined ? 1 : Number(o.temperature),
        o.seed === undefined ? 0 : Number(o.seed)));
    }
    // GAN: one update of 'discriminator' or 'generator' (step() does both); its metrics.
    stepPlayer(player) {
      return parsed(this._live()['stepPlayer'](String(player)));
    }
    // Applies a changed spec without a reset: {applied: [pointers]}. Fields that need a
    // reset throw an Error named "NeedsReset" with `pointers`; an invalid spec throws a
    // SpecError; either way nothing changes.
    update(spec) {
      return { applied: parsed(this._live()['update'](specText(spec))) };
    }

    // A lesson step's records and expectations measured on this session now (after the page
    // ran the step's actions), exactly as `gradlab lesson` measures them (docs/lessons.md).
    // context: {recorded: {name: number}, last_step: metrics or null, diverged_at: step or 0};
    // variants: [{label, session: Session, last_step, diverged_at}] for a step with variants.
    // Returns {recorded: {...} (with this step's records added), expectations: [{pointer,
    // what, expected, value, pass, error?}]}.
    measureStep(lesson, stepIndex, context, variants) {
      const c = context || {};
      const v = (variants || []).map((x) => ({
        label: String(x.label),
        core: x.session._live(),
        last_step: x.last_step ? JSON.stringify(x.last_step) : undefined,
        diverged_at: Number(x.diverged_at || 0),
      }));
      return parsed(this._live()['measureStep'](specText(lesson), Number(stepIndex),
        JSON.stringify({ recorded: c.recorded || {}, last_step: c.last_step || null, diverged_at: Number(c.diverged_at || 0) }), v));
    }

    // Back to step 0: a fresh session from the same spec (same seed, same numbers).
    reset() {
      unwrap(this._live()['reset']());
    }
    specText() {
      return this._live()['specText']();
    }

    // Frees the C++ session (wasm memory is not garbage collected). Idempotent; any later
    // call throws.
    delete() {
      if (this._core) {
        this._core['delete']();
        this._core = null;
      }
    }
    isDeleted() {
      return !this._core;
    }
  }
  if (typeof Symbol === 'function' && typeof Symbol.dispose === 'symbol') Session.prototype[Symbol.dispose] = Session.prototype.delete;

  Module['Session'] = Session;

  // Checks a spec without building it (never throws for a bad spec): {ok, issues: [{pointer,
  // message}], layers: [{pointer, type, output, parameters, formula}], input_shape, total_parameters}.
  Module['validate'] = function validate(spec) {
    return parsed(Module['validateSpec'](specText(spec)));
  };
  // A lesson file checked as `gradlab lesson` checks it: {steps: N}; throws a SpecError
  // (issues with JSON pointers into the file) for an invalid lesson.
  Module['checkLessonFile'] = function checkLessonFile(lesson) {
    return parsed(Module['checkLesson'](specText(lesson)));
  };
  // The built-in datasets: [{name, task, family, description, options: [{name, type, default, min?, max?, description}]}].
  Module['datasets'] = function datasets() {
    return parsed(Module['datasetCatalog']());
  };
})();
