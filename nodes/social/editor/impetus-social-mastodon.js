RED.nodes.registerType('impetus-social-mastodon', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    server: { value: '', type: 'impetus-social-mastodon-server', required: true },
    timeline: { value: 'hashtag' },
    tag: { value: '' },
    listId: { value: '' },
    mode: { value: 'poll' },
    interval: { value: 300, validate: RED.validators.number() },
    lang: { value: '' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'social.svg',
  paletteLabel: 'social mastodon',
  label: function () {
    return this.name || 'mastodon ' + (this.timeline === 'hashtag' ? '#' + this.tag : this.timeline === 'list' ? 'list ' + this.listId : this.timeline);
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    function show() {
      const timeline = $('#node-input-timeline').val();
      $('#impetus-mastodon-tag-row').toggle(timeline === 'hashtag');
      $('#impetus-mastodon-list-row').toggle(timeline === 'list');
      $('#impetus-mastodon-interval-row').toggle($('#node-input-mode').val() === 'poll');
    }
    $('#node-input-timeline, #node-input-mode').on('change', show);
    show();
  },
});
