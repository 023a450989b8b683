// Tests of HTTP status: string equality that has nothing to do with auth.
describe('api', () => {
  it('logs in', async () => {
    const res = await fetch('/login', { method: 'POST' });
    if (res.status === 200 && res.statusText === 'OK') { done(); }
    if (req.headers['x-requested-with'] === 'XMLHttpRequest') { json(); }
    if (req.headers['user-agent'].includes('Mobile')) { mobile(); }
    if (user.email.includes('@')) { ok(); }
    const passwordField = document.querySelector('#password');
    const authType = 'basic';
  });
});
