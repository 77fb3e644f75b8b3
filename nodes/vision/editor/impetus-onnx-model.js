RED.nodes.registerType('impetus-onnx-model', {
  category: 'config',
  defaults: {
    name: { value: '' },
    file: { value: 'firearm-demo', required: true },
    threads: { value: 1, validate: RED.validators.number(true) },
    classNames: { value: '' },
    inputSize: { value: '', validate: RED.validators.number(true) },
    layout: { value: '' },
  },
  label: function () {
    return this.name || this.file || 'onnx model';
  },
});
