RED.nodes.registerType('impetus-object-detector', {
  category: 'impetus',
  color: '#E9967A',
  defaults: {
    name: { value: '' },
    model: { value: '', type: 'impetus-onnx-model', required: true },
    classes: { value: '' },
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
  icon: 'detector.svg',
  paletteLabel: 'object detector',
  label: function () {
    return this.name || 'object detector';
  },
  outputLabels: function (i) {
    return this._('impetus-object-detector.label.outputs.' + i);
  },
});
