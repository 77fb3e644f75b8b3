RED.nodes.registerType('impetus-ctdr-eve', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    mode: { value: 'file' },
    file: { value: '' },
    fromStart: { value: false },
    pollMs: { value: 500, validate: RED.validators.number() },
    port: { value: '', validate: RED.validators.number(true) },
    bind: { value: '127.0.0.1' },
    types: { value: 'alert,flow' },
    batch: { value: 1, validate: RED.validators.number() },
  },
  inputs: 0,
  outputs: 1,
  icon: 'ctdr.svg',
  paletteLabel: 'ctdr eve',
  label: function () {
    return this.name || (this.mode === 'tcp' ? 'eve tcp:' + this.port : this.file) || 'ctdr eve';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-ctdr-eve.outputs.records');
  },
  oneditprepare: function () {
    $('#node-input-mode').on('change', function () {
      var tcp = $(this).val() === 'tcp';
      $('.impetus-ctdr-eve-file').toggle(!tcp);
      $('.impetus-ctdr-eve-tcp').toggle(tcp);
    }).trigger('change');
  },
});
