RED.nodes.registerType('impetus-social-mastodon-server', {
  category: 'config',
  defaults: {
    name: { value: '' },
    serverUrl: { value: 'https://mastodon.social', required: true, validate: RED.validators.regex(/^https?:\/\/[^/]+/i) },
    streamingUrl: { value: '', validate: RED.validators.regex(/^$|^https?:\/\/[^/]+/i) },
  },
  credentials: {
    token: { type: 'password' },
  },
  label: function () {
    return this.name || (this.serverUrl || '').replace(/^https?:\/\//, '');
  },
});
