var LISTS = {
  events: ['created', 'updated', 'acknowledged', 'assigned', 'commented', 'resolved', 'reopened', 'escalated', 'silenced', 'grouped', 'muted'],
  severities: ['critical', 'high', 'medium', 'low', 'info'],
  priorities: ['P1', 'P2', 'P3', 'P4'],
  states: ['open', 'acknowledged', 'resolved'],
  statuses: ['Actual', 'Exercise', 'Test'],
};

function checkboxes(node, field) {
  var row = $('#node-input-' + field + '-list');
  LISTS[field].forEach(function (value) {
    var box = $('<input type="checkbox" style="width:auto;margin:0 4px 0 8px">').val(value);
    box.prop('checked', (node[field] || []).indexOf(value) !== -1);
    $('<label style="width:auto;margin-right:6px">').append(box).append(document.createTextNode(value)).appendTo(row);
  });
}

RED.nodes.registerType('impetus-alert-events', {
  category: 'impetus',
  color: '#F3B567',
  defaults: {
    name: { value: '' },
    events: { value: [] },
    tools: { value: '' },
    severities: { value: [] },
    priorities: { value: [] },
    states: { value: [] },
    statuses: { value: [] },
  },
  inputs: 0,
  outputs: 1,
  icon: 'alert-events.svg',
  paletteLabel: 'alert events',
  label: function () {
    return this.name || (this.events && this.events.length ? this.events.join(', ') : 'alert events');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-alert-events.label.output');
  },
  oneditprepare: function () {
    var node = this;
    Object.keys(LISTS).forEach(function (field) {
      checkboxes(node, field);
    });
  },
  oneditsave: function () {
    var node = this;
    Object.keys(LISTS).forEach(function (field) {
      node[field] = $('#node-input-' + field + '-list input:checked').map(function () {
        return this.value;
      }).get();
    });
  },
});
