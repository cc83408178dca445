/* Unsent conversation answers (conversation.js keeps them in localStorage until the server has them)
   never outlive the session that typed them, on a tablet colleagues share.

   Every page of a logged-in session carries its session's tag (body[data-session-tag], a random value
   made at login, not the session key). On every page this script removes each kept entry of another
   session; on a page without a tag (the login page after logout, an idle timeout or the end of the
   session) it removes them all. Pressing "Log out" removes them all before the request leaves. */
(function () {
  'use strict';

  var PREFIX = 'stijging:unsent:';

  function sweep(keepTag) {
    try {
      var names = [];
      for (var i = 0; i < window.localStorage.length; i++) {
        var name = window.localStorage.key(i);
        if (name && name.indexOf(PREFIX) === 0) {
          names.push(name);
        }
      }
      names.forEach(function (name) {
        var entry = null;
        try {
          entry = JSON.parse(window.localStorage.getItem(name));
        } catch (error) {
          entry = null;
        }
        if (!keepTag || !entry || entry.session !== keepTag) {
          window.localStorage.removeItem(name);
        }
      });
    } catch (error) {
      // Storage switched off: nothing was kept.
    }
  }

  sweep(document.body.getAttribute('data-session-tag') || '');
  document.addEventListener('submit', function (event) {
    if (event.target && event.target.hasAttribute && event.target.hasAttribute('data-logout')) {
      sweep('');
    }
  }, true);
})();
