// Outpost gateway web console: a small single-page app over the JSON API in /api
// (docs/console-api.md). No build step, no libraries; text is always set with textContent.
'use strict';

const state = { session: null, events: null, streams: [] };
const view = () => document.getElementById('view');

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.session) headers['X-CSRF-Token'] = state.session.csrfToken;
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (resp.status === 401 && path !== '/api/login') { state.session = null; show('login'); }
  if (resp.status === 403 && resp.headers.get('X-Error-Code') === 'password_change_required') { show('password'); }
  return { status: resp.status, ok: resp.ok, data: data || {} };
}

function stopEvents() {
  if (state.events) { state.events.close(); state.events = null; }
  for (const s of state.streams) s.close();
  state.streams = [];
}
// An extra event stream of the current page, closed when the page changes.
function stream(url) { const s = new EventSource(url); state.streams.push(s); return s; }
function age(iso) {
  if (!iso) return '—';
  const s = Math.max(0, Math.floor((Date.now() - new Date(iso)) / 1000));
  return s < 120 ? s + 's' : s < 7200 ? Math.floor(s / 60) + 'm' : s < 172800 ? Math.floor(s / 3600) + 'h' : Math.floor(s / 86400) + 'd';
}
function statusClass(st) {
  return st === 'Running' || st === 'Succeeded' || st === 'Completed' ? 'ok'
    : /Error|BackOff|Failed|RolledBack|Unavailable|Unknown/.test(st) ? 'error' : 'warn';
}

function bytes(n) {
  if (n === undefined || n === null) return '—';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return n.toFixed(i ? 1 : 0) + ' ' + u[i];
}
function duration(s) {
  if (s === undefined || s === null) return '—';
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm';
}
function when(iso) {
  if (!iso) return '—';
  const t = new Date(iso); const days = Math.round((t - Date.now()) / 86400000);
  return t.toISOString().slice(0, 10) + (days >= 0 ? ' (in ' + days + ' days)' : ' (expired)');
}

// --- routing

const pages = { status: statusPage, bundles: bundlesPage, config: configPage, logs: logsPage, pods: podsPage, devices: devicesPage, ota: otaPage };

function show(name, arg) {
  stopEvents();
  const loggedIn = state.session && !state.session.mustChangePassword;
  document.getElementById('nav').hidden = !loggedIn;
  document.getElementById('whoami').textContent = state.session ? '(' + state.session.username + ')' : '';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.id === 'nav-' + name);
  view().replaceChildren();
  if (name === 'login') return loginPage();
  if (name === 'password') return passwordPage();
  return (pages[name] || statusPage)(arg);
}

function route() {
  if (!state.session) return show('login');
  if (state.session.mustChangePassword) return show('password');
  const [, name, arg] = (location.hash || '#/status').split('/');
  show(name || 'status', arg ? decodeURIComponent(arg) : undefined);
}

window.addEventListener('hashchange', route);
document.addEventListener('DOMContentLoaded', async () => {
  document.getElementById('logout').addEventListener('click', async () => {
    await api('POST', '/api/logout'); state.session = null; show('login');
  });
  const r = await api('GET', '/api/session');
  state.session = r.ok ? r.data : null;
  route();
});

// --- login and password

function loginPage() {
  const err = el('p', { id: 'login-error', class: 'error', role: 'alert' });
  const form = el('form', { id: 'login-form', class: 'card narrow' },
    el('h1', {}, 'Log in'),
    el('label', { for: 'username' }, 'User'), el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true }),
    el('label', { for: 'password' }, 'Password'), el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    err, el('button', { id: 'login-submit', class: 'primary', type: 'submit' }, 'Log in'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault(); err.textContent = '';
    const r = await api('POST', '/api/login', { username: form.username.value, password: form.password.value });
    if (!r.ok) { err.textContent = r.data.error || ('login failed (' + r.status + ')'); return; }
    state.session = r.data;
    if (state.session.mustChangePassword) show('password'); else { location.hash = '#/status'; route(); }
  });
  view().append(form);
  form.username.focus();
}

function passwordPage() {
  const msg = el('p', { id: 'password-message', class: 'error', role: 'alert' });
  const field = (id, label, auto) => [el('label', { for: id }, label),
    el('input', { id, name: id, type: 'password', autocomplete: auto, required: true }), el('p', { id: id + '-error', class: 'field-error' })];
  const form = el('form', { id: 'password-form', class: 'card narrow' },
    el('h1', {}, 'Choose a new password'),
    el('p', { class: 'muted' }, 'The password you logged in with was not chosen here (a default or generated one). Choose your own before going on; SSH logins use it too. At least 10 characters.'),
    field('current-password', 'Current password', 'current-password'),
    field('new-password', 'New password', 'new-password'),
    field('confirm-password', 'New password again', 'new-password'),
    msg, el('button', { id: 'password-submit', class: 'primary', type: 'submit' }, 'Change password'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault(); msg.textContent = '';
    for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
    if (form['new-password'].value !== form['confirm-password'].value) {
      document.getElementById('confirm-password-error').textContent = 'the two new passwords differ'; return;
    }
    const r = await api('POST', '/api/password', { currentPassword: form['current-password'].value, newPassword: form['new-password'].value });
    if (!r.ok) {
      const f = r.data.fields || {};
      if (f.currentPassword) document.getElementById('current-password-error').textContent = f.currentPassword;
      if (f.newPassword) document.getElementById('new-password-error').textContent = f.newPassword;
      msg.textContent = r.data.error || ('failed (' + r.status + ')');
      return;
    }
    state.session = r.data; location.hash = '#/status'; route();
  });
  view().append(form);
}

// --- status

function statusPage() {
  const dd = (id) => el('dd', { id }, '—');
  view().append(el('h1', {}, 'Status'),
    el('div', { class: 'grid' },
      el('section', { class: 'card' }, el('h2', {}, 'Node'), el('dl', { class: 'kv' },
        el('dt', {}, 'Node name'), dd('status-node'),
        el('dt', {}, 'Cloud link'), dd('status-link-state'),
        el('dt', {}, 'Cloud address'), dd('status-link-address'),
        el('dt', {}, 'Latency'), dd('status-latency'),
        el('dt', {}, 'Last error'), dd('status-link-error'))),
      el('section', { class: 'card' }, el('h2', {}, 'Certificates'), el('dl', { class: 'kv' },
        el('dt', {}, 'Node certificate expires'), dd('status-link-cert'),
        el('dt', {}, 'Console certificate expires'), dd('status-console-cert'))),
      el('section', { class: 'card' }, el('h2', {}, 'System'), el('dl', { class: 'kv' },
        el('dt', {}, 'CPU'), dd('status-cpu'),
        el('dt', {}, 'Memory'), dd('status-memory'),
        el('dt', {}, 'Disk (data)'), dd('status-disk'),
        el('dt', {}, 'Uptime'), dd('status-uptime')))),
    el('p', { class: 'muted', id: 'status-updated' }, ''));
  const render = (s) => {
    const set = (id, v) => { const e = document.getElementById(id); if (e) e.textContent = v; };
    set('status-node', s.node.name); document.getElementById('node-name').textContent = '· ' + s.node.name;
    const st = document.getElementById('status-link-state');
    if (st) { st.textContent = s.link.state; st.className = 'state-' + s.link.state; }
    set('status-link-address', s.link.cloudAddress || '—');
    set('status-latency', s.link.latencyMillis !== undefined ? s.link.latencyMillis + ' ms' : '—');
    set('status-link-error', s.link.lastError || s.link.error || '—');
    set('status-link-cert', when(s.link.certificateExpiry));
    set('status-console-cert', when(s.console.certificateExpiry) + (s.console.selfSigned ? ', self-signed' : ''));
    const c = s.system.cpu || {};
    set('status-cpu', (c.systemPercent !== undefined ? c.systemPercent + ' % system, ' : '') + (c.processPercent !== undefined ? c.processPercent + ' % gateway, ' : '') + 'load ' + c.loadAverage1m + ', ' + c.cores + ' cores');
    const m = s.system.memory || {};
    set('status-memory', bytes(m.availableBytes) + ' free of ' + bytes(m.totalBytes) + '; gateway ' + bytes(m.processRssBytes));
    const d = s.system.disk || {};
    set('status-disk', bytes(d.usableBytes) + ' free of ' + bytes(d.totalBytes));
    const u = s.system.uptime || {};
    set('status-uptime', 'system ' + duration(u.systemSeconds) + ', gateway ' + duration(u.processSeconds));
    set('status-updated', 'Updated ' + new Date(s.time).toLocaleTimeString() + ' (live)');
  };
  api('GET', '/api/status').then(r => { if (r.ok) render(r.data); });
  state.events = new EventSource('/api/events?topics=status');
  state.events.addEventListener('status', (e) => render(JSON.parse(e.data)));
}

// --- bundles and features

function bundlesPage() {
  const fmsg = el('p', { id: 'features-message', class: 'message', role: 'status' });
  const ftable = el('tbody', { id: 'features-body' });
  const btable = el('tbody', { id: 'bundles-body' });
  const ffilter = el('input', { id: 'feature-filter', placeholder: 'Filter features', type: 'search' });
  const offlineOnly = el('input', { id: 'feature-offline', type: 'checkbox', checked: true });
  const bfilter = el('input', { id: 'bundle-filter', placeholder: 'Filter bundles', type: 'search' });
  view().append(el('h1', {}, 'Bundles & features'),
    el('p', { class: 'muted' }, 'Updates the cloud rolled out: ', el('a', { href: '#/ota', id: 'bundles-ota-link' }, 'OTA history'), '.'),
    el('h2', {}, 'Features'),
    el('div', { class: 'toolbar' }, ffilter, el('label', { class: 'muted' }, offlineOnly, ' only those in this gateway\'s repository')),
    fmsg,
    el('div', { class: 'table-wrap' }, el('table', { id: 'features-table' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Feature'), el('th', { class: 'optional' }, 'Version'), el('th', {}, 'State'), el('th', {}, ''))), ftable)),
    el('h2', {}, 'Bundles'),
    el('div', { class: 'toolbar' }, bfilter),
    el('p', { id: 'bundles-message', class: 'message', role: 'status' }),
    el('div', { class: 'table-wrap' }, el('table', { id: 'bundles-table' },
      el('thead', {}, el('tr', {}, el('th', {}, 'ID'), el('th', {}, 'Bundle'), el('th', { class: 'optional' }, 'Version'), el('th', {}, 'State'), el('th', {}, ''))), btable)));
  let features = [], bundles = [];
  const drawFeatures = () => {
    const q = ffilter.value.toLowerCase();
    ftable.replaceChildren(...features.filter(f => (!offlineOnly.checked || f.offline) && (f.name.toLowerCase().includes(q) || f.description.toLowerCase().includes(q))).map(f => {
      const b = el('button', { class: 'small' + (f.installed ? ' secondary' : ''), id: (f.installed ? 'feature-uninstall-' : 'feature-install-') + f.name, type: 'button' }, f.installed ? 'Uninstall' : 'Install');
      b.addEventListener('click', async () => {
        b.disabled = true; fmsg.className = 'message muted'; fmsg.textContent = (f.installed ? 'Uninstalling ' : 'Installing ') + f.name + '…';
        const r = await api('POST', '/api/features/' + encodeURIComponent(f.name) + '/' + (f.installed ? 'uninstall' : 'install'), { version: f.version });
        fmsg.className = 'message ' + (r.ok ? 'ok' : 'error');
        fmsg.textContent = r.ok ? f.name + (f.installed ? ' uninstalled' : ' installed') : (r.data.error || 'failed');
        await load();
      });
      let u = '';
      if (f.installed && f.update) {
        u = el('button', { class: 'small', id: 'feature-update-' + f.name, type: 'button' }, 'Update to ' + f.update);
        u.addEventListener('click', async () => {
          u.disabled = true; b.disabled = true; fmsg.className = 'message muted'; fmsg.textContent = 'Updating ' + f.name + ' ' + f.version + ' to ' + f.update + '…';
          const r = await api('POST', '/api/features/' + encodeURIComponent(f.name) + '/update', { version: f.update });
          fmsg.className = 'message ' + (r.ok ? 'ok' : 'error');
          fmsg.textContent = r.ok ? f.name + ' updated to ' + r.data.version : (r.data.error || 'failed');
          await load();
        });
      }
      return el('tr', { 'data-feature': f.name, 'data-version': f.version }, el('td', {}, f.name, el('div', { class: 'help' }, f.description)), el('td', { class: 'optional' }, f.version),
        el('td', { class: f.installed ? 'ok' : 'muted' }, f.installed ? 'installed' : (f.offline ? 'available' : 'not in repository'),
          f.installed && f.update ? el('div', { class: 'help', id: 'feature-newer-' + f.name }, f.update + ' available') : ''),
        el('td', { class: 'actions' }, f.offline || f.installed ? b : '', u));
    }));
  };
  const drawBundles = () => {
    const q = bfilter.value.toLowerCase();
    btable.replaceChildren(...bundles.filter(b => b.symbolicName.toLowerCase().includes(q) || b.name.toLowerCase().includes(q)).map(b => {
      const active = b.state === 'ACTIVE';
      const btn = b.fragment || b.id === 0 ? '' : el('button', { class: 'small' + (active ? ' secondary' : ''), type: 'button', id: 'bundle-' + (active ? 'stop-' : 'start-') + b.id }, active ? 'Stop' : 'Start');
      if (btn) btn.addEventListener('click', async () => {
        btn.disabled = true;
        const r = await api('POST', '/api/bundles/' + b.id + '/' + (active ? 'stop' : 'start'));
        const m = document.getElementById('bundles-message');
        m.className = 'message ' + (r.ok ? 'ok' : 'error'); m.textContent = r.ok ? b.symbolicName + (active ? ' stopped' : ' started') : r.data.error;
        await load();
      });
      return el('tr', {}, el('td', {}, b.id), el('td', {}, b.symbolicName, el('div', { class: 'help' }, b.name)), el('td', { class: 'optional' }, b.version),
        el('td', { class: 'state-' + b.state }, b.fragment ? 'fragment' : b.state), el('td', {}, btn));
    }));
  };
  const load = async () => {
    const [f, b] = await Promise.all([api('GET', '/api/features'), api('GET', '/api/bundles')]);
    if (f.ok) features = f.data; else { fmsg.className = 'message error'; fmsg.textContent = f.data.error; }
    if (b.ok) bundles = b.data;
    drawFeatures(); drawBundles();
  };
  ffilter.addEventListener('input', drawFeatures); offlineOnly.addEventListener('change', drawFeatures); bfilter.addEventListener('input', drawBundles);
  load();
}

// --- configuration

async function configPage(pid) {
  if (pid) return componentPage(pid);
  const list = el('ul', { id: 'config-list', class: 'plain' });
  const snaps = el('ul', { id: 'snapshot-list', class: 'plain' });
  const smsg = el('p', { id: 'snapshot-message', class: 'message', role: 'status' });
  const take = el('button', { id: 'snapshot-take', class: 'small', type: 'button' }, 'Take a snapshot now');
  view().append(el('h1', {}, 'Configuration'),
    el('section', { class: 'card' }, el('h2', {}, 'Components'), el('p', { class: 'muted' }, 'Every component with an OSGi Metatype definition. Changes are applied through ConfigAdmin and kept in etc/.'), list),
    el('section', { class: 'card' }, el('h2', {}, 'Snapshots'),
      el('p', { class: 'muted' }, 'A snapshot is taken before every change. Passwords are not part of snapshots.'),
      el('div', { class: 'toolbar' }, el('a', { id: 'snapshot-download', href: '/api/snapshots/current', download: 'outpost-configuration.json' }, 'Download the current configuration'), take),
      smsg, snaps));
  const r = await api('GET', '/api/config');
  if (!r.ok) { list.append(el('li', { class: 'error' }, r.data.error)); return; }
  list.append(...r.data.map(c => el('li', {}, el('a', { href: '#/config/' + encodeURIComponent(c.pid), 'data-pid': c.pid }, c.name),
    el('div', { class: 'help' }, c.pid + ' — ' + c.description))));
  const loadSnaps = async () => {
    const s = await api('GET', '/api/snapshots');
    snaps.replaceChildren(...(s.ok ? s.data : []).map(x => {
      const b = el('button', { class: 'small secondary', type: 'button', 'data-snapshot': x.id }, 'Roll back');
      b.addEventListener('click', async () => {
        if (!confirm('Restore the configuration of ' + x.taken + '?')) return;
        const rr = await api('POST', '/api/snapshots/' + encodeURIComponent(x.id) + '/rollback');
        smsg.className = 'message ' + (rr.ok ? 'ok' : 'error');
        smsg.textContent = rr.ok ? 'Rolled back ' + rr.data.rolledBack + ' components to ' + x.taken : rr.data.error;
        loadSnaps();
      });
      return el('li', {}, el('a', { href: '/api/snapshots/' + encodeURIComponent(x.id), download: 'outpost-configuration-' + x.id + '.json' }, x.taken), ' ',
        el('span', { class: 'muted' }, x.reason), ' ', b);
    }));
  };
  take.addEventListener('click', async () => {
    const t = await api('POST', '/api/snapshots', { reason: 'taken by hand' });
    smsg.className = 'message ' + (t.ok ? 'ok' : 'error'); smsg.textContent = t.ok ? 'Snapshot ' + t.data.id + ' taken' : t.data.error; loadSnaps();
  });
  loadSnaps();
}

function inputFor(f) {
  const id = 'field-' + f.id;
  const multi = f.cardinality !== 0;
  if (f.type === 'BOOLEAN' && !multi) {
    return el('select', { id, name: f.id }, ['true', 'false'].map(v => el('option', { value: v, selected: String(f.value ?? f.defaults[0]) === v }, v)));
  }
  if (f.options.length && !multi) {
    return el('select', { id, name: f.id }, f.options.map(o => el('option', { value: o.value, selected: String(f.value ?? f.defaults[0]) === o.value }, o.label)));
  }
  if (multi) {
    const t = el('textarea', { id, name: f.id, rows: 3 });
    t.value = (f.value || []).join('\n');
    return t;
  }
  const numeric = ['LONG', 'INTEGER', 'SHORT', 'BYTE', 'DOUBLE', 'FLOAT'].includes(f.type);
  // type=text even for numbers: the server's message, not the browser's, tells what is wrong
  const i = el('input', { id, name: f.id, type: f.type === 'PASSWORD' ? 'password' : 'text', inputmode: numeric ? 'decimal' : undefined,
    placeholder: f.type === 'PASSWORD' ? (f.set ? '(unchanged)' : '(not set)') : (f.defaults.join('') !== '' ? 'default: ' + f.defaults.join(', ') : ''), autocomplete: 'off' });
  if (f.type !== 'PASSWORD') i.value = f.value === null || f.value === undefined ? '' : String(f.value);
  return i;
}

async function componentPage(pid) {
  const r = await api('GET', '/api/config/' + encodeURIComponent(pid));
  if (!r.ok) { view().append(el('p', { class: 'error' }, r.data.error)); return; }
  const c = r.data;
  const msg = el('p', { id: 'config-message', class: 'message', role: 'status' });
  const form = el('form', { id: 'config-form', class: 'card', 'data-pid': c.pid }, el('h1', {}, c.name), el('p', { class: 'muted' }, c.description), el('p', { class: 'help' }, 'pid ' + c.pid + ', bundle ' + c.bundle));
  for (const f of c.fields) {
    const range = [f.min !== undefined ? 'min ' + f.min : '', f.max !== undefined ? 'max ' + f.max : ''].filter(Boolean).join(', ');
    form.append(el('label', { for: 'field-' + f.id }, f.name, ' ', el('span', { class: 'muted' }, '(' + f.id + ')')), inputFor(f),
      el('p', { class: 'help' }, f.description + (range ? ' [' + range + ']' : '') + (f.cardinality !== 0 ? ' One value per line.' : '')),
      el('p', { class: 'field-error', id: 'error-' + f.id, role: 'alert' }));
  }
  form.append(msg, el('button', { id: 'config-apply', class: 'primary', type: 'submit' }, 'Apply'), ' ', el('a', { href: '#/config' }, 'Back'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
    for (const i of form.querySelectorAll('.invalid')) i.classList.remove('invalid');
    // Only what the user changed is sent: an untouched empty field must not replace the
    // component's default with an empty value.
    const values = {};
    for (const f of c.fields) {
      const input = form.elements[f.id];
      if (f.type === 'PASSWORD') { if (input.value !== '') values[f.id] = input.value; continue; }
      if (f.cardinality !== 0) {
        const now = input.value.split('\n').map(s => s.trim()).filter(Boolean);
        if (JSON.stringify(now) !== JSON.stringify((f.value || []).map(String))) values[f.id] = now;
        continue;
      }
      const before = f.value === null || f.value === undefined ? (f.type === 'BOOLEAN' || f.options.length ? String(f.defaults[0] ?? '') : '') : String(f.value);
      if (input.value !== before) values[f.id] = input.value;
    }
    if (!Object.keys(values).length) { msg.className = 'message muted'; msg.textContent = 'Nothing changed.'; return; }
    const res = await api('PUT', '/api/config/' + encodeURIComponent(c.pid), { values });
    if (res.ok) {
      for (const nf of res.data.fields) { const f = c.fields.find(x => x.id === nf.id); if (f && nf.type !== 'PASSWORD') f.value = nf.value; }
      msg.className = 'message ok'; msg.textContent = 'Applied.'; return;
    }
    msg.className = 'message error'; msg.textContent = res.data.error || ('failed (' + res.status + ')');
    for (const [k, v] of Object.entries(res.data.fields || {})) {
      const e = document.getElementById('error-' + k); if (e) e.textContent = v;
      const i = document.getElementById('field-' + k); if (i) i.classList.add('invalid');
    }
  });
  view().append(form);
}

// --- logs

function logsPage() {
  const box = el('div', { id: 'log-lines', class: 'logs', 'aria-live': 'polite' });
  const level = el('select', { id: 'log-level' }, ['DEBUG', 'INFO', 'WARN', 'ERROR'].map(l => el('option', { value: l, selected: l === 'INFO' }, l)));
  const follow = el('input', { id: 'log-follow', type: 'checkbox', checked: true });
  view().append(el('h1', {}, 'Logs'), el('div', { class: 'toolbar' }, el('label', {}, 'Level ', level), el('label', {}, follow, ' follow')), box);
  const rank = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };
  const line = (l) => el('div', { class: l.level }, new Date(l.time).toISOString().slice(11, 23) + ' ' + l.level.padEnd(5) + ' ' + l.logger.split('.').pop() + ' — ' + l.message);
  const add = (l) => {
    if (rank[l.level] < rank[level.value]) return;
    box.append(line(l));
    while (box.childElementCount > 1000) box.firstChild.remove();
    if (follow.checked) box.scrollTop = box.scrollHeight;
  };
  const load = async () => {
    const r = await api('GET', '/api/logs?lines=300&level=' + level.value);
    box.replaceChildren();
    if (r.ok) r.data.lines.forEach(add);
  };
  level.addEventListener('change', load);
  load().then(() => {
    state.events = new EventSource('/api/events?topics=logs');
    state.events.addEventListener('log', (e) => add(JSON.parse(e.data)));
  });
}

// --- OTA

function otaPage() {
  const msg = el('div', { id: 'ota-message', class: 'message', role: 'status' });
  const current = el('section', { class: 'card', id: 'ota-current' });
  const fbody = el('tbody', { id: 'ota-features-body' });
  const hbody = el('tbody', { id: 'ota-history-body' });
  const content = el('div', { id: 'ota-content', hidden: true }, current,
    el('h2', {}, 'Features updated over the air'),
    el('div', { class: 'table-wrap' }, el('table', { id: 'ota-features' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Feature'), el('th', {}, 'Version'), el('th', {}, 'Installed'), el('th', { class: 'optional' }, 'Rollout'), el('th', { class: 'optional' }, 'Since'))), fbody)),
    el('h2', {}, 'History'),
    el('div', { class: 'table-wrap' }, el('table', { id: 'ota-history' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Started'), el('th', {}, 'Feature'), el('th', {}, 'Version'), el('th', { class: 'optional' }, 'Previous'),
        el('th', {}, 'Phase'), el('th', { class: 'optional' }, 'Rollout'), el('th', { class: 'optional' }, 'Took'), el('th', {}, 'Reason'))), hbody)),
    el('p', { class: 'muted', id: 'ota-total' }));
  view().append(el('h1', {}, 'OTA'), el('p', { class: 'muted' }, 'Updates the cloud rolled out to this gateway (GatewayRollout), newest first, as its OTA agent recorded them — the same as outpost:ota in the shell. Updated live.'), msg, content);
  const took = (m) => { const t = Object.values(m || {}).reduce((a, b) => a + b, 0); return t ? (t / 1000).toFixed(1) + ' s' : '—'; };
  const draw = (o) => {
    if (o.error) {
      content.hidden = true; msg.className = 'message error';
      msg.replaceChildren(o.error, ' ', el('a', { href: '#/bundles', id: 'ota-install' }, 'Go to Bundles & features'));
      return;
    }
    content.hidden = false; msg.className = 'message muted';
    msg.textContent = o.history.length ? '' : 'No update has run on this gateway yet. Roll one out from the cloud: kubectl apply -f a GatewayRollout (docs/ota.md).';
    const c = o.current;
    current.replaceChildren(el('h2', {}, 'Now'), c
      ? el('dl', { class: 'kv' }, el('dt', {}, 'Updating'), el('dd', { id: 'ota-current-feature' }, c.artifacts.map(a => a.name + ' ' + (a.previousVersion ? a.previousVersion + ' → ' : '') + a.version).join(', ')),
          el('dt', {}, 'Phase'), el('dd', { id: 'ota-current-phase', class: statusClass(c.phase) }, c.phase),
          el('dt', {}, 'Rollout'), el('dd', {}, c.rollout), el('dt', {}, 'Doing'), el('dd', {}, c.reason || '—'))
      : el('p', { id: 'ota-current-idle', class: 'ok' }, 'No update in progress' + (o.history.length ? '; the last one ' + o.history[0].phase + ' ' + age(o.history[0].updated) + ' ago.' : '.')));
    fbody.replaceChildren(...o.features.map(f => el('tr', { 'data-feature': f.name },
      el('td', {}, f.name), el('td', {}, f.version),
      el('td', { class: f.installed === false ? 'error' : 'ok' }, f.installed === undefined ? '—' : f.installed ? 'yes' : 'no'),
      el('td', { class: 'optional' }, f.rollout), el('td', { class: 'optional' }, age(f.since) + ' ago'))));
    hbody.replaceChildren(...o.history.map(r => el('tr', { 'data-rollout': r.rollout, 'data-phase': r.phase },
      el('td', {}, new Date(r.started).toLocaleString()), el('td', {}, r.artifacts.map(a => a.name).join(', ')),
      el('td', {}, r.artifacts.map(a => a.version).join(', ')),
      el('td', { class: 'optional' }, r.artifacts.map(a => a.previousVersion || '—').join(', ')), el('td', { class: statusClass(r.phase) }, r.phase),
      el('td', { class: 'optional' }, r.rollout), el('td', { class: 'optional' }, took(r.millis)), el('td', {}, r.reason))));
    document.getElementById('ota-total').textContent = o.total > o.history.length ? 'Showing the newest ' + o.history.length + ' of ' + o.total + '.' : '';
  };
  api('GET', '/api/ota').then(r => draw(r.ok ? r.data : { error: r.data.error || ('failed (' + r.status + ')') }));
  stream('/api/events?topics=ota').addEventListener('ota', (e) => draw(JSON.parse(e.data)));
}

// --- pods

function podsPage(key) {
  if (key) return podPage(key);
  const msg = el('div', { id: 'pods-message', class: 'message', role: 'status' });
  const body = el('tbody', { id: 'pods-body' });
  const table = el('div', { class: 'table-wrap', hidden: true }, el('table', { id: 'pods-table' },
    el('thead', {}, el('tr', {}, el('th', { class: 'optional' }, 'Namespace'), el('th', {}, 'Name'), el('th', {}, 'Ready'), el('th', {}, 'Status'),
      el('th', {}, 'Restarts'), el('th', {}, 'Age'), el('th', { class: 'optional' }, 'IP'))), body));
  view().append(el('h1', {}, 'Pods'), el('p', { class: 'muted' }, 'The pods the cloud bound to this gateway, as its pod manager sees them — also while the cloud is away. Updated live.'), msg, table);
  const draw = (pods) => {
    if (pods.error) {
      table.hidden = true;
      msg.className = 'message error';
      msg.replaceChildren(pods.error, ' ', el('a', { href: '#/bundles', id: 'pods-install' }, 'Go to Bundles & features'));
      return;
    }
    table.hidden = pods.length === 0;
    msg.className = 'message muted';
    msg.textContent = pods.length ? '' : 'No pods are bound to this gateway. Bind one with spec.nodeName, e.g. kubectl apply -f examples/pods/busybox.yaml.';
    body.replaceChildren(...pods.map(p => el('tr', { 'data-pod': p.namespace + '/' + p.name },
      el('td', { class: 'optional' }, p.namespace),
      el('td', {}, el('a', { href: '#/pods/' + encodeURIComponent(p.namespace + '/' + p.name), id: 'pod-link-' + p.namespace + '-' + p.name }, p.name)),
      el('td', {}, p.ready), el('td', { class: statusClass(p.status), 'data-status': p.status }, p.status), el('td', {}, p.restarts),
      el('td', {}, age(p.created)), el('td', { class: 'optional' }, p.ip || '—'))));
  };
  api('GET', '/api/pods').then(r => draw(r.ok ? r.data : { error: r.data.error || ('failed (' + r.status + ')') }));
  stream('/api/events?topics=pods').addEventListener('pods', (e) => draw(JSON.parse(e.data)));
}

function podPage(key) {
  const [ns, name] = key.split('/');
  const base = '/api/pods/' + encodeURIComponent(ns) + '/' + encodeURIComponent(name);
  const head = el('dl', { class: 'kv grid', id: 'pod-summary' });
  const containers = el('tbody', { id: 'pod-containers' });
  const box = el('div', { id: 'pod-log-lines', class: 'logs', 'aria-live': 'polite' });
  const logMsg = el('p', { id: 'pod-log-message', class: 'message', role: 'status' });
  const pick = el('select', { id: 'pod-log-container' });
  const tail = el('select', { id: 'pod-log-tail' }, [100, 500, 2000].map(n => el('option', { value: n }, 'last ' + n)));
  const follow = el('input', { id: 'pod-log-follow', type: 'checkbox', checked: true });
  const previous = el('input', { id: 'pod-log-previous', type: 'checkbox' });
  view().append(el('p', {}, el('a', { href: '#/pods' }, '← Pods')), el('h1', {}, key),
    el('section', { class: 'card' }, head,
      el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Container'), el('th', { class: 'optional' }, 'Image'),
        el('th', {}, 'State'), el('th', {}, 'Restarts'), el('th', { class: 'optional' }, 'Since'))), containers))),
    el('h2', {}, 'Logs'),
    el('div', { class: 'toolbar' }, el('label', {}, 'Container ', pick), tail, el('label', {}, follow, ' follow'), el('label', {}, previous, ' previous run')),
    logMsg, box);
  let logStream = null;
  const draw = (p) => {
    const st = p.pod.status || {};
    const kv = (k, v, id) => [el('dt', {}, k), el('dd', { id }, v)];
    head.replaceChildren(el('div', {}, ...kv('Status', p.status, 'pod-status'), ...kv('Ready', p.ready, 'pod-ready')),
      el('div', {}, ...kv('Restarts', String(p.restarts), 'pod-restarts'), ...kv('Age', age(p.created), 'pod-age')),
      el('div', {}, ...kv('IP', p.ip || '—', 'pod-ip'), ...kv('Started', st.startTime || '—', 'pod-start')));
    document.getElementById('pod-status').className = statusClass(p.status);
    const statuses = Object.fromEntries((st.containerStatuses || []).map(c => [c.name, c]));
    containers.replaceChildren(...(p.pod.spec.containers || []).map(c => {
      const cs = statuses[c.name] || {}; const s = cs.state || {};
      const what = s.running ? ['running', s.running.startedAt] : s.waiting ? [s.waiting.reason, ''] : s.terminated ? ['terminated: ' + s.terminated.reason + ' (exit ' + s.terminated.exitCode + ')', s.terminated.finishedAt] : ['—', ''];
      return el('tr', {}, el('td', {}, c.name), el('td', { class: 'optional' }, c.image), el('td', { class: s.running ? 'ok' : 'warn' }, what[0]),
        el('td', {}, cs.restartCount ?? 0), el('td', { class: 'optional' }, what[1] || ''));
    }));
    if (!pick.options.length) {
      pick.replaceChildren(...p.containers.map(c => el('option', { value: c }, c)));
      pick.disabled = p.containers.length < 2;
    }
  };
  const add = (lines) => {
    for (const l of lines) box.append(el('div', { class: l.stream === 'stderr' ? 'WARN' : '' }, l.content));
    while (box.childElementCount > 5000) box.firstChild.remove();
    box.scrollTop = box.scrollHeight;
  };
  const loadLogs = async () => {
    if (logStream) { logStream.close(); logStream = null; }
    box.replaceChildren(); logMsg.textContent = ''; logMsg.className = 'message';
    const q = '?container=' + encodeURIComponent(pick.value) + '&tail=' + tail.value + '&previous=' + previous.checked;
    // The plain request first: it says why when there is no log (yet).
    const r = await api('GET', base + '/logs' + q);
    if (!r.ok) { logMsg.className = 'message error'; logMsg.textContent = r.data.error; return; }
    if (!follow.checked || previous.checked) { add(r.data.lines); logMsg.className = 'message muted'; logMsg.textContent = r.data.lines.length + ' lines'; return; }
    logStream = stream(base + '/logs' + q + '&follow=true');
    logStream.addEventListener('lines', (e) => add(JSON.parse(e.data)));
    logStream.addEventListener('end', (e) => { logStream.close(); logMsg.className = 'message muted'; logMsg.textContent = 'The log ended: ' + JSON.parse(e.data).reason; });
    logMsg.className = 'message muted'; logMsg.textContent = 'Following (live).';
  };
  for (const c of [pick, tail, follow, previous]) c.addEventListener('change', loadLogs);
  api('GET', base).then(r => {
    if (!r.ok) { view().append(el('p', { class: 'error', id: 'pod-error' }, r.data.error)); return; }
    draw(r.data); loadLogs();
    stream('/api/events?topics=pods').addEventListener('pods', async () => { const u = await api('GET', base); if (u.ok) draw(u.data); });
  });
}

// --- devices and their twins

function devicesPage() {
  const list = el('div', { id: 'devices-list' });
  const msg = el('p', { id: 'devices-message', class: 'muted' });
  view().append(el('h1', {}, 'Devices'), el('p', { class: 'muted' }, 'Each device\'s twins: the desired value (from the cloud, or set here) and the value the device reported. Updated live.'), msg, list);
  const cards = {};
  const idOf = (d, p) => (d.namespace + '-' + d.name + (p ? '-' + p : '')).replace(/[^A-Za-z0-9_-]/g, '_');
  const when = (v) => v ? new Date(v.time).toLocaleTimeString() : '';
  const render = (d) => {
    let card = cards[d.id];
    if (!card) {
      card = el('section', { class: 'card', id: 'device-' + idOf(d), 'data-device': d.id });
      cards[d.id] = card; list.append(card);
    }
    if (d.error) { card.replaceChildren(el('h2', {}, d.namespace + '/' + d.name), el('p', { class: 'error' }, d.error)); return; }
    const rows = card.querySelector('tbody');
    if (!rows || rows.childElementCount !== d.twins.length) {
      card.replaceChildren(
        el('h2', {}, d.id, ' ', el('span', { id: 'device-state-' + idOf(d) }, '')),
        el('p', { class: 'help' }, 'model ' + d.model + (d.modelFound ? '' : ' (not received)') + ', protocol ' + d.protocol),
        el('p', { class: 'error', id: 'device-problems-' + idOf(d) }),
        el('div', { class: 'table-wrap' }, el('table', { id: 'twins-' + idOf(d) },
          el('thead', {}, el('tr', {}, el('th', {}, 'Property'), el('th', {}, 'Desired'), el('th', {}, 'Reported'), el('th', { class: 'optional' }, 'Type'), el('th', {}, 'Set desired'))),
          el('tbody', {}, d.twins.map(t => {
            const tid = idOf(d, t.property);
            let setter = el('span', { class: 'muted' }, 'read only');
            if (t.access !== 'ReadOnly') {
              const input = el('input', { id: 'desired-input-' + tid, inputmode: t.type === 'string' ? undefined : 'decimal', autocomplete: 'off', placeholder: 'new value' });
              const err = el('p', { class: 'field-error', id: 'desired-error-' + tid, role: 'alert' });
              const form = el('form', { class: 'inline', 'data-property': t.property }, input, el('button', { class: 'small', id: 'desired-set-' + tid, type: 'submit' }, 'Set'), err);
              form.addEventListener('submit', async (ev) => {
                ev.preventDefault(); err.textContent = ''; input.classList.remove('invalid');
                const r = await api('PUT', '/api/devices/' + encodeURIComponent(d.namespace) + '/' + encodeURIComponent(d.name) + '/twins/' + encodeURIComponent(t.property), { desired: input.value });
                if (!r.ok) { err.textContent = (r.data.fields && r.data.fields.desired) || r.data.error; input.classList.add('invalid'); return; }
                input.value = ''; render(r.data);
              });
              setter = form;
            }
            const range = [t.minimum !== undefined ? 'min ' + t.minimum : '', t.maximum !== undefined ? 'max ' + t.maximum : ''].filter(Boolean).join(', ');
            return el('tr', { 'data-twin': d.id + '/' + t.property }, el('td', {}, t.property, t.unit ? el('span', { class: 'muted' }, ' ' + t.unit) : ''),
              el('td', { id: 'desired-' + tid }), el('td', { id: 'reported-' + tid }),
              el('td', { class: 'optional muted' }, t.type + (range ? ' [' + range + ']' : '') + (t.access === 'ReadOnly' ? ', read only' : '')), el('td', {}, setter));
          })))));
    }
    const st = document.getElementById('device-state-' + idOf(d));
    st.textContent = d.state + (d.reason ? ' (' + d.reason + ')' : ''); st.className = d.state === 'online' ? 'ok' : 'warn';
    document.getElementById('device-problems-' + idOf(d)).textContent = (d.problems || []).join('; ');
    for (const t of d.twins) {
      const tid = idOf(d, t.property);
      const des = document.getElementById('desired-' + tid), rep = document.getElementById('reported-' + tid);
      des.replaceChildren(t.desired ? t.desired.value : '—', t.desired ? el('div', { class: 'help' }, when(t.desired)) : '');
      rep.replaceChildren(el('span', { class: 'value' }, t.reported ? t.reported.value : '—'), t.reported ? el('div', { class: 'help' }, when(t.reported)) : '');
      rep.className = t.desired && t.inSync === false ? 'warn' : '';
    }
  };
  api('GET', '/api/devices').then(async r => {
    if (!r.ok) { msg.className = 'error'; msg.textContent = r.data.error; return; }
    if (!r.data.length) { msg.textContent = 'No devices are assigned to this gateway.'; return; }
    for (const d of r.data) {
      const one = await api('GET', '/api/devices/' + encodeURIComponent(d.namespace) + '/' + encodeURIComponent(d.name));
      render(one.ok ? one.data : { id: d.id, namespace: d.namespace, name: d.name, error: one.data.error });
    }
    stream('/api/events?topics=devices').addEventListener('device', (e) => { const d = JSON.parse(e.data); if (!d.id) d.id = d.namespace + '/' + d.name; render(d); });
  });
}
