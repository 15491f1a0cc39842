// The admin page's rows, built from the REST API's user and group models exactly as the server renders its first
// page (Admin/AdminUserRow.razor, Admin/AdminGroups.razor): keep them alike. Text only ever enters the page as text
// (Node.append of a string), never as HTML.

const root = document.getElementById('admin');
const apiBase = root.dataset.api; // "/hub/api/"
const hubBase = root.dataset.hub; // "/hub/"
const can = new Set(root.dataset.can.split(' ').filter(Boolean));
const MEMBERS_SHOWN = 30;

/** Start messages of servers this page started, by "user/server", shown while they are pending. */
export const progress = new Map();

export const enc = (name) => encodeURIComponent(name).replace(/%40/g, '@');
export const serverPath = (user, server) => server ? `users/${enc(user)}/servers/${enc(server)}` : `users/${enc(user)}/server`;
export const serverLabel = (server) => server ? `server ${server}` : 'default server';

// ---- Elements, the way the page's Razor writes them ------------------------------------------------------------

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

const muted = (text) => h('span', { class: 'muted' }, text);

function relative(at, now = new Date()) {
  const seconds = (now - at) / 1000;
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  if (abs < 60) return future ? 'in less than a minute' : 'just now';
  const [count, unit] =
    abs < 3600 ? [Math.floor(abs / 60), 'minute']
    : abs < 86400 ? [Math.floor(abs / 3600), 'hour']
    : abs < 30 * 86400 ? [Math.floor(abs / 86400), 'day']
    : abs < 365 * 86400 ? [Math.floor(abs / (30 * 86400)), 'month']
    : [Math.floor(abs / (365 * 86400)), 'year'];
  const amount = `${count} ${unit}${count === 1 ? '' : 's'}`;
  return future ? `in ${amount}` : `${amount} ago`;
}

function time(iso, missing = 'never') {
  if (!iso) return missing;
  const at = new Date(iso);
  const exact = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return h('time', { datetime: exact, title: `${exact.slice(0, 16).replace('T', ' ')} UTC` }, relative(at));
}

function phaseOf(server) {
  if (server.ready) return 'running';
  if (server.pending === 'spawn') return 'pending';
  if (server.pending === 'stop') return 'stopping';
  return 'stopped';
}

// As AdminServer.ProfileOf: the profile option, "default" for no options, else the options as JSON.
function profileOf(options) {
  if (!options || typeof options !== 'object') return 'unknown';
  if (typeof options.profile === 'string') return options.profile;
  return Object.keys(options).length === 0 ? 'default' : JSON.stringify(options);
}

export const count = (n, noun) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
export const range = (offset, shown, total, noun) => shown === 0
  ? (total === 0 ? `No ${noun}s` : `Nothing past ${count(total, noun)}`)
  : `${(offset + 1).toLocaleString('en-US')}–${(offset + shown).toLocaleString('en-US')} of ${count(total, noun)}`;

function serverItem(user, server) {
  const phase = phaseOf(server);
  const label = serverLabel(server.name);
  const facts = [];
  if (phase !== 'stopped') facts.push(h('div', {}, h('dt', {}, 'Started'), h('dd', {}, time(server.started, 'unknown'))));
  if (phase !== 'stopped' || server.last_activity) facts.push(h('div', {}, h('dt', {}, 'Last activity'), h('dd', {}, time(server.last_activity))));
  if (phase !== 'stopped') {
    facts.push(h('div', {}, h('dt', {}, 'Profile'), h('dd', {}, profileOf(server.user_options))));
    // As AdminServer.EngineOf: the hub keeps the spawner's state under "spawner"; the engine-backed one names its engine.
    const engine = 'state' in server ? (typeof server.state?.spawner?.engine === 'string' ? server.state.spawner.engine : 'unknown') : 'not shown';
    facts.push(h('div', {}, h('dt', {}, 'Engine'), h('dd', {}, engine)));
  }
  const api = apiBase + serverPath(user, server.name);
  const key = `${user}/${server.name}`;
  return h('li', { class: 'server', 'data-server': server.name, 'data-phase': phase },
    h('div', { class: 'server-head' },
      h('span', { class: 'server-name' }, server.name || 'default'), ' ', h('span', { class: `badge ${phase}` }, phase)),
    facts.length ? h('dl', { class: 'facts' }, facts) : null,
    phase === 'pending' && progress.has(key) ? h('p', { class: 'progress-line', 'data-progress': key }, progress.get(key)) : null,
    h('div', { class: 'actions' },
      phase === 'running' && can.has('open-servers')
        ? h('a', { class: 'button secondary small', 'data-action': 'open', href: server.url, 'aria-label': `Open ${label} of ${user}` }, 'Open') : null,
      phase === 'running' && can.has('stop-servers')
        ? h('button', { class: 'danger small', type: 'button', 'data-action': 'stop', title: `DELETE ${api}`, 'aria-label': `Stop ${label} of ${user}` }, 'Stop') : null,
      phase === 'stopped' && can.has('start-servers') ? [
        h('button', { class: 'primary small', type: 'button', 'data-action': 'start', title: `POST ${api}`, 'aria-label': `Start ${label} of ${user}` }, 'Start'),
        ' ',
        h('a', { class: 'button secondary small', 'data-action': 'spawn-page', href: `${hubBase}spawn/${enc(user)}${server.name ? '/' + enc(server.name) : ''}`, 'aria-label': `Start ${label} of ${user} with options` }, 'Options…'),
      ] : null));
}

export function userRow(user) {
  let servers = null;
  if (user.servers) {
    const list = Object.values(user.servers).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (!list.some((s) => s.name === '')) list.unshift({ name: '', stopped: true, ready: false, pending: null });
    servers = h('ul', { class: 'server-list' }, list.map((s) => serverItem(user.name, s)));
  }
  return h('tr', { class: 'user-row', 'data-user': user.name, 'data-admin': String(user.admin === true) },
    h('th', { scope: 'row', 'data-label': 'User' },
      h('span', { class: 'user-name' }, user.name), user.admin === true ? [' ', h('span', { class: 'badge admin-badge' }, 'admin')] : null),
    h('td', { 'data-label': 'Groups' },
      !user.groups ? muted('not shown') : user.groups.length === 0 ? muted('none') : user.groups.join(', ')),
    h('td', { 'data-label': 'Last activity' }, 'last_activity' in user ? time(user.last_activity) : muted('not shown')),
    h('td', { 'data-label': 'Servers' }, servers ?? muted('not shown')),
    h('td', { class: 'actions-cell' }, can.has('edit-users') || can.has('delete-users')
      ? h('button', { class: 'secondary small', type: 'button', 'data-action': 'edit', 'aria-label': `Edit ${user.name}` }, 'Edit') : null));
}

export function groupRow(group, index) {
  const api = `${apiBase}groups/${enc(group.name)}`;
  let members = muted('not shown');
  if (group.users) {
    members = h('ul', { class: 'members' },
      group.users.slice(0, MEMBERS_SHOWN).map((member) => h('li', { class: 'member', 'data-user': member },
        h('span', {}, member),
        can.has('change-members') ? h('button', { class: 'chip-remove', type: 'button', 'data-action': 'remove-member', title: `DELETE ${api}/users`, 'aria-label': `Remove ${member} from ${group.name}` }, '×') : null)),
      group.users.length > MEMBERS_SHOWN ? h('li', { class: 'more muted' }, `and ${group.users.length - MEMBERS_SHOWN} more`) : null,
      group.users.length === 0 ? h('li', { class: 'muted' }, 'no members') : null);
  }
  const id = `add-member-${index}`;
  return h('tr', { class: 'group-row', 'data-group': group.name },
    h('th', { scope: 'row', 'data-label': 'Group' }, h('span', { class: 'group-name' }, group.name)),
    h('td', { 'data-label': 'Members' }, members,
      can.has('change-members') ? h('form', { class: 'add-member', novalidate: true },
        h('label', { class: 'visually-hidden', for: id }, `Add a member to ${group.name}`),
        h('input', { id, name: 'user', type: 'text', placeholder: 'user name', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', maxlength: '255' }),
        h('button', { class: 'secondary small', type: 'submit', title: `POST ${api}/users` }, 'Add')) : null),
    h('td', { class: 'actions-cell' }, can.has('delete-groups')
      ? h('button', { class: 'danger small', type: 'button', 'data-action': 'delete-group', title: `DELETE ${api}`, 'aria-label': `Delete group ${group.name}` }, 'Delete') : null));
}
