/* exported registerDetector */
/**
 * The editor of a detector node: the firearm detector is a profile of the object detector
 * (detector-node.ts), so they differ only in their look and in the settings a profile adds.
 */
function registerDetector(type, look) {
  RED.nodes.registerType(type, {
    category: 'impetus',
    color: look.color,
    defaults: {
      name: { value: '' },
      model: { value: '', type: 'impetus-onnx-model', required: true },
      classes: { value: '' },
      ...look.profileDefaults,
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
      concurrency: { value: 2, validate: RED.validators.number() },
    },
    inputs: 1,
    outputs: 2,
    icon: look.icon,
    paletteLabel: look.label,
    label: function () {
      return this.name || look.label;
    },
    outputLabels: function (i) {
      return this._(type + '.label.outputs.' + i);
    },
  });
}
