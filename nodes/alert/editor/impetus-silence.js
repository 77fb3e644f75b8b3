RED.nodes.registerType('impetus-silence', {
  category: 'impetus',
  color: '#F3B567',
  defaults: {
    name: { value: '' },
    mode: { value: 'create' },
    tool: { value: '' },
    event: { value: '' },
    zone: { value: '' },
    severities: { value: [] },
    reason: { value: '' },
    durationMinutes: { value: 60, validate: RED.validators.number(true) },
    createdBy: { value: '' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'silence.svg',
  paletteLabel: 'silence',
  label: function () {
    return this.name || (this.mode === 'expire' ? 'expire silence' : 'silence');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-silence.label.output');
  },
  oneditprepare: function () {
    var node = this;
    var list = $('#node-input-severities-list');
    ['critical', 'high', 'medium', 'low', 'info'].forEach(function (value) {
      var box = $('<input type="checkbox" style="width:auto;margin:0 4px 0 8px">').val(value);
      box.prop('checked', (node.severities || []).indexOf(value) !== -1);
      $('<label style="width:auto;margin-right:6px">').append(box).append(document.createTextNode(value)).appendTo(list);
    });
    $('#node-input-mode').on('change', function () {
      $('.impetus-silence-create').toggle($(this).val() === 'create');
    }).trigger('change');
  },
  oneditsave: function () {
    this.severities = $('#node-input-severities-list input:checked').map(function () {
      return this.value;
    }).get();
  },
});
