// ActorPresence live board. A plain browser script: no libraries, nothing fetched from anywhere but
// the node that served it.
//
// State comes from the node's event stream (GET /api/v1/events: the current state of every entity
// first, then every change), read with fetch() rather than EventSource so that an Authorization
// header can go with it. Members come from GET /api/v1/cluster, site links from GET /api/v1/sites and
// the XMPP bridge from GET /api/v1/xmpp, polled; a lamp with the view of a peer site that is stale or
// down, or of an Asterisk server the bridge sees as stale or withdrawn, is marked as depending on it. Each board keeps every
// entity in a Map but puts only the visible page of tiles in the DOM, and the DOM is touched at most
// once per animation frame however many events arrive, so 10,000 devices stay cheap.
'use strict';

(() => {
  const TOKEN_KEY = 'actorpresence.token';
  const PAGE_SIZE = 200;
  const MEMBERS_EVERY_MS = 1500;
  const RETRY_MS = [500, 1000, 2000, 5000];

  const DEVICE_STATES = ['NOT_INUSE', 'INUSE', 'BUSY', 'RINGING', 'RINGINUSE', 'ONHOLD', 'UNAVAILABLE', 'UNKNOWN', 'INVALID'];
  const PRESENCE_STATES = ['available', 'chat', 'away', 'xa', 'dnd', 'unavailable', 'not_set'];
  // "PJSIP/2" before "PJSIP/10", as an operator reads extensions.
  const compareIds = new Intl.Collator('en', { numeric: true }).compare;

  const $ = (selector, root = document) => root.querySelector(selector);

  // Peer sites that are not connected (stale or down): a lamp with their view (@site) depends on them.
  let unsureSites = new Set();
  const unsureViewsOf = d => d.views.filter(v => v.node.startsWith('@') && unsureSites.has(v.node.slice(1)));
  // Asterisk servers the XMPP bridge sees as stale or withdrawn, by the name of their view (ast:<eid>):
  // a lamp with such a view depends on a server that went quiet, as one with a quiet site's view does.
  let unsureAsterisks = new Set();
  const unsureAsteriskViewsOf = d => d.views.filter(v => unsureAsterisks.has(v.node));

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === 'class') {
        node.className = value;
      } else {
        node.setAttribute(name, value);
      }
    }
    node.append(...children);
    return node;
  }

  // Writes only what changed: most frames re-fill tiles whose content is the same.
  function setAttr(node, name, value) {
    if (node.getAttribute(name) !== value) {
      node.setAttribute(name, value);
    }
  }

  // Sets the attribute to a non-empty value, or removes it.
  function setOrRemoveAttr(node, name, value) {
    if (value) {
      setAttr(node, name, value);
    } else if (node.hasAttribute(name)) {
      node.removeAttribute(name);
    }
  }

  function setText(node, text) {
    if (node.textContent !== text) {
      node.textContent = text;
    }
  }

  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

  const time = iso => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  };

  // ---- token ---------------------------------------------------------------------------------
  // Kept in sessionStorage: it lasts while the tab does and is never sent anywhere but this node.

  const auth = {
    get: () => sessionStorage.getItem(TOKEN_KEY) || '',
    headers() {
      const token = this.get();
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
    waiters: [],
    changed() {
      return new Promise(resolve => this.waiters.push(resolve));
    },
    set(token) {
      if (token) {
        sessionStorage.setItem(TOKEN_KEY, token);
      } else {
        sessionStorage.removeItem(TOKEN_KEY);
      }
      for (const resolve of this.waiters.splice(0)) {
        resolve();
      }
      stream.restart();
    },
  };

  function setConn(state, text) {
    const conn = $('#conn');
    conn.dataset.conn = state;
    setText(conn, text);
  }

  function refused(status) {
    setConn('token', status === 401 ? 'this node needs an API token' : 'the API token was refused');
    $('#token').focus();
  }

  // ---- boards --------------------------------------------------------------------------------

  let frame = 0;
  function schedule() {
    if (!frame) {
      frame = requestAnimationFrame(renderAll);
    }
  }

  /** One kind of entity: all of them in a Map, the current page of them as tiles. */
  class Board {
    constructor(section, spec) {
      this.section = section;
      this.spec = spec;
      this.items = new Map();
      this.counts = new Map(spec.states.map(s => [s.value, 0]));
      this.sorted = null; // every id in display order; null when the set of ids changed
      this.view = []; // the ids that pass the filters, in order
      this.viewStale = true;
      this.page = 0;
      this.filter = '';
      this.state = '';
      this.dirty = true;
      section.append($('#board-template').content.cloneNode(true));
      const { title, noun, filter: hint, all } = section.dataset;
      setText($('h2', section), title);
      setText($('.empty', section), `No ${noun}.`);
      $('.filter', section).placeholder = hint;
      $('.filter', section).setAttribute('aria-label', `${hint} (${noun})`);
      setText($('.state option', section), all);
      $('.state', section).setAttribute('aria-label', `only ${noun} in this state`);
      this.grid = $('.grid', section);
      this.chips = new Map();

      const select = $('.state', section);
      const summary = $('.summary', section);
      for (const s of spec.states) {
        select.append(el('option', { value: s.value }, s.label));
        const chip = el('button', { type: 'button', 'aria-pressed': 'false', title: `only ${s.label}`, ...spec.chipAttrs(s.value) },
          el('span', { class: 'dot' }), s.label, el('b'));
        chip.addEventListener('click', () => this.setState(this.state === s.value ? '' : s.value));
        this.chips.set(s.value, chip);
        summary.append(chip);
      }
      select.addEventListener('change', () => this.setState(select.value));
      $('.filter', section).addEventListener('input', e => {
        this.filter = e.target.value.trim().toLowerCase();
        this.refilter();
      });
      $('.prev', section).addEventListener('click', () => this.turn(-1));
      $('.next', section).addEventListener('click', () => this.turn(1));

      this.grid.addEventListener('click', e => {
        const tile = e.target.closest('.tile');
        if (tile) {
          choose(this, this.idOf(tile));
        }
      });
      this.grid.addEventListener('keydown', e => {
        const tile = e.target.closest('.tile');
        if (tile && (e.key === 'Enter' || e.key === ' ')) {
          e.preventDefault();
          choose(this, this.idOf(tile));
        }
      });
      this.grid.addEventListener('mouseover', e => {
        const tile = e.target.closest('.tile');
        hover(tile ? { board: this, id: this.idOf(tile) } : null);
      });
      this.grid.addEventListener('mouseleave', () => hover(null));
    }

    idOf(tile) {
      return tile.getAttribute(`data-${this.spec.attr}`);
    }

    set(id, doc) {
      const old = this.items.get(id);
      if (old === undefined) {
        this.sorted = null;
      } else {
        this.tally(this.spec.stateOf(old), -1);
      }
      this.items.set(id, doc);
      this.tally(this.spec.stateOf(doc), 1);
      if (this.state) {
        this.viewStale = true; // a change of state can move the entity in or out of the view
      }
      this.touch();
    }

    delete(id) {
      const old = this.items.get(id);
      if (old !== undefined) {
        this.tally(this.spec.stateOf(old), -1);
        this.items.delete(id);
        this.sorted = null;
        this.touch();
      }
    }

    clear() {
      this.items.clear();
      for (const key of this.counts.keys()) {
        this.counts.set(key, 0);
      }
      this.sorted = null;
      this.touch();
    }

    tally(state, delta) {
      this.counts.set(state, (this.counts.get(state) || 0) + delta);
    }

    setState(state) {
      this.state = state;
      $('.state', this.section).value = state;
      this.refilter();
    }

    refilter() {
      this.page = 0;
      this.viewStale = true;
      this.touch();
    }

    turn(delta) {
      this.page = Math.max(0, this.page + delta);
      this.touch();
    }

    touch() {
      this.dirty = true;
      schedule();
    }

    render() {
      this.dirty = false;
      if (this.sorted === null) {
        this.sorted = [...this.items.keys()].sort(compareIds);
        this.viewStale = true;
      }
      if (this.viewStale) {
        const { filter, state } = this;
        this.view = filter || state
          ? this.sorted.filter(id => (!filter || id.toLowerCase().includes(filter)) && (!state || this.spec.stateOf(this.items.get(id)) === state))
          : this.sorted;
        this.viewStale = false;
      }
      const pages = Math.max(1, Math.ceil(this.view.length / PAGE_SIZE));
      this.page = Math.min(this.page, pages - 1);
      const start = this.page * PAGE_SIZE;
      const ids = this.view.slice(start, start + PAGE_SIZE);

      // A pool of tiles, re-filled in place: the DOM never holds more than one page of them.
      const grid = this.grid;
      while (grid.childElementCount < ids.length) {
        grid.append(el('div', { class: 'tile', role: 'listitem', tabindex: '0' },
          el('span', { class: 'dot' }), el('span', { class: 'id' }), el('span', { class: 'st' })));
      }
      while (grid.childElementCount > ids.length) {
        grid.lastElementChild.remove();
      }
      const picked = selected && selected.board === this ? selected.id : null;
      ids.forEach((id, i) => {
        const tile = grid.children[i];
        setAttr(tile, `data-${this.spec.attr}`, id);
        setText(tile.children[1], id);
        this.spec.fill(tile, this.items.get(id));
        setAttr(tile, 'aria-selected', String(id === picked));
      });

      const section = this.section;
      setAttr(section, 'data-total', String(this.items.size));
      setAttr(section, 'data-shown', String(this.view.length));
      setAttr(section, 'data-empty', String(ids.length === 0));
      setText($('.count', section), this.view.length === this.items.size
        ? `${this.items.size}`
        : `${this.view.length} of ${this.items.size}`);
      setText($('.page', section), this.view.length === 0 ? '' : `${start + 1}–${start + ids.length} · page ${this.page + 1}/${pages}`);
      $('.prev', section).disabled = this.page === 0;
      $('.next', section).disabled = this.page >= pages - 1;
      for (const [value, chip] of this.chips) {
        setText(chip.lastElementChild, String(this.counts.get(value) || 0));
        setAttr(chip, 'aria-pressed', String(value === this.state));
      }
    }
  }

  const boards = {
    device: new Board($('#devices'), {
      attr: 'device',
      states: DEVICE_STATES.map(s => ({ value: s, label: s })),
      stateOf: d => d.state,
      chipAttrs: value => ({ 'data-state': value }),
      fill(tile, d) {
        setAttr(tile, 'data-state', d.state);
        setText(tile.children[2], d.state);
        setOrRemoveAttr(tile, 'data-unsure-site', unsureViewsOf(d).map(v => v.node.slice(1)).join(' '));
        setOrRemoveAttr(tile, 'data-unsure-eid', unsureAsteriskViewsOf(d).map(v => v.node.slice('ast:'.length)).join(' '));
        setAttr(tile, 'title', [`${d.device}: ${d.state}`, ...d.views.map(v => `  ${v.node}: ${v.state}`)].join('\n'));
      },
      title: d => `${d.device} — ${d.state}`,
      details: d => [
        el('tr', {}, el('th', {}, 'node'), el('th', {}, 'view'), el('th', {}, 'since')),
        ...[...d.views].sort((a, b) => compareIds(a.node, b.node)).map(v =>
          el('tr', { 'data-node': v.node, 'data-state': v.state },
            el('td', {}, v.node),
            el('td', { 'data-state': v.state }, el('span', { class: 'dot' }), ' ', v.state),
            el('td', { class: 'when' }, time(v.updatedAt)))),
      ],
    }),
    mailbox: new Board($('#mailboxes'), {
      attr: 'mailbox',
      states: [{ value: 'on', label: 'message waiting' }, { value: 'off', label: 'no new messages' }],
      stateOf: m => (m.new > 0 ? 'on' : 'off'),
      chipAttrs: value => ({ 'data-mwi': value }),
      fill(tile, m) {
        setAttr(tile, 'data-mwi', m.new > 0 ? 'on' : 'off');
        setAttr(tile, 'data-new', String(m.new));
        setAttr(tile, 'data-old', String(m.old));
        setAttr(tile, 'data-urgent', String(m.urgent));
        setText(tile.children[2], `${m.new}/${m.old}${m.urgent ? ` !${m.urgent}` : ''}`);
        setAttr(tile, 'title', `${m.mailbox}: ${m.new} new (${m.urgent} urgent), ${m.old} old`);
      },
      title: m => `${m.mailbox} — ${m.new > 0 ? 'message waiting' : 'no new messages'}`,
      details: m => [
        row('new', m.new), row('urgent', m.urgent), row('old', m.old), row('written by', m.writtenBy), row('written at', time(m.writtenAt)),
      ],
    }),
    presence: new Board($('#presence'), {
      attr: 'presence',
      states: PRESENCE_STATES.map(s => ({ value: s, label: s })),
      stateOf: p => p.state,
      chipAttrs: value => ({ 'data-presence': '', 'data-state': value }),
      fill(tile, p) {
        setAttr(tile, 'data-state', p.state);
        setText(tile.children[2], p.message ? `${p.state} · ${p.message}` : p.state);
        setAttr(tile, 'title', [`${p.presentity}: ${p.state}`, p.subtype, p.message].filter(Boolean).join('\n'));
      },
      title: p => `${p.presentity} — ${p.state}`,
      details: p => [
        row('state', p.state), row('subtype', p.subtype), row('message', p.message), row('written by', p.writtenBy), row('written at', time(p.writtenAt)),
      ],
    }),
  };

  function row(name, value) {
    return el('tr', {}, el('th', {}, name), el('td', {}, String(value)));
  }

  // ---- details: the hovered entity, else the clicked one ------------------------------------

  let selected = null;
  let hovered = null;

  function choose(board, id) {
    selected = selected && selected.board === board && selected.id === id ? null : { board, id };
    board.touch();
  }

  function hover(pick) {
    if (pick?.board !== hovered?.board || pick?.id !== hovered?.id) {
      hovered = pick;
      schedule();
    }
  }

  function renderDetails() {
    const details = $('#details');
    const pick = [hovered, selected].find(p => p && p.board.items.has(p.id));
    const doc = pick ? pick.board.items.get(pick.id) : null;
    setAttr(details, 'data-kind', pick ? pick.board.spec.attr : '');
    setAttr(details, 'data-id', pick ? pick.id : '');
    setText($('.title', details), doc ? pick.board.spec.title(doc) : '');
    $('tbody', details).replaceChildren(...(doc ? pick.board.spec.details(doc) : []));
  }

  function renderAll() {
    frame = 0;
    for (const board of Object.values(boards)) {
      if (board.dirty) {
        board.render();
      }
    }
    renderDetails();
  }

  // ---- event stream --------------------------------------------------------------------------

  let events = 0;

  function apply(e) {
    events++;
    const v = e.value;
    if (e.kind === 'device') {
      // A device whose last view was withdrawn is gone, as it is for GET.
      if (v.views.length === 0) {
        boards.device.delete(e.id);
      } else {
        boards.device.set(e.id, v);
      }
    } else if (e.kind === 'mailbox') {
      boards.mailbox.set(e.id, v);
    } else if (e.kind === 'presence') {
      boards.presence.set(e.id, v);
    }
  }

  // One Server-Sent Events block: "event:" and "data:" lines; lines starting with ':' are comments.
  function onBlock(block) {
    let type = 'message';
    let data = null;
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) {
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) {
        value = value.slice(1);
      }
      if (field === 'event') {
        type = value;
      } else if (field === 'data') {
        data = data === null ? value : `${data}\n${value}`;
      }
    }
    if (data === null) {
      return;
    }
    const payload = JSON.parse(data);
    if (type === 'overflow') {
      throw new Error(payload.error || 'the board fell behind');
    }
    apply(payload);
  }

  const stream = {
    abort: null,

    restart() {
      this.abort?.abort();
    },

    async run() {
      let attempt = 0;
      for (;;) {
        const ctl = new AbortController();
        this.abort = ctl;
        try {
          setConn('connecting', 'connecting…');
          const res = await fetch('/api/v1/events', { headers: auth.headers(), signal: ctl.signal, cache: 'no-store' });
          if (res.status === 401 || res.status === 403) {
            refused(res.status);
            await auth.changed();
            continue;
          }
          if (!res.ok) {
            throw new Error(`HTTP ${res.status}`);
          }
          attempt = 0;
          // The stream starts with the whole current state: start from nothing.
          for (const board of Object.values(boards)) {
            board.clear();
          }
          setConn('live', 'live');
          await this.read(res.body);
          throw new Error('the node closed the stream');
        } catch (e) {
          if (ctl.signal.aborted) {
            continue; // a new token: reconnect at once
          }
          setConn('down', `disconnected (${e.message}), retrying`);
          await sleep(RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
        }
      }
    },

    async read(body) {
      const reader = body.pipeThrough(new TextDecoderStream()).getReader();
      let rest = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          return;
        }
        const blocks = (rest + value).split('\n\n');
        rest = blocks.pop();
        for (const block of blocks) {
          onBlock(block);
        }
      }
    },
  };

  // ---- members -------------------------------------------------------------------------------

  function renderMembers(doc) {
    setText($('#self'), doc.self);
    document.title = `ActorPresence · ${doc.self}`;
    const leader = doc.members.find(m => m.address === doc.leader);
    const rows = doc.members.map(m => {
      const isLeader = m.address === doc.leader;
      const isSelf = m.address === doc.selfAddress;
      return el('tr', {
        'data-member': m.node ?? '',
        'data-address': m.address,
        'data-status': m.status,
        'data-reachable': String(m.reachable),
        'data-leader': String(isLeader),
      },
      el('td', {},
        m.node ?? '?',
        ...(isLeader ? [el('span', { class: 'tag leader' }, 'leader')] : []),
        ...(isSelf ? [el('span', { class: 'tag me' }, 'this node')] : []),
        el('div', { class: 'addr' }, m.address)),
      el('td', { class: 'status', 'data-status': m.status }, m.status),
      el('td', {}, m.reachable ? 'yes' : 'UNREACHABLE'),
      el('td', {}, m.roles.join(', ')));
    });
    $('#members tbody').replaceChildren(...rows);
    setText($('#leader'), doc.leader ? `leader: ${leader?.node ?? doc.leader}` : 'no leader');
  }

  // ---- sites ---------------------------------------------------------------------------------

  function renderSites(doc) {
    const section = $('#sites');
    setText($('#sites-self'), `this site: ${doc.self}${doc.gateway ? ` · gateway on ${doc.gateway}` : ''}`);
    if (doc.peers === null) {
      setAttr(section, 'data-links', 'unknown');
      $('#sites tbody').replaceChildren(el('tr', {}, el('td', { colspan: '5' }, 'the gateway did not answer')));
      return;
    }
    setAttr(section, 'data-links', doc.peers.length === 0 ? 'none' : 'some');
    const rows = doc.peers.map(p => el('tr', { 'data-site': p.site, 'data-state': p.state },
      el('td', {}, p.site),
      el('td', { class: 'status', 'data-state': p.state }, p.state),
      el('td', { class: 'when' }, p.lastSeen ? time(p.lastSeen) : 'never'),
      el('td', {}, `${p.entitiesIn}/${p.entitiesOut}`),
      el('td', {}, p.lagMs === null ? '-' : `${p.lagMs} ms`)));
    $('#sites tbody').replaceChildren(...(rows.length > 0 ? rows : [el('tr', {}, el('td', { colspan: '5' }, 'no site links'))]));
    const unsure = new Set(doc.peers.filter(p => p.state !== 'connected').map(p => p.site));
    if (unsure.size !== unsureSites.size || [...unsure].some(s => !unsureSites.has(s))) {
      unsureSites = unsure;
      boards.device.touch();
    }
    const lamps = unsure.size === 0 ? 0 : [...boards.device.items.values()].filter(d => unsureViewsOf(d).length > 0).length;
    setText($('#sites-stale'), unsure.size === 0 ? '' : `${lamps} lamp${lamps === 1 ? ' depends' : 's depend'} on ${[...unsure].join(', ')} (not connected): marked dashed`);
  }

  async function pollSites() {
    for (;;) {
      try {
        const res = await fetch('/api/v1/sites', { headers: auth.headers(), cache: 'no-store' });
        if (res.ok) {
          renderSites(await res.json());
        }
      } catch (e) {
        setText($('#sites-self'), `sites: ${e.message}`);
      }
      await sleep(MEMBERS_EVERY_MS);
    }
  }

  // ---- XMPP bridge ---------------------------------------------------------------------------

  const plural = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

  function renderXmpp(doc) {
    const section = $('#xmpp');
    const state = doc.enabled ? doc.state : 'off';
    const eids = doc.enabled ? doc.eids : [];
    setAttr(section, 'data-bridge', state);
    setAttr($('#xmpp-state'), 'data-state', state);
    setText($('#xmpp-state'), state);
    setText($('#xmpp-self'), doc.enabled
      ? [`${doc.jid} at ${doc.server} · EID ${doc.eid}`, doc.bridge ? `on ${doc.bridge}` : '', `${doc.itemsIn} in / ${doc.itemsOut} out`,
        doc.lastError ? `last error: ${doc.lastError}` : ''].filter(Boolean).join(' · ')
      : 'off on this node (turn it on with --xmpp)');
    const rows = eids.map(e => el('tr', { 'data-eid': e.eid, 'data-state': e.state },
      el('td', {}, e.eid, el('div', { class: 'addr' }, e.account)),
      el('td', { class: 'status', 'data-state': e.state }, e.state),
      el('td', { class: 'when' }, time(e.lastItem)),
      el('td', {}, String(e.devices))));
    const none = state === 'unreachable' ? 'the bridge did not answer'
      : state === 'starting' ? 'the bridge has not started yet'
        : 'no Asterisk EID seen yet';
    $('#xmpp tbody').replaceChildren(...(rows.length > 0 ? rows : [el('tr', {}, el('td', { colspan: '4' }, none))]));

    const unsure = new Set(eids.filter(e => e.state === 'stale' || e.state === 'withdrawn').map(e => e.view));
    if (unsure.size !== unsureAsterisks.size || [...unsure].some(v => !unsureAsterisks.has(v))) {
      unsureAsterisks = unsure;
      boards.device.touch();
    }
    const stale = eids.filter(e => e.state === 'stale').length;
    const withdrawn = eids.filter(e => e.state === 'withdrawn').length;
    setAttr(section, 'data-stale', String(stale));
    const lamps = unsure.size === 0 ? 0 : [...boards.device.items.values()].filter(d => unsureAsteriskViewsOf(d).length > 0).length;
    setText($('#xmpp-stale'), eids.length === 0 ? ''
      : `${stale} of ${plural(eids.length, 'Asterisk EID')} stale${withdrawn ? `, ${withdrawn} withdrawn` : ''}`
        + (lamps === 0 ? '' : ` · ${lamps} lamp${lamps === 1 ? ' depends' : 's depend'} on ${[...unsure].map(v => v.slice('ast:'.length)).join(', ')}: marked dashed`));
  }

  async function pollXmpp() {
    for (;;) {
      try {
        const res = await fetch('/api/v1/xmpp', { headers: auth.headers(), cache: 'no-store' });
        if (res.ok) {
          renderXmpp(await res.json());
        }
      } catch (e) {
        setText($('#xmpp-self'), `xmpp: ${e.message}`);
      }
      await sleep(MEMBERS_EVERY_MS);
    }
  }

  async function pollMembers() {
    for (;;) {
      try {
        const res = await fetch('/api/v1/cluster', { headers: auth.headers(), cache: 'no-store' });
        if (res.ok) {
          renderMembers(await res.json());
        } else {
          setText($('#leader'), `cluster: HTTP ${res.status}`);
        }
      } catch (e) {
        setText($('#leader'), `cluster: ${e.message}`);
      }
      await sleep(MEMBERS_EVERY_MS);
    }
  }

  // ---- start ---------------------------------------------------------------------------------

  $('#token').value = auth.get();
  $('#token-form').addEventListener('submit', e => {
    e.preventDefault();
    auth.set($('#token').value.trim());
  });
  $('#token-forget').addEventListener('click', () => {
    $('#token').value = '';
    auth.set('');
  });

  let lastEvents = 0;
  setInterval(() => {
    setText($('#rate'), `${events - lastEvents} events/s · ${events} since load`);
    lastEvents = events;
  }, 1000);

  schedule();
  stream.run();
  pollMembers();
  pollSites();
  pollXmpp();
})();
