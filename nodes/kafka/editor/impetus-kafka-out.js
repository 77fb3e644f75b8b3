RED.nodes.registerType('impetus-kafka-out', {
  category: 'impetus',
  color: '#C7D8E8',
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'impetus-kafka-broker', required: true },
    topic: { value: '' },
    compression: { value: 'none' },
    batchSize: { value: 500, validate: RED.validators.number() },
    lingerMs: { value: 5, validate: RED.validators.number() },
    maxBuffered: { value: 10000, validate: RED.validators.number() },
    maxBufferedMb: { value: 64, validate: RED.validators.number() },
  },
  inputs: 1,
  outputs: 0,
  icon: 'kafka.svg',
  align: 'right',
  paletteLabel: 'kafka out',
  label: function () {
    return this.name || (this.topic ? 'kafka ' + this.topic : 'kafka out');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function () {
    return this._('impetus-kafka-out.label.input');
  },
});
