RED.nodes.registerType('impetus-firearm-detector', {
  category: 'impetus',
  color: '#E2827A',
  defaults: {
    name: { value: '' },
    model: { value: '', type: 'impetus-onnx-model', required: true },
    classes: { value: '' },
    includeKnife: { value: false },
    minScore: { value: 0.25, validate: RED.validators.number() },
    iou: { value: 0.45, validate: RED.validators.number() },
    minArea: { value: 0, validate: RED.validators.number() },
    maxArea: { value: 1, validate: RED.validators.number() },
    confirm: { value: 'median' },
    window: { value: 5, validate: RED.validators.number() },
    minHits: { value: 3, validate: RED.validators.number() },
    threshold: { value: 0.5, validate: RED.validators.number() },
    cooldown: { value: 30, validate: RED.validators.number() },
    maxBytes: { value: 8388608, validate: RED.validators.number() },
    concurrency: { value: 1, validate: RED.validators.number() },
  },
  inputs: 1,
  outputs: 2,
  icon: 'firearm.svg',
  paletteLabel: 'firearm detector',
  label: function () {
    return this.name || 'firearm detector';
  },
  outputLabels: function (i) {
    return this._('impetus-firearm-detector.label.outputs.' + i);
  },
});
