RED.nodes.registerType('impetus-cti-taxii-server', {
  category: 'config',
  defaults: {
    name: { value: '' },
    url: { value: '', required: true, validate: RED.validators.regex(/^https?:\/\/.+/) },
    apiRoot: { value: '' },
    timeout: { value: 30, validate: RED.validators.number() },
  },
  credentials: {
    username: { type: 'text' },
    password: { type: 'password' },
    token: { type: 'password' },
  },
  label: function () {
    return this.name || this.url || 'TAXII server';
  },
});
