// The WhatsApp Web replica's client: the module layer that the capture's
// bridge reads through window.require, and a DOM with the facts the capture
// relies on (QR canvas with data-ref, #pane-side, #main, a virtualized list of
// rows with bare data-id, data-pre-plain-text and localized tick labels).
// Plain JS, no framework, no network beyond the replica's own origin.
(function () {
  'use strict';

  const boot = JSON.parse(document.getElementById('boot').textContent);
  const lang = boot.language === 'en' ? 'en' : 'it';
  const S = {
    it: {
      sent: ' Inviato ', delivered: ' Consegnato ', read: ' Letto ', pending: ' In attesa ', notSent: ' Non inviato ',
      deletedMe: 'Hai eliminato questo messaggio', deletedThem: 'Questo messaggio è stato eliminato',
      edited: 'Modificato', play: 'Riproduci messaggio vocale', pause: 'Metti in pausa',
      landing: 'Usa WhatsApp sul tuo computer', step: 'Apri WhatsApp sul telefono, tocca Dispositivi collegati e inquadra il codice.',
      chatList: 'Lista delle chat', reload: 'Fai clic per ricaricare il codice QR', unread: (n) => n + (n === 1 ? ' messaggio non letto' : ' messaggi non letti'),
      quoted: 'Messaggio citato', voice: 'Messaggio vocale', audio: 'Audio', document: 'Documento', sticker: 'Sticker',
      video: 'Video', messages: 'Elenco dei messaggi', intro: 'Invia e ricevi messaggi senza tenere il telefono connesso.',
    },
    en: {
      sent: ' Sent ', delivered: ' Delivered ', read: ' Read ', pending: ' Pending ', notSent: ' Not sent ',
      deletedMe: 'You deleted this message', deletedThem: 'This message was deleted',
      edited: 'Edited', play: 'Play voice message', pause: 'Pause',
      landing: 'Use WhatsApp on your computer', step: 'Open WhatsApp on your phone, tap Linked devices and point it at this code.',
      chatList: 'Chat list', reload: 'Click to reload QR code', unread: (n) => n + (n === 1 ? ' unread message' : ' unread messages'),
      quoted: 'Quoted message', voice: 'Voice message', audio: 'Audio', document: 'Document', sticker: 'Sticker',
      video: 'Video', messages: 'Message list', intro: 'Send and receive messages without keeping your phone online.',
    },
  }[lang];

  window.Debug = { VERSION: boot.version };

  // ---- small helpers -------------------------------------------------------

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const listeners = new WeakMap(); // keeps models free of bookkeeping fields

  class Emitter {
    on(name, fn) {
      let m = listeners.get(this);
      if (!m) listeners.set(this, (m = new Map()));
      if (!m.has(name)) m.set(name, []);
      m.get(name).push(fn);
      return this;
    }
    off(name, fn) {
      const l = listeners.get(this)?.get(name);
      if (l) l.splice(l.indexOf(fn) >>> 0, fn ? 1 : l.length);
      return this;
    }
    trigger(name, ...args) {
      for (const fn of (listeners.get(this)?.get(name) || []).slice()) {
        try { fn(...args); } catch (e) { console.error(e); }
      }
    }
  }

  class Wid {
    constructor(s) {
      const at = s.indexOf('@');
      this.server = s.slice(at + 1);
      this.user = s.slice(0, at);
      this._serialized = s;
    }
    toString() { return this._serialized; }
    isLid() { return this.server === 'lid'; }
    isGroup() { return this.server === 'g.us'; }
  }

  function keyOf(x) {
    if (x == null) return '';
    if (typeof x === 'string') return x;
    if (typeof x._serialized === 'string') return x._serialized;
    return String(x);
  }

  function post(path, body) {
    return fetch(path, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), keepalive: true,
    }).catch(() => {});
  }
  const action = (kind, chat, detail) => post('/__app/action', { kind, chat: keyOf(chat), detail: detail || '' });

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'style') e.style.cssText = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids.flat()) if (k != null) e.append(k instanceof Node ? k : String(k));
    return e;
  }

  // ---- collections and models ----------------------------------------------

  const store = new WeakMap();

  class Collection extends Emitter {
    constructor() { super(); store.set(this, { list: [], map: new Map() }); }
    get(id) { return store.get(this).map.get(keyOf(id)); }
    getModelsArray() { return store.get(this).list.slice(); }
    get models() { return this.getModelsArray(); }
    get length() { return store.get(this).list.length; }
    at(i) { return store.get(this).list[i]; }
    forEach(fn) { this.getModelsArray().forEach(fn); }
    filter(fn) { return this.getModelsArray().filter(fn); }
    find(fn) { return store.get(this).list.find(fn); }
    map(fn) { return this.getModelsArray().map(fn); }
    add(models, front) {
      const s = store.get(this);
      const fresh = models.filter((m) => !s.map.has(keyOf(m.id)));
      for (const m of fresh) s.map.set(keyOf(m.id), m);
      if (front) s.list.unshift(...fresh); else s.list.push(...fresh);
      if (fresh.length) this.trigger('add', fresh);
      return fresh;
    }
  }

  const chatOf = new WeakMap(); // message model -> chat model
  const chatState = new WeakMap(); // chat model -> history bookkeeping

  class MsgModel extends Emitter {
    constructor(chat, d, me) {
      super();
      const remote = chat.id;
      const ser = (fromMe, id) => (fromMe ? 'true_' : 'false_') + remote._serialized + '_' + id;
      this.id = { fromMe: d.fromMe, remote, id: d.id, _serialized: ser(d.fromMe, d.id) };
      this.t = d.t;
      this.type = d.type;
      this.body = d.body;
      if (d.caption) this.caption = d.caption;
      this.ack = d.ack;
      this.from = d.fromMe ? me : remote;
      this.to = d.fromMe ? remote : me;
      this.isNewMsg = false;
      if (d.quotedStanzaID) this.quotedStanzaID = d.quotedStanzaID;
      this.isEdited = !!d.isEdited;
      if (d.latestEditMsgKey) {
        this.latestEditMsgKey = { fromMe: d.fromMe, remote, id: d.latestEditMsgKey, _serialized: ser(d.fromMe, d.latestEditMsgKey) };
      }
      if (d.type === 'revoked') this.subtype = 'sender_revoke';
      if (d.media) {
        const md = d.media;
        this.mimetype = md.mimetype;
        this.size = md.size;
        if (md.filename) this.filename = md.filename;
        this.filehash = md.filehash;
        this.encFilehash = md.encFilehash;
        this.mediaKey = md.mediaKey;
        this.mediaKeyTimestamp = d.t;
        this.directPath = md.directPath;
        if (md.duration) this.duration = md.duration;
        this.mediaData = { mediaStage: md.stage };
      }
      chatOf.set(this, chat);
    }
  }

  class ChatModel extends Emitter {
    constructor(d) {
      super();
      this.id = new Wid(d.id);
      this.formattedTitle = d.title;
      this.name = d.title;
      this.isGroup = this.id.server === 'g.us';
      this.unreadCount = d.unread;
      this.endOfHistoryTransferType = d.endOfHistory;
      this.t = d.messages.length ? d.messages[d.messages.length - 1].t : 0;
      this.msgs = new Collection();
    }
  }

  class ContactModel {
    constructor(d) {
      this.id = new Wid(d.id);
      this.name = d.title;
      this.pushname = d.title;
      this.shortName = d.title.split(' ')[0];
      this.isMyContact = true;
      this.isGroup = this.id.server === 'g.us';
      if (this.id.server === 'lid' && d.phone) this.phoneNumber = new Wid(d.phone + '@c.us');
    }
  }

  // ---- module registry ------------------------------------------------------

  const modules = Object.create(null);
  const missing = new Set(boot.missing || []);
  window.require = function (name) {
    if (missing.has(name) || !(name in modules)) throw new Error('Requiring unknown module "' + name + '"');
    return modules[name];
  };

  const Socket = Object.assign(new Emitter(), { state: boot.linked ? 'OPENING' : 'UNPAIRED' });
  const Conn = Object.assign(new Emitter(), { ref: boot.ref, wid: undefined, pushname: undefined, platform: 'web' });
  function setState(s) {
    if (Socket.state === s) return;
    Socket.state = s;
    Socket.trigger('change:state', Socket, s);
  }
  function setRef(r) {
    if (Conn.ref === r) return;
    Conn.ref = r;
    Conn.trigger('change:ref', Conn, r);
    const holder = document.querySelector('[data-ref]');
    if (holder) {
      holder.setAttribute('data-ref', r);
      drawQR(holder.querySelector('canvas'), r);
    }
  }
  modules.WAWebSocketModel = { Socket };
  modules.WAWebConnModel = { Conn };

  // app holds everything that exists once the app has loaded.
  let app = null;

  function loadApp(data) {
    const me = new Wid(data.me);
    const Chat = new Collection();
    const Msg = new Collection();
    const Contact = new Collection();
    const phoneToLid = new Map();
    const lidToPhone = new Map();
    const info = new Map(); // serialized msg id -> info as on the device
    const byPath = new Map(); // directPath -> message model

    const known = (chat, ds) => {
      for (const d of ds) {
        const key = (d.fromMe ? 'true_' : 'false_') + chat.id._serialized + '_' + d.id;
        if (d.fromMe) info.set(key, { info: d.info, participants: chatState.get(chat).participants });
      }
    };
    const models = (chat, ds) => ds.map((d) => {
      const m = new MsgModel(chat, d, me);
      if (m.directPath) byPath.set(m.directPath, m);
      return m;
    });

    for (const d of data.chats) {
      const chat = new ChatModel(d);
      const tier = (t) => d.messages.filter((m) => m.tier === t);
      chatState.set(chat, {
        earlier: tier('earlier'), ondemand: tier('ondemand'), ready: false, timer: null,
        pageSize: d.pageSize, delay: d.onDemandDelayMs, participants: d.participants, unreachable: d.unreachable,
      });
      known(chat, tier('linked'));
      known(chat, tier('earlier'));
      const linked = models(chat, tier('linked'));
      chat.msgs.add(linked);
      Msg.add(linked);
      Chat.add([chat]);
      if (!chat.isGroup) Contact.add([new ContactModel(d)]);
      if (d.lid) { phoneToLid.set(d.id, d.lid); lidToPhone.set(d.lid, d.id); }
      if (chat.id.server === 'lid' && d.phone) { lidToPhone.set(d.id, d.phone + '@c.us'); phoneToLid.set(d.phone + '@c.us', d.id); }
    }

    const chatArg = (x) => (x instanceof ChatModel ? x : Chat.get(x));

    async function loadEarlierMsgs(c) {
      const chat = chatArg(c);
      if (!chat) throw new Error('loadEarlierMsgs: no chat ' + keyOf(c && c.id ? c.id : c));
      await sleep(20);
      const st = chatState.get(chat);
      let src = null;
      if (st.earlier.length) src = st.earlier;
      else if (st.ready && st.ondemand.length) src = st.ondemand;
      if (!src) {
        action('load-earlier', chat.id, '0');
        return [];
      }
      const page = models(chat, src.splice(Math.max(0, src.length - st.pageSize)));
      chat.msgs.add(page, true);
      Msg.add(page);
      if (src === st.ondemand && !st.ondemand.length) chat.endOfHistoryTransferType = st.unreachable ? 1 : 2;
      action('load-earlier', chat.id, String(page.length));
      return page;
    }

    async function sendPeerDataOperationRequest(type, opts) {
      if (type !== 3) throw new Error('sendPeerDataOperationRequest: unsupported operation ' + type);
      const chat = Chat.get(opts && opts.chatId);
      if (!chat) throw new Error('sendPeerDataOperationRequest: no chat ' + keyOf(opts && opts.chatId));
      const st = chatState.get(chat);
      action('history-request', chat.id, st.timer ? 'repeated: cancels the pending request' : '');
      if (st.timer) clearTimeout(st.timer);
      st.timer = null;
      if (chat.endOfHistoryTransferType !== 0 || st.ready) return;
      // The phone answers after a while; until then loadEarlierMsgs finds
      // nothing more, so a client has to poll.
      st.timer = setTimeout(() => {
        st.timer = null;
        st.ready = true;
        known(chat, st.ondemand);
        if (!st.ondemand.length) chat.endOfHistoryTransferType = st.unreachable ? 1 : 2;
      }, st.delay);
    }

    async function queryMsgInfo(msgKey) {
      const key = keyOf(msgKey);
      await null; // asynchronous like the IndexedDB read it stands for
      const e = info.get(key);
      if (!e || e.info === 'missing' || !e.info) throw new Error('No message info found for ' + key);
      const conv = (l) => (l || []).map((r) => ({ id: new Wid(r.id), t: r.t }));
      const delivery = conv(e.info.delivery);
      const read = conv(e.info.read);
      const played = conv(e.info.played);
      const n = e.participants;
      return {
        delivery, read, played,
        deliveryRemaining: Math.max(0, n - delivery.length),
        readRemaining: Math.max(0, n - read.length),
        playedRemaining: Math.max(0, n - played.length),
      };
    }

    async function downloadAndMaybeDecrypt(o) {
      if (!o || !o.directPath) throw new TypeError('downloadAndMaybeDecrypt: directPath is required');
      const resp = await fetch(o.directPath, { cache: 'no-store', signal: o.signal });
      if (!resp.ok) {
        const m = byPath.get(o.directPath);
        if (m && resp.status === 404 && m.mediaData.mediaStage !== 'REUPLOADING') m.mediaData.mediaStage = 'ERROR_MISSING';
        const err = new Error('media download failed: HTTP ' + resp.status);
        err.name = 'MediaDownloadError';
        err.status = resp.status;
        throw err;
      }
      return decryptMedia(new Uint8Array(await resp.arrayBuffer()), o);
    }

    const contactApi = {
      getPhoneNumber(lid) { const p = lidToPhone.get(keyOf(lid)); return p ? new Wid(p) : undefined; },
      getCurrentLid(phone) { const l = phoneToLid.get(keyOf(phone)); return l ? new Wid(l) : undefined; },
    };

    app = { data, me, Chat, Msg, Contact, loadEarlierMsgs };
    modules.WAWebCollections = { Chat, Msg, Contact };
    modules.WAWebChatLoadMessages = { loadEarlierMsgs };
    modules.WAWebApiMessageInfoStore = { queryMsgInfo };
    modules.WAWebDownloadManager = { downloadManager: { downloadAndMaybeDecrypt } };
    modules.WAWebApiContact = contactApi;
    modules.WAWebSendNonMessageDataRequest = { sendPeerDataOperationRequest };
  }

  // ---- media crypto (WebCrypto; loopback is a secure context) ---------------

  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)));
  const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const keyInfo = (t) => ({ video: 'WhatsApp Video Keys', ptt: 'WhatsApp Audio Keys', audio: 'WhatsApp Audio Keys',
    document: 'WhatsApp Document Keys' }[t] || 'WhatsApp Image Keys');

  async function decryptMedia(file, o) {
    const subtle = crypto.subtle;
    if (o.encFilehash && b64(await subtle.digest('SHA-256', file)) !== o.encFilehash) {
      throw new Error('media download failed: encFilehash mismatch');
    }
    const ikm = await subtle.importKey('raw', unb64(o.mediaKey), 'HKDF', false, ['deriveBits']);
    const keys = new Uint8Array(await subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(keyInfo(o.type)) }, ikm, 112 * 8));
    const iv = keys.slice(0, 16);
    const ct = file.slice(0, file.length - 10);
    const mac = file.slice(file.length - 10);
    const macKey = await subtle.importKey('raw', keys.slice(48, 80), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const want = new Uint8Array(await subtle.sign('HMAC', macKey, new Uint8Array([...iv, ...ct]))).slice(0, 10);
    if (want.some((b, i) => b !== mac[i])) throw new Error('media download failed: MAC mismatch');
    const aes = await subtle.importKey('raw', keys.slice(16, 48), { name: 'AES-CBC' }, false, ['decrypt']);
    return subtle.decrypt({ name: 'AES-CBC', iv }, aes, ct);
  }

  // ---- linking --------------------------------------------------------------

  let linking = false;

  async function link() {
    if (linking || app) return;
    linking = true;
    try {
      setState('OPENING');
      await sleep(120);
      setState('PAIRING');
      const resp = await fetch('/__app/data', { cache: 'no-store' });
      if (!resp.ok) throw new Error('data: HTTP ' + resp.status);
      const data = await resp.json();
      loadApp(data);
      Conn.wid = app.me;
      Conn.pushname = data.pushName;
      renderApp();
      setState('CONNECTED');
    } catch (e) {
      console.error(e);
      setState('UNPAIRED');
    } finally {
      linking = false;
    }
  }

  let refsShown = 0;

  function goIdle() {
    setState('UNPAIRED_IDLE');
    const holder = document.querySelector('[data-ref]');
    if (!holder) return;
    holder.replaceWith(el('button', { class: '_rl', 'aria-label': S.reload, onclick: wake },
      el('span', { 'data-icon': 'refresh-large' }, '\u27F3'), ' ' + S.reload));
  }

  async function wake() {
    refsShown = 0;
    try {
      const st = await (await fetch('/__app/state', { cache: 'no-store' })).json();
      Conn.ref = st.ref;
      Conn.trigger('change:ref', Conn, st.ref);
    } catch (e) { /* keep the old ref */ }
    renderLanding();
    setState('UNPAIRED');
  }

  async function poll() {
    for (;;) {
      try {
        const st = await (await fetch('/__app/state', { cache: 'no-store' })).json();
        if (st.linked && !app) link();
        if (!st.linked && app) {
          // The phone logged this device out: back to the QR, as the real
          // site does by reloading.
          setState('UNPAIRED');
          Conn.wid = undefined;
          setTimeout(() => location.reload(), 300);
          return;
        }
        if (!st.linked && st.ref !== Conn.ref && Socket.state === 'UNPAIRED') {
          // After a few unscanned codes the real site stops refreshing the
          // QR and waits for a click.
          if (boot.idleAfter && ++refsShown >= boot.idleAfter) goIdle();
          else setRef(st.ref);
        }
      } catch (e) { /* server gone: keep trying */ }
      await sleep(200);
    }
  }

  // ---- QR -----------------------------------------------------------------

  // The code carries what the phone needs to link, as on the real site:
  // the ref and the device's public keys, comma-separated. The keys are made
  // once per page load and survive ref rotations.
  const deviceKeys = [0, 1, 2].map(() => {
    const b = new Uint8Array(32);
    crypto.getRandomValues(b);
    return btoa(String.fromCharCode(...b));
  });
  const qrPayload = (ref) => [ref, ...deviceKeys].join(',');

  // QR Code model 2, byte mode, error correction level M, versions 1 to 10
  // (ISO/IEC 18004). Per version: [EC codewords per block,
  // [blocks, data codewords]...] and the alignment pattern centres.
  const QR_M = [null,
    [10, [1, 16]], [16, [1, 28]], [26, [1, 44]], [18, [2, 32]], [24, [2, 43]],
    [16, [4, 27]], [18, [4, 31]], [22, [2, 38], [2, 39]], [22, [3, 36], [2, 37]], [26, [4, 43], [1, 44]]];
  const QR_ALIGN = [null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]];

  // GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
  const gfExp = new Uint8Array(512), gfLog = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++) {
    gfExp[i] = x; gfLog[x] = i;
    x <<= 1; if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) gfExp[i] = gfExp[i - 255];
  const gfMul = (a, b) => (a && b ? gfExp[gfLog[a] + gfLog[b]] : 0);

  function rsRemainder(data, n) {
    // generator = (x - a^0)(x - a^1)...(x - a^(n-1)), highest term dropped
    let gen = [1];
    for (let i = 0; i < n; i++) {
      const next = new Array(gen.length + 1).fill(0);
      for (let j = 0; j < gen.length; j++) {
        next[j] ^= gen[j];
        next[j + 1] ^= gfMul(gen[j], gfExp[i]);
      }
      gen = next;
    }
    const rem = new Array(n).fill(0);
    for (const d of data) {
      const f = d ^ rem.shift();
      rem.push(0);
      for (let j = 0; j < n; j++) rem[j] ^= gfMul(gen[j + 1], f);
    }
    return rem;
  }

  function qrCodewords(bytes, version) {
    const [ecLen, ...groups] = QR_M[version];
    const blocks = [];
    for (const [count, len] of groups) for (let i = 0; i < count; i++) blocks.push(len);
    const capacity = blocks.reduce((a, b) => a + b, 0);
    const bits = [];
    const put = (v, n) => { for (let i = n - 1; i >= 0; i--) bits.push((v >>> i) & 1); };
    put(4, 4);
    put(bytes.length, version < 10 ? 8 : 16);
    for (const b of bytes) put(b, 8);
    if (bits.length > capacity * 8) return null;
    put(0, Math.min(4, capacity * 8 - bits.length));
    while (bits.length % 8) bits.push(0);
    const data = [];
    for (let i = 0; i < bits.length; i += 8) data.push(parseInt(bits.slice(i, i + 8).join(''), 2));
    for (let pad = 0xec; data.length < capacity; pad ^= 0xec ^ 0x11) data.push(pad);
    const split = [], ecs = [];
    let at = 0;
    for (const len of blocks) {
      const block = data.slice(at, at + len);
      at += len;
      split.push(block);
      ecs.push(rsRemainder(block, ecLen));
    }
    const out = [];
    for (let i = 0; i < Math.max(...blocks); i++) for (const b of split) if (i < b.length) out.push(b[i]);
    for (let i = 0; i < ecLen; i++) for (const e of ecs) out.push(e[i]);
    return out;
  }

  // qrMatrix encodes text; it returns rows of booleans (true = dark), or
  // null when the text is too long for version 10.
  function qrMatrix(text) {
    const bytes = new TextEncoder().encode(text);
    let version = 1, words = null;
    for (; version <= 10 && !(words = qrCodewords(bytes, version)); version++);
    if (!words) return null;
    const size = 17 + 4 * version;
    const dark = Array.from({ length: size }, () => new Array(size).fill(false));
    const fixed = Array.from({ length: size }, () => new Array(size).fill(false));
    const set = (x, y, on) => { if (x >= 0 && y >= 0 && x < size && y < size) { dark[y][x] = on; fixed[y][x] = true; } };
    for (let i = 0; i < size; i++) { set(6, i, i % 2 === 0); set(i, 6, i % 2 === 0); }
    for (const [cx, cy] of [[3, 3], [size - 4, 3], [3, size - 4]]) {
      for (let dy = -4; dy <= 4; dy++) {
        for (let dx = -4; dx <= 4; dx++) {
          const r = Math.max(Math.abs(dx), Math.abs(dy));
          set(cx + dx, cy + dy, r !== 2 && r !== 4);
        }
      }
    }
    const al = QR_ALIGN[version];
    for (const ay of al) {
      for (const ax of al) {
        if ((ax === 6 && ay === 6) || (ax === 6 && ay === al[al.length - 1]) || (ay === 6 && ax === al[al.length - 1])) continue;
        for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) set(ax + dx, ay + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }
    }
    const format = (mask) => {
      const d = (0 << 3) | mask; // level M is 00
      let r = d;
      for (let i = 0; i < 10; i++) r = (r << 1) ^ ((r >>> 9) * 0x537);
      const bits = ((d << 10) | r) ^ 0x5412;
      const bit = (i) => ((bits >>> i) & 1) === 1;
      for (let i = 0; i <= 5; i++) set(8, i, bit(i));
      set(8, 7, bit(6)); set(8, 8, bit(7)); set(7, 8, bit(8));
      for (let i = 9; i < 15; i++) set(14 - i, 8, bit(i));
      for (let i = 0; i < 8; i++) set(size - 1 - i, 8, bit(i));
      for (let i = 8; i < 15; i++) set(8, size - 15 + i, bit(i));
      set(8, size - 8, true);
    };
    format(0); // reserves the format areas
    if (version >= 7) {
      let r = version;
      for (let i = 0; i < 12; i++) r = (r << 1) ^ ((r >>> 11) * 0x1f25);
      const bits = (version << 12) | r;
      for (let i = 0; i < 18; i++) {
        const on = ((bits >>> i) & 1) === 1, a = size - 11 + (i % 3), b = Math.floor(i / 3);
        set(a, b, on); set(b, a, on);
      }
    }
    let i = 0;
    for (let right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      for (let v = 0; v < size; v++) {
        for (let j = 0; j < 2; j++) {
          const x = right - j, up = ((right + 1) & 2) === 0, y = up ? size - 1 - v : v;
          if (fixed[y][x]) continue;
          dark[y][x] = i < words.length * 8 && ((words[i >>> 3] >>> (7 - (i & 7))) & 1) === 1;
          i++;
        }
      }
    }
    const masks = [(x, y) => (x + y) % 2 === 0, (x, y) => y % 2 === 0, (x) => x % 3 === 0, (x, y) => (x + y) % 3 === 0,
      (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0, (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
      (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0, (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0];
    const flip = (m) => { for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (!fixed[y][x] && masks[m](x, y)) dark[y][x] = !dark[y][x]; };
    let best = 0, bestScore = Infinity;
    for (let m = 0; m < 8; m++) {
      flip(m); format(m);
      const s = qrPenalty(dark, size);
      if (s < bestScore) { best = m; bestScore = s; }
      flip(m);
    }
    flip(best); format(best);
    return dark;
  }

  // qrPenalty scores runs, 2x2 blocks and dark/light balance; any mask
  // decodes, a lower score just scans more easily.
  function qrPenalty(dark, size) {
    let score = 0, n = 0;
    for (let a = 0; a < size; a++) {
      for (const line of [(b) => dark[a][b], (b) => dark[b][a]]) {
        let run = 1;
        for (let b = 1; b <= size; b++) {
          if (b < size && line(b) === line(b - 1)) run++;
          else { if (run >= 5) score += run - 2; run = 1; }
        }
      }
    }
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (dark[y][x]) n++;
        if (x < size - 1 && y < size - 1 && dark[y][x] === dark[y][x + 1] && dark[y][x] === dark[y + 1][x] && dark[y][x] === dark[y + 1][x + 1]) score += 3;
      }
    }
    return score + 10 * Math.floor(Math.abs(n * 20 - size * size * 10) / (size * size));
  }

  function drawQR(canvas, ref) {
    const m = qrMatrix(qrPayload(ref));
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    if (!m) return;
    const quiet = 4, cell = Math.floor(canvas.width / (m.length + 2 * quiet));
    const off = Math.floor((canvas.width - cell * m.length) / 2);
    g.fillStyle = '#111';
    m.forEach((row, y) => row.forEach((on, x) => { if (on) g.fillRect(off + x * cell, off + y * cell, cell, cell); }));
  }

  // ---- views ----------------------------------------------------------------

  const root = document.getElementById('app');

  function renderLanding() {
    const canvas = el('canvas', { 'aria-label': 'Scan me!', role: 'img', width: 264, height: 264 });
    root.replaceChildren(el('div', { class: 'landing-wrapper' },
      el('h1', null, S.landing), el('p', null, S.step),
      el('div', { 'data-ref': Conn.ref }, canvas)));
    drawQR(canvas, Conn.ref);
  }

  const rowsByChat = new Map();

  function renderApp() {
    const chats = app.Chat.getModelsArray().sort((a, b) => b.t - a.t);
    const pane = el('div', { id: 'pane-side', role: 'grid', 'aria-label': S.chatList });
    for (const chat of chats) {
      const badge = el('span', { class: '_ub', 'aria-label': S.unread(chat.unreadCount) }, chat.unreadCount);
      if (!chat.unreadCount) badge.hidden = true;
      const row = el('div', { role: 'row', tabindex: 0, onclick: () => openChat(chat) },
        el('span', { dir: 'auto', title: chat.formattedTitle }, chat.formattedTitle), badge);
      rowsByChat.set(chat, badge);
      pane.append(el('div', { role: 'listitem' }, row));
    }
    root.replaceChildren(
      el('div', { id: 'side' }, el('header', null, app.data.pushName), pane),
      el('div', { class: '_intro' }, S.intro));
  }

  // view is the open conversation.
  let view = null;
  const played = new Set();
  const playedSent = new Set();

  function openChat(chat) {
    action('open-chat', chat.id, chat.formattedTitle);
    if (chat.unreadCount > 0) {
      // Opening a conversation reads it: WhatsApp sends read receipts for
      // its unread incoming messages (unless read receipts are off).
      const incoming = chat.msgs.filter((m) => !m.id.fromMe);
      const unread = incoming.slice(-chat.unreadCount).map((m) => m.id.id);
      if (app.data.readReceipts) post('/__app/receipt', { kind: 'read', chat: chat.id._serialized, ids: unread });
      chat.unreadCount = 0;
      chat.trigger('change:unreadCount', chat, 0);
      const badge = rowsByChat.get(chat);
      if (badge) badge.hidden = true;
    }
    if (view) view.chat.msgs.off('add', view.onAdd);
    const list = el('div', { class: '_ml', tabindex: 0, role: 'application', 'aria-label': S.messages });
    const spacer = el('div', { class: '_sp' });
    list.append(spacer);
    const main = el('div', { id: 'main' },
      el('header', null, el('div', null, el('span', { dir: 'auto', title: chat.formattedTitle }, chat.formattedTitle))), list);
    const old = document.getElementById('main') || root.querySelector('._intro');
    old.replaceWith(main);
    view = { chat, list, spacer, msgs: [], tops: [], heights: [], appScroll: null, scrollTimer: null, loading: false };
    view.onAdd = (added) => {
      const before = view.total || 0;
      layout();
      if (chatFirst(added)) {
        list.scrollTop += view.total - before;
        appScrolled();
      }
      renderWindow();
    };
    chat.msgs.on('add', view.onAdd);
    list.addEventListener('scroll', onScroll);
    layout();
    // Like the real site, a conversation opens at its newest message; that
    // scroll is the app's, not the user's.
    list.scrollTop = view.total;
    appScrolled();
    renderWindow();
  }

  // appScrolled notes that the app itself moved the list, so the scroll event
  // that follows is not recorded as the user's.
  function appScrolled() {
    const v = view;
    v.appScroll = v.list.scrollTop;
    setTimeout(() => { if (v.appScroll === v.list.scrollTop) v.appScroll = null; }, 500);
  }

  const chatFirst = (added) => view.msgs.length > 0 && added.includes(view.msgs[0]);

  function rowHeight(m) {
    let h = { image: 200, video: 200, sticker: 160, ptt: 76, audio: 76, document: 76, revoked: 52 }[m.type];
    if (!h) h = 52 + 19 * Math.floor((m.body || '').length / 48);
    if (m.caption) h += 20 * (1 + Math.floor(m.caption.length / 48));
    if (m.quotedStanzaID) h += 44;
    return h;
  }

  function layout() {
    view.msgs = view.chat.msgs.getModelsArray();
    let y = 8;
    view.tops = view.msgs.map((m) => { const t = y; y += rowHeight(m) + 6; return t; });
    view.heights = view.msgs.map(rowHeight);
    view.total = y + 8;
    view.spacer.style.height = view.total + 'px';
  }

  // renderWindow keeps in the DOM only the rows near the viewport, as
  // WhatsApp's virtualized list does.
  function renderWindow() {
    const { list, spacer, tops, heights, msgs } = view;
    const from = list.scrollTop - 200, to = list.scrollTop + list.clientHeight + 200;
    const rows = [];
    for (let i = 0; i < msgs.length; i++) {
      if (tops[i] + heights[i] >= from && tops[i] <= to) rows.push(renderRow(msgs[i], tops[i], heights[i]));
    }
    spacer.replaceChildren(...rows);
  }

  function onScroll() {
    renderWindow();
    if (view.appScroll !== null) {
      const mine = Math.abs(view.list.scrollTop - view.appScroll) < 1;
      view.appScroll = null;
      if (mine) return;
    }
    const chat = view.chat;
    clearTimeout(view.scrollTimer);
    view.scrollTimer = setTimeout(() => action('scroll', chat.id, 'top=' + Math.round(view.list.scrollTop)), 150);
    if (view.list.scrollTop < 4 && !view.loading) {
      view.loading = true;
      app.loadEarlierMsgs(chat).finally(() => { if (view && view.chat === chat) view.loading = false; });
    }
  }

  function tick(ack) {
    if (ack < 0) return ['msg-error', S.notSent];
    if (ack === 0) return ['msg-time', S.pending];
    if (ack === 1) return ['msg-check', S.sent];
    if (ack === 2) return ['msg-dblcheck', S.delivered];
    return ['msg-dblcheck', S.read];
  }

  const glyph = { 'msg-error': '!', 'msg-time': '\u{1F552}', 'msg-check': '\u2713', 'msg-dblcheck': '\u2713\u2713' };

  function renderRow(m, top, height) {
    const chat = view.chat;
    const content = [];
    if (m.quotedStanzaID) {
      const q = chat.msgs.find((x) => x.id.id === m.quotedStanzaID);
      content.push(el('div', { class: '_q', role: 'button', 'aria-label': S.quoted },
        q ? (q.body && q.type === 'chat' ? q.body : q.caption || S[q.type] || q.type) : '\u2026'));
    }
    switch (m.type) {
      case 'chat':
        content.push(el('span', { dir: 'ltr' }, m.body));
        break;
      case 'image': case 'video':
        content.push(el('img', { class: '_th', alt: '', src: 'data:image/jpeg;base64,' + m.body }));
        if (m.type === 'video') content.push(el('span', { 'data-icon': 'media-play' }, '\u25B6 ' + S.video));
        break;
      case 'sticker':
        content.push(el('div', { 'data-icon': 'sticker', style: 'width:120px;height:120px;background:#ccc' }));
        break;
      case 'ptt': case 'audio': {
        const key = m.id._serialized;
        content.push(el('button', {
          class: '_pl', 'aria-label': played.has(key) ? S.pause : S.play, onclick: () => playVoice(chat, m),
        }, el('span', { 'data-icon': played.has(key) ? 'audio-pause' : 'audio-play' }, played.has(key) ? '\u275A\u275A' : '\u25B6')),
        el('span', null, ' ' + (m.type === 'ptt' ? S.voice : S.audio) + (m.duration ? ' 0:' + String(m.duration).padStart(2, '0') : '')));
        break;
      }
      case 'document':
        content.push(el('span', { 'data-icon': 'document' }, '\u{1F4C4} ' + (m.filename || S.document)));
        break;
      case 'revoked':
        content.push(el('span', { class: '_del', 'data-icon': 'recalled' }, m.id.fromMe ? S.deletedMe : S.deletedThem));
        break;
    }
    if (m.caption) content.push(el('div', null, el('span', { dir: 'ltr' }, m.caption)));
    const pm = view.chat.msgs && chatMsgData(chat, m);
    const meta = [];
    if (m.isEdited) meta.push(el('span', null, S.edited + ' '));
    meta.push(el('span', null, pm ? pm.clock : ''));
    if (m.id.fromMe) {
      const [icon, label] = tick(m.ack);
      meta.push(el('span', { 'data-icon': icon, 'aria-label': label, class: m.ack >= 3 ? '_rd' : null }, glyph[icon]));
    }
    return el('div', { role: 'row', class: m.id.fromMe ? '_r' : null, style: `top:${top}px;height:${height}px` },
      el('div', { tabindex: -1, 'data-id': m.id.id, class: '_b' },
        el('div', { class: 'copyable-text', 'data-pre-plain-text': pm ? pm.pre : '' }, content),
        el('div', { class: '_m' }, meta)));
  }

  // chatMsgData finds the scenario row of a model (for the rendered times).
  const dataIndex = new WeakMap();
  function chatMsgData(chat, m) {
    let idx = dataIndex.get(chat);
    if (!idx) {
      idx = new Map(app.data.chats.find((c) => c.id === chat.id._serialized).messages.map((d) => [d.id, d]));
      dataIndex.set(chat, idx);
    }
    return idx.get(m.id.id);
  }

  function playVoice(chat, m) {
    const key = m.id._serialized;
    if (played.has(key)) { played.delete(key); renderWindow(); return; }
    played.add(key);
    // Playing an incoming voice note tells its sender it was played.
    if (!m.id.fromMe && m.type === 'ptt' && !playedSent.has(key)) {
      playedSent.add(key);
      post('/__app/receipt', { kind: 'played', chat: chat.id._serialized, ids: [m.id.id] });
    }
    renderWindow();
  }

  // ---- start ----------------------------------------------------------------

  renderLanding();
  if (boot.linked) link();
  poll();
})();
