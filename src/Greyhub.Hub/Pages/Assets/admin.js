// The admin page's script (/hub/admin). Everything it lists or changes goes through the hub's REST API (/hub/api):
// the same calls any client makes, each one shown on the page. Cookie-authenticated changes carry the page's XSRF
// token as X-XSRFToken (a login cookie alone authorizes nothing). The server renders the first page, so the page
// shows, searches and pages without this script; the script makes it live.
import { h, enc, serverPath, serverLabel, userRow, groupRow, count, range, progress } from './admin-view.js';

const root = document.getElementById('admin');
const apiBase = root.dataset.api; // "/hub/api/"
const xsrf = root.dataset.xsrf;
const me = root.dataset.me;
const PAGED = 'application/jupyterhub-pagination+json';
const GROUP_LIMIT = 50;
const DEFAULT_LIMIT = '50';
const $ = (selector, scope = document) => scope.querySelector(selector);
const address = new URLSearchParams(location.search);
const view = { offset: Number(address.get('offset')) || 0, groupOffset: Number(address.get('group_offset')) || 0 };

// ---- The REST API, each change logged on the page ------------------------------------------------------------

class ApiError extends Error {
  constructor(method, path, status, message) {
    super(message);
    this.call = `${method} ${apiBase}${path}`;
    this.status = status;
  }
}

async function api(method, path, { body, paged = false } = {}) {
  const headers = { Accept: paged ? PAGED : 'application/json', 'X-XSRFToken': xsrf };
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(apiBase + path, init);
  } catch (error) {
    logCall(method, path, body, 0, 'no answer');
    throw new ApiError(method, path, 0, `The hub did not answer (${error.message}).`);
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  logCall(method, path, body, response.status, response.statusText);
  if (!response.ok) {
    throw new ApiError(method, path, response.status, json?.message || response.statusText || `HTTP ${response.status}`);
  }
  return { status: response.status, json };
}

function logCall(method, path, body, status, text) {
  if (method === 'GET') return; // each list documents its own call; the log keeps the changes
  const ok = status >= 200 && status < 300;
  $('#api-log-list').append(h('li', {},
    h('code', {}, `${method} ${apiBase}${path}`), body === undefined ? null : [' ', h('code', {}, JSON.stringify(body))],
    ' → ', h('span', { class: ok ? 'ok' : 'failed' }, `${status || ''} ${text || ''}`.trim())));
  const counter = $('#api-log-count');
  counter.textContent = String(Number(counter.textContent) + 1);
}

// ---- Messages: successes politely, failures as alerts with the call that failed ------------------------------

function say(text, problem = null) {
  const box = $('#admin-messages');
  const detail = problem instanceof ApiError
    ? [' ', problem.message, ' ', h('code', { class: 'api-doc' }, `${problem.call} → ${problem.status || 'no answer'}`)]
    : problem ? [' ', problem] : [];
  const message = problem
    ? h('div', { class: 'alert error', role: 'alert' }, h('p', {}, h('strong', {}, text), detail))
    : h('div', { class: 'alert success' }, h('p', {}, text));
  const dismiss = h('button', { class: 'secondary small', type: 'button' }, 'Dismiss');
  dismiss.addEventListener('click', () => message.remove());
  message.append(dismiss);
  box.prepend(message);
  while (box.children.length > 3) box.lastElementChild.remove();
}

function confirmAction(title, text, call, verb) {
  const dialog = $('#confirm-dialog');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-api').textContent = call;
  $('#confirm-ok').textContent = verb;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

// ---- Keeping focus where it was when a list is drawn again ----------------------------------------------------

function focusKey(container) {
  const active = document.activeElement;
  if (!active || !container.contains(active)) return null;
  return {
    row: active.closest('[data-user].user-row, [data-group]')?.dataset,
    server: active.closest('.server')?.dataset.server,
    action: active.dataset.action,
    input: active.matches('form input'),
    submit: active.matches('form button[type="submit"]'),
  };
}

function restoreFocus(container, key, heading) {
  if (!key) return;
  const rows = [...container.children];
  const row = rows.find((r) => (key.row?.group !== undefined ? r.dataset.group === key.row.group : r.dataset.user === key.row?.user));
  if (!row) { $(heading).focus(); return; }
  const server = key.server === undefined ? null : [...row.querySelectorAll('.server')].find((s) => s.dataset.server === key.server);
  const scope = server ?? row;
  const target = (key.action && scope.querySelector(`[data-action="${key.action}"]`))
    || (key.input && row.querySelector('form input'))
    || (key.submit && row.querySelector('form button[type="submit"]'))
    || row.querySelector('form input')
    || scope.querySelector('button, a[href]');
  (target ?? $(heading)).focus();
}

// ---- Users: search, filter, sort, pages ------------------------------------------------------------------------

const search = $('#user-search');
let usersRequest = 0;
let poll = 0;

function listParams() {
  const form = new FormData(search);
  const params = new URLSearchParams({ offset: String(view.offset), limit: String(form.get('limit')) });
  const name = String(form.get('name_filter') ?? '').trim();
  if (name) params.set('name_filter', name);
  if (form.get('state')) params.set('state', String(form.get('state')));
  params.set('sort', String(form.get('sort')));
  return params;
}

// The page's own address, as the server reads it (AdminQuery): reload or share it and see the same.
function updateAddress() {
  const params = new URLSearchParams();
  if (search) {
    const list = listParams();
    for (const [key, value] of list) {
      const isDefault = (key === 'offset' && value === '0') || (key === 'limit' && value === DEFAULT_LIMIT) || (key === 'sort' && value === 'id');
      if (!isDefault) params.set(key, value);
    }
  }
  if (view.groupOffset) params.set('group_offset', String(view.groupOffset));
  const query = params.toString();
  history.replaceState(null, '', query ? `?${query}` : location.pathname);
}

async function loadUsers({ quiet = false } = {}) {
  if (!search) return;
  const request = ++usersRequest;
  const params = listParams();
  params.set('include_stopped_servers', '1');
  const path = `users?${params}`;
  const tbody = $('#user-rows');
  $('#users-api').textContent = `GET ${apiBase}${path}`;
  tbody.setAttribute('aria-busy', 'true');
  let result;
  try {
    result = await api('GET', path, { paged: true });
  } catch (error) {
    if (request === usersRequest) {
      tbody.removeAttribute('aria-busy');
      if (!quiet) say('Could not list users.', error);
    }
    return;
  }
  if (request !== usersRequest) return; // a newer search is on its way
  tbody.removeAttribute('aria-busy');
  const { items, _pagination: page } = result.json;
  if (items.length === 0 && page.total > 0 && view.offset > 0) {
    // Past the end (users were deleted): show the last page instead.
    view.offset = Math.max(0, Math.floor((page.total - 1) / page.limit) * page.limit);
    await loadUsers({ quiet });
    return;
  }
  const focus = focusKey(tbody);
  tbody.replaceChildren(...items.map(userRow));
  restoreFocus(tbody, focus, '#users-heading');
  $('#user-total').textContent = count(page.total, 'user');
  $('#user-range').textContent = range(page.offset, items.length, page.total, 'user');
  $('#users-prev').hidden = page.offset === 0;
  $('#users-next').hidden = page.offset + items.length >= page.total;
  $('#no-users').hidden = items.length > 0;
  updateAddress();
  clearTimeout(poll);
  // Servers starting or stopping: look again until they settle.
  if (items.some((u) => Object.values(u.servers ?? {}).some((s) => s.pending))) {
    poll = setTimeout(() => loadUsers({ quiet: true }), 2000);
  }
}

function turnPage(link, step, other) {
  link?.addEventListener('click', async (event) => {
    event.preventDefault();
    view.offset = Math.max(0, view.offset + step * Number(new FormData(search).get('limit')));
    await loadUsers();
    // A link that hid itself (first or last page) cannot keep the focus.
    if (link.hidden) ($(other).hidden ? $('#users-heading') : $(other)).focus();
  });
}

if (search) {
  search.addEventListener('submit', (event) => { event.preventDefault(); view.offset = 0; loadUsers(); });
  search.addEventListener('change', (event) => {
    if (event.target.matches('select')) { view.offset = 0; loadUsers(); }
  });
  let typing = 0;
  $('#name-filter').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => { view.offset = 0; loadUsers(); }, 300);
  });
  turnPage($('#users-prev'), -1, '#users-next');
  turnPage($('#users-next'), 1, '#users-prev');
}

// ---- Servers ----------------------------------------------------------------------------------------------------

function follow(user, server) {
  const key = `${user}/${server}`;
  const source = new EventSource(`${apiBase}${serverPath(user, server)}/progress`);
  progress.set(key, 'Starting…');
  source.onmessage = (event) => {
    let data;
    try { data = JSON.parse(event.data); } catch { return; }
    if (data.message) {
      progress.set(key, data.message);
      const line = [...document.querySelectorAll('[data-progress]')].find((l) => l.dataset.progress === key);
      if (line) line.textContent = data.message;
    }
    if (data.ready || data.failed) {
      source.close();
      progress.delete(key);
      if (data.failed) say(`The ${serverLabel(server)} of ${user} did not start.`, data.message);
      else say(`The ${serverLabel(server)} of ${user} is ready.`);
      loadUsers({ quiet: true });
    }
  };
  source.onerror = () => { source.close(); progress.delete(key); };
}

async function startServer(user, server, button) {
  if (button) { button.disabled = true; button.textContent = 'Starting…'; }
  try {
    // No body: the spawner's default options (the first profile), as JupyterHub's admin page starts servers.
    const { status } = await api('POST', serverPath(user, server));
    if (status === 202) {
      follow(user, server);
      say(`Starting the ${serverLabel(server)} of ${user}…`);
    } else {
      say(`Started the ${serverLabel(server)} of ${user}.`);
    }
  } catch (error) {
    say(`Could not start the ${serverLabel(server)} of ${user}.`, error);
  }
  await loadUsers({ quiet: true });
}

async function stopServer(user, server, button) {
  const path = serverPath(user, server);
  if (!await confirmAction(`Stop the ${serverLabel(server)} of ${user}?`,
    'Its processes end and unsaved work in them is lost.', `DELETE ${apiBase}${path}`, 'Stop server')) return;
  button.disabled = true;
  button.textContent = 'Stopping…';
  try {
    const { status } = await api('DELETE', path);
    say(status === 202 ? `Stopping the ${serverLabel(server)} of ${user}…` : `Stopped the ${serverLabel(server)} of ${user}.`);
  } catch (error) {
    say(`Could not stop the ${serverLabel(server)} of ${user}.`, error);
  }
  await loadUsers({ quiet: true });
}

$('#user-rows')?.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const user = button.closest('.user-row').dataset.user;
  const server = button.closest('.server')?.dataset.server ?? '';
  if (button.dataset.action === 'start') startServer(user, server, button);
  else if (button.dataset.action === 'stop') stopServer(user, server, button);
  else if (button.dataset.action === 'edit') openEdit(button.closest('.user-row'));
});

// ---- Editing a user: rename, admin, a named server, delete ------------------------------------------------------

const editDialog = $('#edit-user-dialog');
let editing = null;

function dialogError(problem) {
  const box = $('#edit-user-error');
  box.replaceChildren(problem instanceof ApiError
    ? h('p', {}, problem.message, ' ', h('code', { class: 'api-doc' }, `${problem.call} → ${problem.status || 'no answer'}`))
    : h('p', {}, problem));
  box.hidden = false;
}

function openEdit(row) {
  editing = { name: row.dataset.user, admin: row.dataset.admin === 'true' };
  const path = `${apiBase}users/${enc(editing.name)}`;
  $('#edit-user-name').textContent = editing.name;
  $('#edit-user-error').hidden = true;
  if ($('#edit-name')) $('#edit-name').value = editing.name;
  if ($('#edit-admin')) $('#edit-admin').checked = editing.admin;
  if ($('#edit-server')) $('#edit-server').value = '';
  if ($('#edit-api')) $('#edit-api').textContent = `PATCH ${path}`;
  if ($('#edit-server-api')) $('#edit-server-api').textContent = `POST ${path}/servers/NAME`;
  if ($('#edit-delete-api')) $('#edit-delete-api').textContent = `DELETE ${path}`;
  editDialog.showModal();
}

editDialog?.addEventListener('close', () => {
  // Back to the user's Edit button (the row may have been drawn again, or be gone).
  const row = [...document.querySelectorAll('#user-rows .user-row')].find((r) => r.dataset.user === editing?.name);
  (row?.querySelector('[data-action="edit"]') ?? $('#users-heading'))?.focus();
});
editDialog?.querySelectorAll('[data-close]').forEach((b) => b.addEventListener('click', () => editDialog.close()));

$('#edit-user-form')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!$('#edit-name')) return;
  const body = {};
  const name = $('#edit-name').value.trim();
  if (name && name !== editing.name) body.name = name;
  if ($('#edit-admin').checked !== editing.admin) body.admin = $('#edit-admin').checked;
  if (Object.keys(body).length === 0) { editDialog.close(); return; }
  const path = `users/${enc(editing.name)}`;
  if (body.admin === false && editing.name === me && !await confirmAction('Remove your own admin rights?',
    'You lose this page as soon as it is saved.', `PATCH ${apiBase}${path}`, 'Remove them')) return;
  try {
    const { json } = await api('PATCH', path, { body });
    const changes = [body.name ? `renamed to ${json.name}` : null,
      body.admin === undefined ? null : json.admin ? 'now an administrator' : 'no longer an administrator'].filter(Boolean);
    say(`${editing.name}: ${changes.join(', ')}.`);
    editing.name = json.name;
    editDialog.close();
  } catch (error) {
    dialogError(error);
    return;
  }
  await Promise.all([loadUsers({ quiet: true }), loadGroups({ quiet: true })]);
});

$('#edit-server')?.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') { event.preventDefault(); $('#edit-start-server').click(); }
});
$('#edit-start-server')?.addEventListener('click', async () => {
  const server = $('#edit-server').value.trim();
  if (!server) { dialogError('Type the name of the server to start.'); $('#edit-server').focus(); return; }
  editDialog.close();
  await startServer(editing.name, server, null);
});

$('#edit-delete')?.addEventListener('click', async () => {
  const path = `users/${enc(editing.name)}`;
  if (!await confirmAction(`Delete ${editing.name}?`,
    'Their servers are stopped, their tokens and group memberships removed. This cannot be undone.',
    `DELETE ${apiBase}${path}`, 'Delete user')) return;
  try {
    await api('DELETE', path);
    say(`Deleted ${editing.name}.`);
    editDialog.close();
  } catch (error) {
    dialogError(error);
    return;
  }
  await Promise.all([loadUsers({ quiet: true }), loadGroups({ quiet: true })]);
});

// ---- Adding users -----------------------------------------------------------------------------------------------

$('#add-users-form')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const field = $('#new-usernames');
  const usernames = field.value.split(/[\s,]+/).filter(Boolean);
  if (usernames.length === 0) { say('Nothing to add.', 'Type at least one user name.'); field.focus(); return; }
  const admin = $('#new-admin').checked;
  const button = $('#add-users');
  button.disabled = true;
  try {
    const { json } = await api('POST', 'users', { body: { usernames, admin } });
    const skipped = usernames.length - json.length;
    say(`Added ${json.map((u) => u.name).join(', ')}${admin ? ' as administrators' : ''}.${skipped > 0 ? ` ${skipped} already existed.` : ''}`);
    field.value = '';
    $('#new-admin').checked = false;
  } catch (error) {
    say('Could not add users.', error);
  } finally {
    button.disabled = false;
  }
  await loadUsers({ quiet: true });
});

// ---- Groups -----------------------------------------------------------------------------------------------------

async function loadGroups({ quiet = false } = {}) {
  const tbody = $('#group-rows');
  if (!tbody) return;
  const path = `groups?offset=${view.groupOffset}&limit=${GROUP_LIMIT}`;
  let result;
  try {
    result = await api('GET', path, { paged: true });
  } catch (error) {
    if (!quiet) say('Could not list groups.', error);
    return;
  }
  const { items, _pagination: page } = result.json;
  if (items.length === 0 && page.total > 0 && view.groupOffset > 0) {
    view.groupOffset = Math.max(0, Math.floor((page.total - 1) / GROUP_LIMIT) * GROUP_LIMIT);
    await loadGroups({ quiet });
    return;
  }
  const focus = focusKey(tbody);
  tbody.replaceChildren(...items.map((g, i) => groupRow(g, page.offset + i)));
  restoreFocus(tbody, focus, '#groups-heading');
  $('#group-total').textContent = count(page.total, 'group');
  $('#group-range').textContent = range(page.offset, items.length, page.total, 'group');
  $('#group-range').closest('nav').hidden = page.total <= GROUP_LIMIT;
  $('#groups-prev').hidden = page.offset === 0;
  $('#groups-next').hidden = page.offset + items.length >= page.total;
  $('#no-groups').hidden = items.length > 0;
  $('#groups-api').textContent = `GET ${apiBase}${path}`;
  updateAddress();
}

for (const [id, delta] of [['#groups-prev', -1], ['#groups-next', 1]]) {
  $(id)?.addEventListener('click', (event) => {
    event.preventDefault();
    view.groupOffset = Math.max(0, view.groupOffset + delta * GROUP_LIMIT);
    loadGroups();
  });
}

async function changeGroups(call, done, failed) {
  try {
    await call();
    say(done);
  } catch (error) {
    say(failed, error);
  }
  await Promise.all([loadGroups({ quiet: true }), loadUsers({ quiet: true })]);
}

$('#create-group-form')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const field = $('#new-group');
  const name = field.value.trim();
  if (!name) { say('No group created.', 'Type the new group\'s name.'); field.focus(); return; }
  await changeGroups(async () => { await api('POST', `groups/${enc(name)}`); field.value = ''; },
    `Created group ${name}.`, `Could not create group ${name}.`);
});

$('#group-rows')?.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const group = button.closest('.group-row').dataset.group;
  if (button.dataset.action === 'delete-group') {
    const path = `groups/${enc(group)}`;
    if (!await confirmAction(`Delete group ${group}?`, 'Its members stay users; they only leave the group.',
      `DELETE ${apiBase}${path}`, 'Delete group')) return;
    await changeGroups(() => api('DELETE', path), `Deleted group ${group}.`, `Could not delete group ${group}.`);
  } else if (button.dataset.action === 'remove-member') {
    const user = button.closest('.member').dataset.user;
    await changeGroups(() => api('DELETE', `groups/${enc(group)}/users`, { body: { users: [user] } }),
      `Removed ${user} from ${group}.`, `Could not remove ${user} from ${group}.`);
  }
});

$('#group-rows')?.addEventListener('submit', async (event) => {
  const form = event.target.closest('form.add-member');
  if (!form) return;
  event.preventDefault();
  const group = form.closest('.group-row').dataset.group;
  const user = form.elements.user.value.trim();
  if (!user) { say('Nobody added.', `Type the name of the user to add to ${group}.`); form.elements.user.focus(); return; }
  await changeGroups(() => api('POST', `groups/${enc(group)}/users`, { body: { users: [user] } }),
    `Added ${user} to ${group}.`, `Could not add ${user} to ${group}.`);
});

// ---- Start: reveal what needs this script, follow what is already moving ---------------------------------------

document.querySelectorAll('#confirm-dialog, #edit-user-dialog').forEach((d) => d.addEventListener('cancel', () => { d.returnValue = ''; }));
for (const element of root.querySelectorAll('.needs-script')) element.hidden = false;
if (document.querySelector('#user-rows .server[data-phase="pending"], #user-rows .server[data-phase="stopping"]')) {
  poll = setTimeout(() => loadUsers({ quiet: true }), 2000);
}
