// Outpost gateway web console: a small single-page app over the JSON API in /api
// (docs/console-api.md). No build step, no libraries; text is always set with textContent.
'use strict';

const state = { session: null, events: null };
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

function stopEvents() { if (state.events) { state.events.close(); state.events = null; } }

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

const pages = { status: statusPage, bundles: bundlesPage, config: configPage, logs: logsPage, devices: devicesPage };

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
      return el('tr', { 'data-feature': f.name }, el('td', {}, f.name, el('div', { class: 'help' }, f.description)), el('td', { class: 'optional' }, f.version),
        el('td', { class: f.installed ? 'ok' : 'muted' }, f.installed ? 'installed' : (f.offline ? 'available' : 'not in repository')), el('td', {}, f.offline || f.installed ? b : ''));
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

// --- devices (read only until the device twin lands)

async function devicesPage() {
  view().append(el('h1', {}, 'Devices'));
  const r = await api('GET', '/api/devices');
  if (!r.ok) { view().append(el('p', { class: 'error', id: 'devices-message' }, r.data.error)); return; }
  if (!r.data.length) { view().append(el('p', { class: 'muted', id: 'devices-message' }, 'No devices are assigned to this gateway.')); return; }
  view().append(el('div', { class: 'table-wrap' }, el('table', { id: 'devices-table' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Device'), el('th', {}, 'Model'), el('th', {}, 'Protocol'), el('th', { class: 'optional' }, 'Properties'))),
    el('tbody', {}, r.data.map(d => el('tr', {}, el('td', {}, d.id), el('td', {}, d.model), el('td', {}, d.protocol), el('td', { class: 'optional' }, d.properties.join(', '))))))));
}
