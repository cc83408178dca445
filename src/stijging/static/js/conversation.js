/* The living-room conversation on a tablet: every section saves on its own (htmx), and nothing typed
   is lost when the connection drops or the session ends.

   Just before a section is sent, its payload is kept in localStorage, one entry per section, with a
   fresh idempotency key and the version the section was opened at. The entry stays until the server
   has the save. After a network error or a timeout, a 401/403 (the session ended, or its cookies are
   gone) or a login page where the section's answer should be, the section says "not sent yet", and
   the entry is sent again - with the same key, so a save that did arrive after all is recognised by
   the server and not applied twice - when the browser is back online, every 15 seconds, and when the
   page loads (also after logging in again: the login page brings the worker back here).

   A save the server refuses (409: someone saved the section in the meantime; 422: something to
   correct) is shown with the worker's input still in the fields; its entry is kept, but not sent
   again on its own, until the worker saves that section again or discards it.

   Privacy: localStorage holds nothing but these unsent section payloads of the current conversation,
   tagged with the user who typed them (never sent as someone else) and with the session they were
   typed in: they never outlive it. When a save finds the session ended they are removed (the input
   stays on the screen only), and session-guard.js removes them on logout and on any page of another
   or no session. Each is removed as soon as the
   server confirms it. No page, no name and nothing the server already has stays on the device, and
   htmx's own history cache is switched off in the page's htmx-config.

   Unsaved changes: a section the worker has changed but not saved is marked (its badge, and the list
   at the top of the page). Saving any section saves every other changed section with it, so answers
   typed in one section are never left behind when the worker saves another; leaving the page while
   a section holds unsaved changes asks first. Typing a help question ticks "There is a help
   question", so the question is saved rather than dropped. */
(function () {
  'use strict';

  var root = document.querySelector('[data-conversation]');
  if (!root) {
    return;
  }
  var PREFIX = 'stijging:unsent:' + root.getAttribute('data-conversation') + ':';
  var SECTION_HEADER = 'X-Stijging-Section';
  var RETRY_MS = 15000;
  var userId = root.getAttribute('data-user');
  var sessionTag = document.body.getAttribute('data-session-tag') || '';
  var inFlight = {};
  var replaying = false;

  function message(name) {
    return root.getAttribute('data-msg-' + name) || '';
  }

  // --- The store -------------------------------------------------------------------------------------

  function storageKey(sectionId) {
    return PREFIX + sectionId;
  }

  function readEntry(sectionId) {
    try {
      var entry = JSON.parse(window.localStorage.getItem(storageKey(sectionId)));
      return entry && entry.user === userId && entry.session === sessionTag ? entry : null;
    } catch (error) {
      return null;
    }
  }

  function writeEntry(entry) {
    entry.session = sessionTag;
    try {
      window.localStorage.setItem(storageKey(entry.section), JSON.stringify(entry));
    } catch (error) {
      // Storage full or switched off: the request itself still goes.
    }
  }

  function removeEntry(sectionId) {
    try {
      window.localStorage.removeItem(storageKey(sectionId));
    } catch (error) {
      // Nothing kept, nothing to remove.
    }
  }

  function entries() {
    var found = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var name = window.localStorage.key(i);
        if (name && name.indexOf(PREFIX) === 0) {
          var entry = readEntry(name.slice(PREFIX.length));
          if (entry) {
            found.push(entry);
          }
        }
      }
    } catch (error) {
      return [];
    }
    return found;
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    var input = root.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : '';
  }

  // --- What the section says ------------------------------------------------------------------------

  function announce(text) {
    var announcer = document.getElementById('conv-announcer');
    if (announcer) {
      announcer.textContent = '';
      window.setTimeout(function () { announcer.textContent = text; }, 50);
    }
  }

  function sectionForm(element) {
    return element && element.closest ? element.closest('form[data-section-form]') : null;
  }

  function setStatus(sectionId, state) {
    var section = document.getElementById(sectionId);
    var status = section ? section.querySelector('[data-status]') : null;
    if (!status) {
      return;
    }
    status.className = 'conv-status conv-status--' + state;
    status.textContent = message(state);
    if (state === 'expired') {
      // The session is over: nothing typed in it stays on the device beyond it.
      entries().forEach(function (entry) { removeEntry(entry.section); });
      var link = document.createElement('a');
      link.href = root.getAttribute('data-login-url');
      link.textContent = message('login');
      status.appendChild(document.createTextNode(' '));
      status.appendChild(link);
    }
    if (state !== 'sending') {
      announce(status.textContent);
    }
  }

  function offerDiscard(sectionId) {
    var section = document.getElementById(sectionId);
    var status = section ? section.querySelector('[data-status]') : null;
    if (!status || status.querySelector('.conv-discard')) {
      return;
    }
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button button--secondary button--small conv-discard';
    button.textContent = message('discard');
    button.addEventListener('click', function () {
      removeEntry(sectionId);
      window.location.reload();
    });
    status.appendChild(document.createTextNode(' '));
    status.appendChild(button);
  }

  function afterSwap(sectionId) {
    var section = document.getElementById(sectionId);
    var status = section ? section.querySelector('[data-status]') : null;
    if (status && status.textContent) {
      announce(status.textContent);
    }
    var entry = readEntry(sectionId);
    if (entry && entry.state === 'blocked') {
      offerDiscard(sectionId);
    }
  }

  function markBlocked(sectionId) {
    var entry = readEntry(sectionId);
    if (entry) {
      entry.state = 'blocked';
      writeEntry(entry);
    }
  }

  // Put a kept payload back into its form, version included: saved again from here, it is still
  // checked against the version it was typed on.
  function fillForm(entry) {
    var section = document.getElementById(entry.section);
    var form = section ? section.querySelector('form') : null;
    if (!form) {
      return;
    }
    var params = new URLSearchParams(entry.body);
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.name === 'csrfmiddlewaretoken' || element.tagName === 'BUTTON') {
        return;
      }
      var values = params.getAll(element.name);
      if (element.type === 'radio' || element.type === 'checkbox') {
        element.checked = values.indexOf(element.value) !== -1;
      } else {
        element.value = values.length ? values[0] : '';
      }
    });
  }

  // --- Unsaved changes ------------------------------------------------------------------------------

  var dirty = {};

  function sectionTitle(sectionId) {
    var title = document.getElementById(sectionId + '-title');
    var member = title ? title.closest('.conv-member') : null;
    var name = member ? member.querySelector('.conv-member__head h2') : null;
    return (name ? name.textContent.trim() + ' — ' : '') + (title ? title.textContent.trim() : sectionId);
  }

  function showUnsaved() {
    var ids = Object.keys(dirty).filter(function (id) { return dirty[id]; });
    Array.prototype.forEach.call(root.querySelectorAll('[data-dirty-badge]'), function (badge) {
      var section = badge.closest('[data-section]');
      badge.hidden = !(section && dirty[section.id]);
    });
    var box = document.getElementById('conv-unsaved');
    if (!box) {
      return;
    }
    var list = box.querySelector('ul');
    list.textContent = '';
    ids.forEach(function (id) {
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = '#' + id;
      link.textContent = sectionTitle(id);
      item.appendChild(link);
      list.appendChild(item);
    });
    box.hidden = ids.length === 0;
  }

  function markDirty(sectionId) {
    if (!dirty[sectionId]) {
      dirty[sectionId] = true;
      showUnsaved();
    }
  }

  function markClean(sectionId) {
    if (dirty[sectionId]) {
      dirty[sectionId] = false;
      showUnsaved();
    }
  }

  function onEdit(event) {
    var form = sectionForm(event.target);
    if (!form || !event.target.name || event.target.name === 'key' || event.target.name === 'version') {
      return;
    }
    markDirty(form.getAttribute('data-section-form'));
    // A help question typed without ticking its box would be dropped on saving: tick it.
    var match = /^(.*)-question$/.exec(event.target.id || '');
    if (match && event.target.value.trim()) {
      var box = document.getElementById(match[1] + '-help');
      if (box && !box.checked) {
        box.checked = true;
      }
    }
  }

  root.addEventListener('input', onEdit);
  root.addEventListener('change', onEdit);

  // Saving one section saves every other section with unsaved changes too (each through its own
  // form, key and version, so each is kept on the device and replayed on its own when offline).
  function saveOtherChanged(exceptId) {
    Object.keys(dirty).forEach(function (id) {
      if (!dirty[id] || id === exceptId || inFlight[id]) {
        return;
      }
      var form = root.querySelector('form[data-section-form="' + id + '"]');
      if (form && typeof form.requestSubmit === 'function') {
        form.requestSubmit();
      }
    });
  }

  window.addEventListener('beforeunload', function (event) {
    var unsaved = Object.keys(dirty).some(function (id) { return dirty[id]; });
    if (unsaved) {
      event.preventDefault();
      event.returnValue = '';  // older browsers show their own question only when this is set
    }
  });

  // --- Live saves through htmx ----------------------------------------------------------------------

  document.body.addEventListener('htmx:configRequest', function (event) {
    var form = sectionForm(event.detail.elt);
    if (!form) {
      return;
    }
    var sectionId = form.getAttribute('data-section-form');
    var key = newKey();
    event.detail.formData.set('key', key);
    var keyInput = form.querySelector('input[name="key"]');
    if (keyInput) {
      keyInput.value = key;
    }
    var body = new URLSearchParams();
    event.detail.formData.forEach(function (value, name) {
      if (name !== 'csrfmiddlewaretoken' && typeof value === 'string') {
        body.append(name, value);
      }
    });
    // Kept before it is sent: if the request never comes back, the save is still here.
    writeEntry({
      user: userId,
      section: sectionId,
      url: event.detail.path,
      body: body.toString(),
      key: key,
      version: body.get('version'),
      at: Date.now(),
      state: 'pending'
    });
    inFlight[sectionId] = true;
    // From here the save is the device's to keep (localStorage) until the server has it: it no
    // longer counts as unsaved.
    markClean(sectionId);
    setStatus(sectionId, 'sending');
    window.setTimeout(function () { saveOtherChanged(sectionId); }, 0);
  });

  document.body.addEventListener('htmx:beforeSwap', function (event) {
    var form = sectionForm(event.detail.requestConfig && event.detail.requestConfig.elt);
    if (!form) {
      return;
    }
    var sectionId = form.getAttribute('data-section-form');
    var xhr = event.detail.xhr;
    var ours = xhr.getResponseHeader(SECTION_HEADER) === sectionId;
    if (ours && xhr.status === 200) {
      removeEntry(sectionId);
      return;
    }
    if (ours && (xhr.status === 409 || xhr.status === 422)) {
      markBlocked(sectionId);
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    // The session ended (401; 403 when its cookies are gone), a login page came instead of the
    // section, or the server failed: keep the save and say so.
    event.detail.shouldSwap = false;
    var expired = xhr.status === 401 || xhr.status === 403 || (!ours && xhr.status === 200);
    setStatus(sectionId, expired ? 'expired' : 'failed');
  });

  document.body.addEventListener('htmx:afterRequest', function (event) {
    var form = sectionForm(event.detail.requestConfig && event.detail.requestConfig.elt);
    if (form) {
      inFlight[form.getAttribute('data-section-form')] = false;
    }
  });

  document.body.addEventListener('htmx:afterSettle', function (event) {
    var form = sectionForm(event.detail.requestConfig && event.detail.requestConfig.elt);
    if (form) {
      afterSwap(form.getAttribute('data-section-form'));
    }
  });

  ['htmx:sendError', 'htmx:timeout'].forEach(function (name) {
    document.body.addEventListener(name, function (event) {
      var form = sectionForm(event.target);
      if (form) {
        var sectionId = form.getAttribute('data-section-form');
        inFlight[sectionId] = false;
        setStatus(sectionId, 'queued');
      }
    });
  });

  // --- Sending kept saves again ---------------------------------------------------------------------

  function swapIn(sectionId, html) {
    var target = document.getElementById(sectionId);
    if (!target || !window.htmx) {
      return;
    }
    window.htmx.swap(target, html, { swapStyle: 'outerHTML', swapDelay: 0, settleDelay: 0 });
    afterSwap(sectionId);
  }

  function send(entry) {
    setStatus(entry.section, 'sending');
    return window.fetch(entry.url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'HX-Request': 'true',
        'X-CSRFToken': csrfToken(),
        'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8'
      },
      body: entry.body
    }).then(function (response) {
      var ours = response.headers.get(SECTION_HEADER) === entry.section;
      if (ours && response.status === 200) {
        removeEntry(entry.section);
        return response.text().then(function (html) { swapIn(entry.section, html); });
      }
      if (ours && (response.status === 409 || response.status === 422)) {
        markBlocked(entry.section);
        return response.text().then(function (html) { swapIn(entry.section, html); });
      }
      if (response.status === 404 || response.status === 410) {
        removeEntry(entry.section);  // the section is gone, or no longer this user's to see
        return undefined;
      }
      var expired = response.status === 401 || response.status === 403 || (!ours && response.ok);
      setStatus(entry.section, expired ? 'expired' : 'failed');
      return undefined;
    }, function () {
      setStatus(entry.section, 'queued');
    });
  }

  function replay(includeBlocked) {
    if (replaying) {
      return;
    }
    var due = entries().filter(function (entry) {
      return !inFlight[entry.section] && (entry.state !== 'blocked' || includeBlocked);
    });
    if (!due.length) {
      return;
    }
    replaying = true;
    due.sort(function (a, b) { return a.at - b.at; });
    due.reduce(function (chain, entry) {
      return chain.then(function () { return send(entry); });
    }, Promise.resolve()).then(function () { replaying = false; }, function () { replaying = false; });
  }

  // --- Resuming ------------------------------------------------------------------------------------

  function resume() {
    var kept = entries();
    kept.forEach(function (entry) {
      fillForm(entry);
      setStatus(entry.section, 'queued');
    });
    if (!window.location.hash && root.getAttribute('data-resumed') === 'true') {
      var next = root.querySelector('[data-complete="false"]');
      if (next) {
        // Opened again (or reloaded) in the middle of a conversation: go on where it stopped,
        // rather than where the browser last was.
        if ('scrollRestoration' in window.history) {
          window.history.scrollRestoration = 'manual';
        }
        next.scrollIntoView({ block: 'start' });
      }
    }
    replay(true);
  }

  window.addEventListener('online', function () { replay(false); });
  window.setInterval(function () {
    if (navigator.onLine !== false) {
      replay(false);
    }
  }, RETRY_MS);
  resume();
}());
