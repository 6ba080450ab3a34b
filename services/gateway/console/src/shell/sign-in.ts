import type { Credentials } from '../api/credentials';
import { field, h, messageOf, statusLine } from '../ui/dom';

/** The sign-in / sign-up form; resolves once the user has credentials. */
export function renderSignIn(root: HTMLElement, credentials: Credentials): void {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', {
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
    minlength: 8,
  });
  const status = statusLine();
  const signIn = h('button', { type: 'submit', value: 'login' }, 'Sign in');
  const signUp = h('button', { type: 'submit', value: 'register', class: 'secondary' }, 'Create account');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Conduit console'),
    field('Email', email),
    field('Password', password),
    h('div', { class: 'actions' }, signIn, signUp),
    status.element,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const mode = (event as SubmitEvent).submitter === signUp ? 'register' : 'login';
    status.show(mode === 'register' ? 'Creating your account…' : 'Signing in…');
    signIn.disabled = signUp.disabled = true;
    credentials.signIn(mode, email.value, password.value).then(
      () => status.clear(),
      (error: unknown) => {
        status.show(describe(mode, error), 'error');
        signIn.disabled = signUp.disabled = false;
        password.focus();
      },
    );
  });
  root.replaceChildren(form);
  email.focus();
}

function describe(mode: 'register' | 'login', error: unknown): string {
  const status = (error as { status?: number }).status;
  if (mode === 'login' && status === 401) return 'Wrong email or password.';
  if (mode === 'register' && status === 409)
    return 'An account with this email already exists: sign in instead.';
  return messageOf(error);
}
