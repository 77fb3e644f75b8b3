RED.nodes.registerType('impetus-social-analyse', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    project: { value: '', type: 'impetus-social-project', required: true },
    classifier: { value: false },
    classifierModel: { value: '' },
    classifierThreat: { value: false },
  },
  inputs: 1,
  outputs: 6,
  icon: 'social.svg',
  paletteLabel: 'social analyse',
  label: function () {
    var p = RED.nodes.node(this.project);
    return this.name || (p && p.name ? 'social ' + p.name : 'social analyse');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (i) {
    return this._('impetus-social-analyse.outputs.' + ['posts', 'alerts', 'volume', 'sentiment', 'notable', 'terms'][i]);
  },
});
