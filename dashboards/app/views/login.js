// The login page: large fields, one button, and the server's reason when it refuses.
import { api, setCsrf } from '../api.js';
import { fill, h } from '../dom.js';

export function showLogin(root, message, onLogin) {
  document.title = 'IMPETUS console: log in';
  const error = h('p.form-error', { role: 'alert', hidden: !message }, message || '');
  const username = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true, autofocus: true, maxlength: 64 });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 });
  const button = h('button.primary.big', { type: 'submit' }, 'Log in');
  const form = h('form.login-card', {
    onsubmit: async (e) => {
      e.preventDefault();
      button.disabled = true;
      error.hidden = true;
      try {
        const session = await api.post('login', { username: username.value.trim(), password: password.value });
        setCsrf(session.csrf);
        await onLogin(session);
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
        password.value = '';
        password.focus();
      } finally {
        button.disabled = false;
      }
    },
  },
  h('h1', 'IMPETUS'),
  h('p.subtitle', 'Urban security operations console'),
  error,
  h('label', { for: 'login-user' }, 'User name'), username,
  h('label', { for: 'login-password' }, 'Password'), password,
  button,
  );
  fill(root, h('div.login-page', form));
  username.focus();
}
