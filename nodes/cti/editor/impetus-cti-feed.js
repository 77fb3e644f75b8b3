RED.nodes.registerType('impetus-cti-feed', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    format: { value: 'stix' },
    location: { value: '', required: true },
    defaultTlp: { value: 'amber' },
    batchSize: { value: 1000, validate: RED.validators.number() },
    feedName: { value: '' },
    filters: { value: '', validate: function (v) {
      if (!v || !String(v).trim()) return true;
      try {
        var o = JSON.parse(v);
        return typeof o === 'object' && o !== null && !Array.isArray(o);
      } catch {
        return false;
      }
    } },
  },
  credentials: {
    username: { type: 'text' },
    password: { type: 'password' },
    token: { type: 'password' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'cti.svg',
  paletteLabel: 'cti feed',
  label: function () {
    return this.name || this.feedName || 'cti feed';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    // The search filters only mean something to a MISP server's REST API.
    $('#node-input-format').on('change', function () {
      $('.impetus-cti-feed-filters').toggle($(this).val() === 'misp-api');
    }).trigger('change');
  },
  outputLabels: function () {
    return this._('impetus-cti-feed.outputs.indicators');
  },
});
