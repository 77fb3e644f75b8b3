// Editor side of impetus-scenario. Wrapped in an IIFE by scripts/assemble-editor.js.
'use strict';

var MAX_SPEED = 10000;
var DEFAULT_TIMELINE = JSON.stringify(
  {
    name: 'Training drill',
    outputs: ['alerts'],
    events: [
      {
        at: 'PT2S',
        output: 'alerts',
        topic: 'firearm',
        payload: { tool: 'firearm', event: 'Firearm detected', headline: 'Exercise: firearm seen on camera 12', severity: 'high' },
      },
    ],
  },
  null,
  2,
);

// The label function runs on every redraw; parse a given timeline text only once.
var lastText;
var lastParsed;
function parseTimeline(text) {
  if (text !== lastText) {
    lastText = text;
    try {
      lastParsed = JSON.parse(text);
    } catch {
      lastParsed = undefined;
    }
  }
  return lastParsed;
}

function namesOf(timeline) {
  if (!timeline || !Array.isArray(timeline.outputs)) return [];
  return timeline.outputs.filter(function (name) {
    return typeof name === 'string' && name.trim() !== '';
  });
}

function splitNames(text) {
  return String(text || '')
    .split(',')
    .map(function (name) {
      return name.trim();
    })
    .filter(function (name) {
      return name !== '';
    });
}

RED.nodes.registerType('impetus-scenario', {
  category: 'impetus',
  color: '#E9967A',
  defaults: {
    name: { value: '' },
    source: { value: 'inline' },
    timeline: {
      value: DEFAULT_TIMELINE,
      validate: function (v) {
        if (this.source === 'file') return true;
        var timeline = parseTimeline(v);
        return !!timeline && Array.isArray(timeline.events) && namesOf(timeline).length > 0;
      },
    },
    file: {
      value: '',
      validate: function (v) {
        return this.source !== 'file' || String(v || '').trim() !== '';
      },
    },
    outputNames: {
      value: ['alerts'],
      validate: function (v) {
        return Array.isArray(v) && v.length > 0;
      },
    },
    speed: {
      value: 1,
      required: true,
      validate: function (v) {
        var n = Number(v);
        return v !== '' && isFinite(n) && n > 0 && n <= MAX_SPEED;
      },
    },
    loop: { value: '' },
    autostart: { value: false },
    outputs: { value: 1 },
  },
  inputs: 1,
  outputs: 1,
  icon: 'scenario.svg',
  paletteLabel: function () {
    return this._('impetus-scenario.paletteLabel');
  },
  label: function () {
    if (this.name) return this.name;
    if (this.source !== 'file') {
      var timeline = parseTimeline(this.timeline);
      if (timeline && typeof timeline.name === 'string' && timeline.name) return timeline.name;
    } else if (this.file) {
      return this.file;
    }
    return this._('impetus-scenario.paletteLabel');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (index) {
    return (this.outputNames || [])[index];
  },
  oneditprepare: function () {
    var outputsTip = $('#impetus-scenario-inline-outputs');
    var editor = RED.editor.createEditor({
      id: 'node-input-timeline-editor',
      mode: 'ace/mode/json',
      value: $('#node-input-timeline').val(),
    });
    this.editor = editor;

    var showInlineOutputs = () => {
      var names = namesOf(parseTimeline(editor.getValue()));
      outputsTip.text(this._('impetus-scenario.tip.inlineOutputs', { outputs: names.length ? names.join(', ') : '—' }));
    };
    editor.getSession().on('change', showInlineOutputs);
    showInlineOutputs();

    $('#impetus-scenario-output-names').val((this.outputNames || []).join(', '));

    $('#node-input-source')
      .on('change', function () {
        var file = $(this).val() === 'file';
        $('.impetus-scenario-file-row').toggle(file);
        $('.impetus-scenario-inline-row').toggle(!file);
        RED.tray.resize();
      })
      .trigger('change');

    $('#node-input-speed').spinner({ min: 0.01, max: MAX_SPEED, step: 1 });
  },
  oneditsave: function () {
    var text = this.editor.getValue();
    $('#node-input-timeline').val(text);
    this.editor.destroy();
    delete this.editor;

    var names =
      $('#node-input-source').val() === 'file'
        ? splitNames($('#impetus-scenario-output-names').val())
        : namesOf(parseTimeline(text));
    // An unparsable inline timeline keeps its ports (and wires) until it is fixed.
    if (names.length === 0 && $('#node-input-source').val() !== 'file') names = this.outputNames || [];

    // Move wires with their output name when outputs are renamed, reordered or removed, in
    // the outputMap form Node-RED's switch node uses.
    var oldNames = this.outputNames || [];
    var oldCount = Number(this.outputs) || 0;
    var map = {};
    for (var i = 0; i < oldCount; i++) {
      map[i] = oldNames[i] === undefined ? -1 : names.indexOf(oldNames[i]);
    }
    names.forEach(function (name, j) {
      if (oldNames.indexOf(name) === -1 || oldNames.indexOf(name) >= oldCount) map['new' + j] = j;
    });
    $('#node-input-outputs').val(JSON.stringify(map));
    this.outputNames = names;
  },
  oneditcancel: function () {
    this.editor.destroy();
    delete this.editor;
  },
  oneditresize: function (size) {
    var rows = $('#dialog-form>div:not(.node-text-editor-row):visible');
    var height = size.height;
    for (var i = 0; i < rows.length; i++) height -= $(rows[i]).outerHeight(true);
    var editorRow = $('#dialog-form>div.node-text-editor-row');
    height -= parseInt(editorRow.css('marginTop'), 10) + parseInt(editorRow.css('marginBottom'), 10);
    $('.node-text-editor').css('height', Math.max(height, 150) + 'px');
    this.editor.resize();
  },
});
