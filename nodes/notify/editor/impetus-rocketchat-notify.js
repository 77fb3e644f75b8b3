// @include json-array.js
// @include notifier.js
/* global registerNotifier -- from shared/notifier.js, inlined at build time */
registerNotifier('impetus-rocketchat-notify', {
  connection: 'impetus-rocketchat',
  color: '#F5455C',
  icon: 'rocketchat.svg',
  label: 'rocket.chat notify',
  rules: '[{"chats": ["#"], "priorities": ["P1", "P2"]}]',
});
