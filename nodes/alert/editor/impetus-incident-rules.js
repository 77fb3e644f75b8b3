RED.nodes.registerType('impetus-incident-rules', {
  category: 'impetus',
  color: '#F3B567',
  defaults: {
    name: { value: '' },
    rules: {
      value: '',
      validate: function (v) {
        if (!v || !v.trim()) return true;
        try {
          var list = JSON.parse(v);
          return Array.isArray(list) && list.length > 0 && list.every(function (r) {
            return r && typeof r.id === 'string' && Array.isArray(r.tools) && typeof r.windowMinutes === 'number';
          });
        } catch {
          return false;
        }
      },
    },
  },
  inputs: 1,
  outputs: 1,
  icon: 'incident.svg',
  paletteLabel: 'incident rules',
  label: function () {
    return this.name || 'incident rules';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-incident-rules.label.output');
  },
  oneditprepare: function () {
    this.editor = RED.editor.createEditor({ id: 'node-input-rules-editor', mode: 'ace/mode/json', value: $('#node-input-rules').val() });
  },
  oneditsave: function () {
    $('#node-input-rules').val(this.editor.getValue());
    this.editor.destroy();
    delete this.editor;
  },
  oneditcancel: function () {
    this.editor.destroy();
    delete this.editor;
  },
});
