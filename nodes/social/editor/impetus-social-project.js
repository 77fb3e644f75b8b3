RED.nodes.registerType('impetus-social-project', {
  category: 'config',
  defaults: {
    name: { value: '', required: true },
    query: { value: '', required: true },
    languages: { value: 'en, it, no' },
    zones: {
      value: '',
      validate: function (v) {
        if (!v || !v.trim()) return true;
        try {
          return Array.isArray(JSON.parse(v));
        } catch {
          return false;
        }
      },
    },
    exclude: { value: '' },
    // '0', not 0: the "add new" config dialog leaves out falsy defaults and would show it empty.
    minRelevance: { value: '0', validate: RED.validators.number() },
    outsideZones: { value: true },
    keepAuthors: { value: false },
    retentionHours: { value: 24, validate: RED.validators.number() },
    threatSeverity: { value: 'high' },
    windowMinutes: { value: 60 },
    sentimentDrop: { value: 0.4, validate: RED.validators.number() },
    minPosts: { value: 10, validate: RED.validators.number() },
    timeZone: { value: 'UTC', required: true },
  },
  credentials: {
    pseudonymSecret: { type: 'password' },
  },
  label: function () {
    return this.name || 'social project';
  },
});
