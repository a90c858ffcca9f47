// Attesta bridge v1: the only code the capture runs inside WhatsApp Web. It
// reads the app's own module layer (window.require) and, for screenshots, the
// DOM. It never writes to the app's state beyond what a user's own client
// does when loading older history, and never opens a chat or plays media.
//
// Every call answers {ok: value} or {err: message, module: name-if-missing},
// so that the Go side can tell an unsupported build from any other failure.
(() => {
  'use strict';
  const VERSION = 1;
  const REQUIRED = ['WAWebSocketModel', 'WAWebConnModel', 'WAWebCollections', 'WAWebChatLoadMessages',
    'WAWebApiMessageInfoStore', 'WAWebDownloadManager', 'WAWebApiContact', 'WAWebSendNonMessageDataRequest'];

  class MissingModule extends Error {
    constructor(name) { super('module ' + name + ' missing'); this.module = name; }
  }
  function mod(name) {
    let m;
    try { m = window.require(name); } catch (e) { throw new MissingModule(name); }
    if (m == null) throw new MissingModule(name);
    return m;
  }
  const build = () => (window.Debug && window.Debug.VERSION) || '';
  const key = (x) => (x == null ? '' : typeof x === 'string' ? x : x._serialized || String(x));
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // settle waits two frames: enough for a virtualized list to render the rows a scroll uncovered.
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const settle = async () => { await frame(); await frame(); };

  function chatById(id) {
    const c = mod('WAWebCollections').Chat.get(id);
    if (!c) throw new Error('no chat ' + id);
    return c;
  }
  function msgsOf(chat) { return chat.msgs.getModelsArray(); }
  function oldestT(chat) {
    let t = 0;
    for (const m of msgsOf(chat)) if (m.t && (!t || m.t < t)) t = m.t;
    return t;
  }
  function chatSummary(c) {
    return {
      id: key(c.id), title: c.formattedTitle || c.name || '', unread: c.unreadCount || 0,
      endOfHistory: c.endOfHistoryTransferType == null ? -1 : c.endOfHistoryTransferType,
      loaded: c.msgs.length, oldest: oldestT(c),
    };
  }
  // phoneOf maps a wid to the phone wid when it is a LID the contact API knows.
  function phoneOf(wid) {
    const k = key(wid);
    if (!k.endsWith('@lid')) return k;
    const p = mod('WAWebApiContact').getPhoneNumber(wid);
    return p ? key(p) : k;
  }

  const api = {
    version: VERSION,

    // state works before linking: only the socket and connection modules exist then.
    state() {
      let socket = '', ref = '', wid = '', phone = '';
      try { socket = mod('WAWebSocketModel').Socket.state || ''; } catch (e) { socket = ''; }
      try { const c = mod('WAWebConnModel').Conn; ref = c.ref || ''; wid = key(c.wid); } catch (e) { ref = ''; }
      // The own id may be a LID: its phone number comes from the contact API once the app has loaded.
      try { phone = wid ? phoneOf(wid) : ''; } catch (e) { phone = ''; }
      return { socket, ref, wid, phone, build: build(), ua: navigator.userAgent, now: Date.now(),
        pane: !!document.querySelector('#pane-side') };
    },

    detect() {
      const missing = [];
      for (const n of REQUIRED) {
        try { mod(n); } catch (e) { missing.push(n); }
      }
      return { build: build(), missing };
    },

    // resolve finds the chat of a phone number (digits): as <phone>@c.us, or
    // through the LID the contact API maps it to, or a LID chat whose phone it is.
    resolve(digits) {
      const chats = mod('WAWebCollections').Chat;
      const contact = mod('WAWebApiContact');
      const phone = digits + '@c.us';
      let c = chats.get(phone);
      let via = 'phone';
      if (!c) {
        const lid = contact.getCurrentLid(phone);
        if (lid) { c = chats.get(key(lid)); via = 'lid'; }
      }
      if (!c) {
        c = chats.getModelsArray().find((x) => key(x.id).endsWith('@lid') && key(contact.getPhoneNumber(x.id)) === phone);
        via = 'lid-scan';
      }
      if (!c) return null;
      const s = chatSummary(c);
      s.via = via;
      return s;
    },

    summary(id) { return chatSummary(chatById(id)); },

    async loadEarlier(id) {
      const chat = chatById(id);
      const page = await mod('WAWebChatLoadMessages').loadEarlierMsgs(chat);
      const s = chatSummary(chat);
      s.added = page ? page.length : 0;
      return s;
    },

    async requestHistory(id) {
      const chat = chatById(id);
      await mod('WAWebSendNonMessageDataRequest').sendPeerDataOperationRequest(3, { chatId: chat.id });
      return chatSummary(chat);
    },

    // messages reads the loaded messages. The body of a media message is a
    // thumbnail, so only a text message's body is read; media give caption.
    messages(id) {
      return msgsOf(chatById(id)).map((m) => {
        const r = {
          id: m.id.id, key: m.id._serialized, fromMe: !!m.id.fromMe, t: m.t, type: m.type, ack: m.ack,
          quoted: m.quotedStanzaID || '', edited: !!m.isEdited, editKey: m.latestEditMsgKey ? key(m.latestEditMsgKey.id || m.latestEditMsgKey) : '',
          author: m.author ? phoneOf(m.author) : '',
        };
        if (m.type === 'chat') r.body = typeof m.body === 'string' ? m.body : '';
        if (typeof m.caption === 'string' && m.caption !== '') r.caption = m.caption;
        if (m.directPath || m.filehash || m.mimetype) {
          r.media = { mime: m.mimetype || '', size: m.size || 0, filename: m.filename || '', filehash: m.filehash || '',
            stage: (m.mediaData && m.mediaData.mediaStage) || '' };
        }
        return r;
      });
    },

    // msgInfo asks the local message-info store for the receipts of an own
    // message, with the LID-alternate key when the first finds nothing.
    async msgInfo(id, serialized) {
      const chat = chatById(id);
      const m = chat.msgs.get(serialized);
      if (!m) throw new Error('no message ' + serialized);
      const store = mod('WAWebApiMessageInfoStore');
      const conv = (l) => (l || []).map((r) => ({ id: phoneOf(r.id), t: r.t }));
      const keys = [m.id];
      try {
        const lid = key(chat.id).endsWith('@c.us') ? mod('WAWebApiContact').getCurrentLid(chat.id) : null;
        if (lid) keys.push({ fromMe: m.id.fromMe, remote: lid, id: m.id.id, _serialized: 'true_' + key(lid) + '_' + m.id.id });
      } catch (e) { /* no alternate key */ }
      let last = '';
      for (const k of keys) {
        try {
          const info = await store.queryMsgInfo(k);
          if (!info) { last = 'empty message info for ' + key(k); continue; }
          return { found: true, delivery: conv(info.delivery), read: conv(info.read), played: conv(info.played) };
        } catch (e) {
          if (e instanceof MissingModule) throw e;
          last = String((e && e.message) || e);
        }
      }
      return { found: false, error: last };
    },

    // download fetches and decrypts a message's media through the app's own
    // download manager and returns it in base64.
    async download(id, serialized) {
      const m = chatById(id).msgs.get(serialized);
      if (!m) throw new Error('no message ' + serialized);
      const dm = mod('WAWebDownloadManager').downloadManager;
      const stage = () => (m.mediaData && m.mediaData.mediaStage) || '';
      if (!m.directPath) return { ok: false, error: 'no directPath', stage: stage() };
      try {
        const buf = await dm.downloadAndMaybeDecrypt({ directPath: m.directPath, encFilehash: m.encFilehash,
          filehash: m.filehash, mediaKey: m.mediaKey, mediaKeyTimestamp: m.mediaKeyTimestamp, type: m.type });
        const bytes = new Uint8Array(buf);
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        return { ok: true, data: btoa(s), stage: stage() };
      } catch (e) {
        if (e instanceof MissingModule) throw e;
        return { ok: false, error: String((e && e.message) || e), status: (e && e.status) || 0, stage: stage() };
      }
    },

    // reveal scrolls the open conversation until the row of a bare message id
    // is rendered (the list is virtualized), centres it and reads its tick.
    async reveal(bareId) {
      const sel = '#main [data-id="' + CSS.escape(bareId) + '"]';
      const find = () => document.querySelector(sel);
      let row = find();
      const anyRow = document.querySelector('#main div[role="row"]');
      let list = anyRow;
      while (list && list !== document.body && !(list.scrollHeight > list.clientHeight + 1 &&
        /(auto|scroll)/.test(getComputedStyle(list).overflowY))) list = list.parentElement;
      if (!row && list && list !== document.body) {
        const step = Math.max(100, Math.floor(list.clientHeight * 0.8));
        // Messages are shot oldest first, so look below the current position first, then above. Stay clear of
        // the very top: reaching it makes the app load older history.
        const here = list.scrollTop, tops = [];
        for (let top = here + step; top < list.scrollHeight + step; top += step) tops.push(top);
        for (let top = here - step; top > 8 - step; top -= step) tops.push(Math.max(8, top));
        for (const top of tops) {
          list.scrollTop = top;
          await settle();
          if ((row = find())) break;
        }
      }
      if (!row) return { found: false };
      row.scrollIntoView({ block: 'center' });
      await settle();
      row = find() || row;
      const tick = row.closest('div[role="row"]') ? row.closest('div[role="row"]').querySelector('span[data-icon^="msg-"]') : null;
      const pre = row.querySelector('[data-pre-plain-text]');
      const box = document.querySelector('#main').getBoundingClientRect();
      const b = row.getBoundingClientRect();
      return { found: true, icon: tick ? tick.getAttribute('data-icon') : '', label: tick ? tick.getAttribute('aria-label') || '' : '',
        pre: pre ? pre.getAttribute('data-pre-plain-text') : '',
        box: { x: box.left + window.scrollX, y: box.top + window.scrollY, width: box.width, height: box.height },
        bubble: { x: b.left - box.left, y: b.top - box.top, width: b.width, height: b.height } };
    },

    openTitle() {
      const h = document.querySelector('#main header span[title]');
      return h ? h.getAttribute('title') : '';
    },
  };

  return async (method, ...args) => {
    try {
      if (typeof api[method] !== 'function') throw new Error('bridge v' + VERSION + ' has no method ' + method);
      return { ok: (await api[method](...args)) ?? null };
    } catch (e) {
      return { err: String((e && e.message) || e), module: (e && e.module) || '', build: build() };
    }
  };
})()
