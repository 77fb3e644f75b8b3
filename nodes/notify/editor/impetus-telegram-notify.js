// @include json-array.js
// @include notifier.js
/* global registerNotifier -- from shared/notifier.js, inlined at build time */
registerNotifier('impetus-telegram-notify', {
  connection: 'impetus-telegram',
  color: '#8FC9EA',
  icon: 'telegram.svg',
  label: 'telegram notify',
  rules: '[{"chats": [""], "priorities": ["P1", "P2"]}]',
});
