// Signing in and out: the account corner of the top bar and the sign-in dialog. Keeps the
// session from GET /auth/me and tells listeners when it changes.
import * as api from './api.js';
import { label, t } from './i18n.js';

const $ = (sel, root = document) => root.querySelector(sel);

/** "14 minutes" / "40 seconds" for a wait in seconds, in the current language. */
export function waitText(seconds) {
  const s = Math.max(1, Math.ceil(Number(seconds) || 0));
  if (s < 90) return t(s === 1 ? 'auth.second' : 'auth.seconds', { n: s });
  const m = Math.ceil(s / 60);
  return t('auth.minutes', { n: m });
}

export class Auth {
  constructor() {
    this.session = { role: 'viewer' };
    this.listeners = [];
    this.corner = $('.account');
    this.button = $('#account-button');
    this.who = $('.account-user');
    this.dialog = $('#sign-in-dialog');
    this.form = $('#sign-in-form');
    this.error = $('#sign-in-error');
    this.busy = false;
    /** Asked before signing out: false keeps the session (unsaved edits). */
    this.mayLeave = () => true;

    this.button.addEventListener('click', () => {
      if (!this.signedIn) this.open();
      else if (this.mayLeave()) this.signOut();
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    $('#sign-in-cancel').addEventListener('click', () => this.close());
    this.dialog.addEventListener('close', () => this.button.focus());
    // A click on the backdrop (outside the form) closes the dialog as Escape does.
    this.dialog.addEventListener('click', (e) => {
      if (e.target === this.dialog) this.close();
    });
    for (const input of this.form.querySelectorAll('input')) {
      input.addEventListener('input', () => {
        input.removeAttribute('aria-invalid');
      });
    }
  }

  get signedIn() {
    return this.session.role === 'planner' || this.session.role === 'admin';
  }

  onChange(fn) {
    this.listeners.push(fn);
  }

  set(session) {
    const before = JSON.stringify(this.session);
    this.session = session && session.role ? session : { role: 'viewer' };
    api.setCsrfToken(this.session.csrf_token);
    this.render();
    if (JSON.stringify(this.session) !== before) for (const fn of this.listeners) fn(this.session);
  }

  /** Ask the server who we are (the session cookie is HttpOnly: only the server knows). */
  async refresh() {
    try {
      this.set(await api.me());
    } catch (e) {
      console.warn('auth/me:', e.message);
      this.set({ role: 'viewer' });
    }
    return this.session;
  }

  render() {
    document.body.dataset.role = this.session.role;
    this.corner.hidden = false;
    if (this.signedIn) {
      const s = this.session;
      const areas = s.role === 'admin' ? t('auth.all_areas') : (s.areas || []).map((a) => label('area', a)).join(', ');
      this.who.hidden = false;
      this.who.replaceChildren(
        Object.assign(document.createElement('strong'), { className: 'account-name', textContent: s.display_name || s.username }),
        Object.assign(document.createElement('span'), { className: 'account-role', textContent: `${label('role', s.role)}${areas ? ` · ${areas}` : ''}` }),
      );
      this.button.textContent = t('auth.sign_out');
      this.button.setAttribute('aria-label', t('auth.sign_out_as', { user: s.username }));
    } else {
      this.who.hidden = true;
      this.who.replaceChildren();
      this.button.textContent = t('auth.sign_in');
      this.button.removeAttribute('aria-label');
    }
    this.dialog.querySelector('#sign-in-title').textContent = t('auth.title');
    this.dialog.querySelector('.sign-in-intro').textContent = t('auth.intro');
    this.dialog.querySelector('[data-label="username"]').textContent = t('auth.username');
    this.dialog.querySelector('[data-label="password"]').textContent = t('auth.password');
    this.dialog.querySelector('#sign-in-submit').textContent = t('auth.submit');
    this.dialog.querySelector('#sign-in-cancel').textContent = t('auth.cancel');
  }

  /** Show the sign-in dialog, with `message` (why) where errors go; the user name is filled in again. */
  open(message = '') {
    const user = this.session.username || '';
    this.form.reset();
    this.form.elements.username.value = user;
    this.showError('');
    if (message) {
      this.error.textContent = message;
      this.error.hidden = false;
    }
    if (!this.dialog.open) this.dialog.showModal();
    (user ? this.form.elements.password : this.form.elements.username).focus();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  showError(text, field = null) {
    this.error.textContent = text;
    this.error.hidden = !text;
    for (const input of this.form.querySelectorAll('input')) {
      if (text && (!field || input.name === field)) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  async submit() {
    if (this.busy) return;
    const username = this.form.elements.username.value.trim();
    const password = this.form.elements.password.value;
    if (!username || !password) {
      this.showError(t('auth.missing'), !username ? 'username' : 'password');
      (!username ? this.form.elements.username : this.form.elements.password).focus();
      return;
    }
    this.busy = true;
    const submit = this.form.querySelector('#sign-in-submit');
    submit.disabled = true;
    submit.textContent = t('auth.submitting');
    try {
      await api.login(username, password);
      await this.refresh();
      if (!this.signedIn) throw new api.ApiError(0, { message: t('auth.no_session') });
      this.close();
      document.getElementById('announcer').textContent = t('auth.signed_in', { user: this.session.username });
    } catch (e) {
      this.form.elements.password.value = '';
      if (e.status === 401) this.showError(t('auth.wrong'));
      else if (e.status === 429) this.showError(t('auth.too_many', { wait: waitText(e.retryAfter) }));
      else if (e.status === 0) this.showError(t('auth.offline'));
      else this.showError(t('auth.failed', { error: e.message }));
      this.form.elements.password.focus();
    } finally {
      this.busy = false;
      submit.disabled = false;
      submit.textContent = t('auth.submit');
    }
  }

  async signOut() {
    try {
      await api.logout();
    } catch (e) {
      console.warn('auth/logout:', e.message);
    }
    this.set({ role: 'viewer' });
    document.getElementById('announcer').textContent = t('auth.signed_out');
  }
}
